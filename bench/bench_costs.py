"""Ledger and transcript-ingest speed, each against a baseline measured in the same run.

    python bench/bench_costs.py              # or: make bench
    python bench/bench_costs.py --gb 0.2     # a smaller cold-ingest tree
    python bench/bench_costs.py --no-ccusage # skip the npm install and the ccusage run

Rows:
- report over 1,000,000 ledger entries (`reports.build` by day, model and session, and the
  whole `tec costs --no-ingest` process). Baseline: `select sum(cost)` over the same rows,
  the floor for any report that reads every row. Target < 2 s.
- incremental ingest of one new turn (prompt, response, tool result) into an ingested tree,
  as the Stop hook does it: open the ledger, ingest the session's files, close. Median of 20
  turns. Baseline: opening and closing the ledger alone. Target < 50 ms.
- cold ingest of a synthetic ~1 GB transcript tree, next to ccusage 20.0.24 on the same tree
  (installed with npm into bench/.cache/ on first use): wall time, peak RSS, and token
  totals per model for both, which must agree. Aim: no slower than 2x ccusage. Memory
  flat: peak RSS on the whole tree vs a quarter of it.

Exits 1 if a target is missed (the 2x aim against ccusage is reported, not enforced).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from datasets import BENCH, ROOT, SCRIPTS

sys.path.insert(0, os.path.join(ROOT, "tests"))
os.environ["TEC_CONFIG"] = os.devnull + ".absent"  # bundled prices only, here and in children

import transcript_tree as tt
from tec.costs import ingest, reports, store, transcripts
from tec.costs.entries import COLUMNS, make_entry, now_ms

CACHE = os.path.join(BENCH, ".cache")
CCUSAGE_VERSION = "20.0.24"
CCUSAGE_BIN = os.path.join(CACHE, "ccusage", "node_modules", "@ccusage", "ccusage-linux-x64", "bin", "ccusage")
ENTRIES = 1_000_000
TURNS = 20
now = time.perf_counter


def row(name: str, value: str, baseline: str, ratio: float | None, target: str, ok: bool | None) -> bool:
    mark = "" if ok is None else ("ok" if ok else "MISSED")
    ratio_text = f"{ratio:6.2f}x" if ratio is not None else "       "
    print(f"{name:<44} {value:>12}  baseline {baseline:>10}  {ratio_text}  {target:<16} {mark}")
    return ok is not False


# --------------------------------------------------------------------------- 1M-entry report


def fill_ledger(path: str, count: int) -> None:
    """`count` entries: 2,000 priced templates spread evenly over 120 days, in 500 sessions
    that follow each other in time, over 12 projects (all writes go through the ledger's triggers)."""
    import random

    rng = random.Random(1)
    models = ("claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5", "gemini-2.5-flash-lite", "gpt-x")
    templates = [make_entry(rng.choice(("claude-code", "execute")), rng.choice(models),
                                   {"input": rng.randint(1, 5000), "output": rng.randint(1, 3000),
                                    "cache_read": rng.randint(0, 90000)}).row() for _ in range(2000)]
    ts_at = COLUMNS.index("ts")
    session_at = COLUMNS.index("session")
    project_at = COLUMNS.index("project")
    start = now_ms() - 120 * 86_400_000
    with store.Ledger(path) as book:
        for first in range(0, count, 50_000):
            batch = []
            for i in range(first, min(count, first + 50_000)):
                r = list(templates[i % len(templates)])
                r[ts_at] = start + i * (120 * 86_400_000 // count)
                session = i * 500 // count
                r[session_at] = f"session-{session}"
                r[project_at] = f"/home/dev/project-{session % 12}"
                batch.append(tuple(r))
            with book.transaction():
                book.execute_many(batch)


def bench_report(workdir: str) -> bool:
    path = os.path.join(workdir, "million.sqlite3")
    started = now()
    fill_ledger(path, ENTRIES)
    print(f"(filled {ENTRIES:,} entries in {now() - started:.1f} s)")
    ok = True
    with store.Ledger(path) as book:
        floor = min(_timed(lambda: book.db.execute("select sum(cost) from entries").fetchone()) for _ in range(3))
        for by in ("day", "model", "session"):
            spent = min(_timed(lambda by=by: reports.build(book, by=by)) for _ in range(3))
            ok &= row(f"report --by {by}, 1M entries (in-process)", f"{spent:.2f} s", f"{floor:.2f} s",
                      spent / floor, "< 2 s", spent < 2.0)
    env = {**os.environ, "TEC_LEDGER": path}
    tec = [sys.executable, "-m", "tec", "costs", "--no-ingest"]
    runs = []
    for _ in range(3):
        started = now()
        subprocess.run(tec, env=env, check=True, stdout=subprocess.DEVNULL, cwd=SCRIPTS)
        runs.append(now() - started)
    spent = min(runs)
    return row("`tec costs --no-ingest`, 1M entries (process)", f"{spent:.2f} s", f"{floor:.2f} s",
               spent / floor, "< 2 s", spent < 2.0) and ok


def _timed(fn) -> float:
    started = now()
    fn()
    return now() - started


# --------------------------------------------------------------------------- one new turn


def bench_turn(workdir: str) -> bool:
    root = os.path.join(workdir, "turns")
    tree = tt.random_tree(root, sessions=200, turns=60, seed=5)
    path = os.path.join(workdir, "turns.sqlite3")
    with store.Ledger(path) as book:
        ingest.ingest(transcripts.transcript_files([root]), book)
    session = tree.session("/home/dev/project-1")
    session.write()
    times, opens = [], []
    for turn in range(TURNS):
        start = len(session.lines)
        session.prompt(f"turn {turn}: rename the helper")
        session.response("claude-sonnet-5-5", {"input_tokens": 900, "output_tokens": 300,
                                               "cache_read_input_tokens": 40_000}, blocks=2)
        session.tool_result(tree.next_id("toolu"), 3000)
        session.append_lines(start)
        started = now()
        with store.Ledger(path) as book:
            stats = ingest.ingest(transcripts.session_files(session.path), book)
        times.append(now() - started)
        assert stats.responses == 1, stats.to_dict()
        started = now()
        with store.Ledger(path):
            pass
        opens.append(now() - started)
    value, base = statistics.median(times), statistics.median(opens)
    return row("incremental ingest of one new turn", f"{value * 1000:.1f} ms", f"{base * 1000:.1f} ms",
               value / base, "< 50 ms", value < 0.050)


# --------------------------------------------------------------------------- cold 1 GB


def build_tree(gb: float) -> tuple[str, dict]:
    """A cached synthetic tree of about `gb` GB and the totals its writer counted."""
    sessions = max(8, int(475 * gb))  # about 2.1 MB per session
    root = os.path.join(CACHE, f"tree-{sessions}")
    stamp = os.path.join(root, "expected.json")
    if not os.path.exists(stamp):
        shutil.rmtree(root, ignore_errors=True)
        started = now()
        tree = tt.random_tree(root, sessions=sessions, turns=200, seed=42, tool_bytes=4000)
        with open(stamp, "w", encoding="utf-8") as fh:
            json.dump({"expected": tree.expected, "responses": tree.responses}, fh)
        print(f"(wrote a {sessions}-session tree in {now() - started:.0f} s)")
    with open(stamp, encoding="utf-8") as fh:
        return root, json.load(fh)


def tree_bytes(root: str) -> int:
    return sum(os.path.getsize(p) for p in transcripts.transcript_files([root]))


def run_measured(cmd: list[str], env: dict) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB) and stdout of one child process (wait4 gives its own rusage)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = now()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = now() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err.read()[-500:]}")
        return wall, usage.ru_maxrss // 1024, out.read()


INGEST = """
import json, sys
sys.path.insert(0, {scripts!r})
from tec.costs import ingest, store, transcripts
with store.Ledger({db!r}) as book:
    stats = ingest.ingest(transcripts.transcript_files([{root!r}]), book)
    query = ("select model, sum(input), sum(output), sum(cache_write_5m + cache_write_1h), sum(cache_read) "
             "from entries group by model")
    totals = {{m: dict(zip(("input", "output", "cache_write", "cache_read"), s)) for m, *s in book.db.execute(query)}}
print(json.dumps({{"totals": totals, "responses": stats.responses}}))
"""


def ours(root: str, workdir: str, name: str) -> tuple[float, int, dict]:
    db = os.path.join(workdir, f"{name}.sqlite3")
    code = INGEST.format(scripts=SCRIPTS, db=db, root=root)
    wall, rss, out = run_measured([sys.executable, "-c", code], dict(os.environ))
    return wall, rss, json.loads(out)["totals"]


def ensure_ccusage() -> str | None:
    if not os.path.exists(CCUSAGE_BIN):
        if shutil.which("npm") is None:
            return None
        os.makedirs(os.path.join(CACHE, "ccusage"), exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                        os.path.join(CACHE, "ccusage"), f"ccusage@{CCUSAGE_VERSION}",
                        f"@ccusage/ccusage-linux-x64@{CCUSAGE_VERSION}"], check=True)
    os.chmod(CCUSAGE_BIN, 0o755)
    return CCUSAGE_BIN


def ccusage(binary: str, root: str, workdir: str) -> tuple[float, int, dict]:
    home = os.path.join(workdir, "ccusage-home")
    os.makedirs(home, exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "TZ": "UTC", "CLAUDE_CONFIG_DIR": root}
    wall, rss, out = run_measured([binary, "claude", "session", "--json", "--offline"], env)
    totals: dict = {}
    data = json.loads(out)
    for session in data.get("sessions", data.get("session", [])):
        for part in session.get("modelBreakdowns", []):
            t = totals.setdefault(part["modelName"], dict.fromkeys(tt.KINDS, 0))
            t["input"] += part["inputTokens"]
            t["output"] += part["outputTokens"]
            t["cache_write"] += part["cacheCreationTokens"]
            t["cache_read"] += part["cacheReadTokens"]
    return wall, rss, totals


def bench_cold(workdir: str, gb: float, with_ccusage: bool) -> bool:
    root, meta = build_tree(gb)
    size = tree_bytes(root)
    quarter_root, _ = build_tree(gb / 4)
    wall, rss, totals = ours(root, workdir, "cold")
    q_wall, q_rss, _ = ours(quarter_root, workdir, "quarter")
    ok = totals == meta["expected"]
    print(f"cold ingest, our totals equal the tree writer's: {ok}")
    binary = ensure_ccusage() if with_ccusage else None
    if binary is None:
        row(f"cold ingest {size / 1e9:.2f} GB (ours)", f"{wall:.1f} s", "n/a", None, "<= 2x ccusage", None)
    else:
        c_wall, c_rss, c_totals = ccusage(binary, root, workdir)
        same = c_totals == totals
        print(f"token totals per model equal ccusage {CCUSAGE_VERSION}'s: {same}")
        for model in sorted(totals):
            print(f"  {model:<28} ours {totals[model]}\n  {'':<28} ccus {c_totals.get(model)}")
        ok &= same
        row(f"cold ingest {size / 1e9:.2f} GB: ours vs ccusage", f"{wall:.1f} s", f"{c_wall:.1f} s",
            wall / c_wall, "aim <= 2x", None)
        row("  peak RSS: ours vs ccusage", f"{rss} MB", f"{c_rss} MB", rss / max(c_rss, 1), "", None)
    flat = rss <= q_rss * 1.5 + 20
    row(f"peak RSS, whole tree vs a quarter ({q_wall:.1f} s)", f"{rss} MB", f"{q_rss} MB", rss / max(q_rss, 1),
        "flat (<= 1.5x)", flat)
    return ok and flat


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=1.0, help="size of the cold-ingest tree (default 1)")
    parser.add_argument("--no-ccusage", action="store_true", help="do not install or run ccusage")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="tec-bench-costs-")
    try:
        ok = bench_report(workdir)
        ok &= bench_turn(workdir)
        ok &= bench_cold(workdir, args.gb, not args.no_ccusage)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
