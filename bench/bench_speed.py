"""Speed targets of the router, each measured against a baseline taken in the same run.

    python bench/bench_speed.py                # or: make bench
    python bench/bench_speed.py --before REV   # `tec route --jsonl` of git revision REV too, alternating

Rows (the number printed is the absolute value; the ratio is value / baseline):
- score one prompt in-process: median over bench/data/prompts.jsonl; baseline `json.loads`
  of the same prompt wrapped in a UserPromptSubmit payload. Target < 1 ms.
- score a 1 MB task in-process: median of 5; baseline `str.lower()` of it. Target < 50 ms.
- `tec route --jsonl` over the SWE-bench dev split repeated 20x, whole process; baseline a
  Python process that only reads the same file. Target >= 2,000 prompts/s. Skipped when
  the file is missing.
- hook start-up: `scripts/score_prompt.py` with a payload on stdin vs `python -c pass`,
  same interpreter and flags, alternating runs. Target ratio <= 1.3; when missed, the
  slowest imports (`-X importtime`) and a phase breakdown show where the time goes.

Exits 1 if any target is missed. Standard library only. The user's config is ignored
(TEC_CONFIG points at a missing file), so the bundled routing data is what is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from datasets import PROMPTS_DEV, ROOT, SCRIPTS, export_revision, read_jsonl, swebench_dev_path

sys.path.insert(0, SCRIPTS)
os.environ["TEC_CONFIG"] = os.devnull + ".absent"  # the bundled data only, here and in children

from tec.routing import batch, scoring

REPEAT = 20  # calls per prompt in-process; copies of the SWE-bench file for `tec route --jsonl`
BIG_CHARS = 1_000_000
BIG_RUNS = 5
JSONL_RUNS = 3
STARTUP_RUNS = 40
HOOK_SCRIPT = os.path.join(SCRIPTS, "score_prompt.py")
PAYLOAD = {
    "session_id": "bench-0000", "transcript_path": "/tmp/bench/transcript.jsonl", "cwd": ROOT,
    "permission_mode": "default", "hook_event_name": "UserPromptSubmit",
}
STARTUP_PROMPT = "Fix the off-by-one error in the pagination helper and add a regression test"

now = time.perf_counter


# --------------------------------------------------------------------------- helpers


def per_call(fn, arg, reps: int) -> float:
    """Seconds per call of fn(arg), averaged over reps back-to-back calls."""
    start = now()
    for _ in range(reps):
        fn(arg)
    return (now() - start) / reps


def median_time(fn, arg, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = now()
        fn(arg)
        times.append(now() - start)
    return statistics.median(times)


def run_timed(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    start = now()
    proc = subprocess.run(cmd, **kw)
    return now() - start, proc


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def row(name: str, value: str, baseline: str, ratio: float | None, target: str, ok: bool | None) -> dict:
    return {"name": name, "value": value, "baseline": baseline,
            "ratio": "-" if ratio is None else f"{ratio:,.1f}x",
            "target": target, "result": {True: "PASS", False: "FAIL", None: "SKIP"}[ok], "ok": ok}


def tec_command() -> list[str]:
    """The `tec` script installed beside this interpreter, else `python -m tec` from scripts/."""
    script = os.path.join(os.path.dirname(sys.executable), "tec")
    if os.path.isfile(script) and os.access(script, os.X_OK):
        return [script]
    return [sys.executable, "-m", "tec"]


def child_env(tmpdir: str) -> dict:
    """The environment for child processes.

    scripts/ is importable (for the `-m tec` fallback), and bytecode is cached (in tmpdir,
    even under PYTHONDONTWRITEBYTECODE) as it is for an installed hook: otherwise every
    start would time compiling the package rather than running it.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (SCRIPTS, env.get("PYTHONPATH")) if p)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tmpdir, "pycache")
    return env


# --------------------------------------------------------------------------- rows


def bench_prompt(prompts: list[str]) -> dict:
    for text in prompts:  # warm up: rules loaded and compiled, caches filled
        scoring.score(text)
    payloads = [json.dumps({**PAYLOAD, "prompt": text}) for text in prompts]
    for payload in payloads:
        json.loads(payload)
    scored = [per_call(scoring.score, text, REPEAT) for text in prompts]
    parsed = [per_call(json.loads, payload, REPEAT) for payload in payloads]
    median, base = statistics.median(scored), statistics.median(parsed)
    p95 = sorted(scored)[int(len(scored) * 0.95)]
    return row(f"score one prompt ({len(prompts)} prompts x {REPEAT})",
               f"{fmt_time(median)} (p95 {fmt_time(p95)})", f"json.loads {fmt_time(base)}",
               median / base, "< 1 ms", median < 1e-3)


def big_task(prompts: list[str]) -> str:
    """~1 MB of task text: the prompts as prose with this package's source as pasted code."""
    with open(scoring.__file__, encoding="utf-8") as fh:
        code = fh.read()
    unit = "\n\n".join(prompts) + "\n\n```python\n" + code + "\n```\n\n"
    return (unit * (BIG_CHARS // len(unit) + 1))[:BIG_CHARS]


def bench_big(prompts: list[str]) -> dict:
    task = big_task(prompts)
    scoring.score(task)
    task.lower()
    median = median_time(scoring.score, task, BIG_RUNS)
    base = median_time(str.lower, task, BIG_RUNS)
    return row(f"score a 1 MB task (median of {BIG_RUNS})", fmt_time(median),
               f"str.lower {fmt_time(base)}", median / base, "< 50 ms", median < 0.05)


def bench_jsonl(tmpdir: str, env: dict, before: tuple[str, str] | None = None) -> dict:
    """`before`: (revision, its scripts/ directory), timed alternating with this checkout."""
    name = f"tec route --jsonl, SWE-bench dev x{REPEAT}"
    source = swebench_dev_path()
    if not os.path.isfile(source):
        print(f"note: {source} is missing; skipping the `tec route --jsonl` row")
        return row(name, "file missing", "-", None, ">= 2,000 prompts/s", None)
    with open(source, encoding="utf-8") as fh:
        lines = [line for line in fh.read().splitlines() if line.strip()]
    path = os.path.join(tmpdir, "swebench_x20.jsonl")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines * REPEAT) + "\n")
    count = len(lines) * REPEAT
    cmd = [*tec_command(), "route", "--jsonl", path]
    read_only = [sys.executable, "-c", "import sys; sys.stdin.read()"]
    runs = {"now": (cmd, env)}
    if before:
        old_env = {**env, "PYTHONPATH": before[1]}
        runs["before"] = ([sys.executable, "-m", "tec", "route", "--jsonl", path], old_env)
    for argv, run_env in runs.values():  # warm-up
        subprocess.run([*argv[:-1], source], stdout=subprocess.DEVNULL, env=run_env)
    times: dict[str, list[float]] = {label: [] for label in [*runs, "base"]}
    for _ in range(JSONL_RUNS):
        for label, (argv, run_env) in runs.items():
            elapsed, proc = run_timed(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=run_env)
            if proc.returncode != 0:
                sys.exit(f"error: {' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
            times[label].append(elapsed)
        with open(path, "rb") as stdin:
            elapsed, _ = run_timed(read_only, stdin=stdin, stdout=subprocess.DEVNULL, env=env, check=True)
        times["base"].append(elapsed)
    median = {label: statistics.median(values) for label, values in times.items()}
    tec_s, base_s = median["now"], median["base"]
    rate, base_rate = count / tec_s, count / base_s
    baseline = f"read-only {base_rate:,.0f}/s ({fmt_time(base_s)})"
    if before:
        baseline += f"; {before[0]}: {count / median['before']:,.0f}/s (now/before {median['before'] / tec_s:.2f}x)"
    return row(f"{name} ({count:,} prompts, {os.path.getsize(path) / 1e6:.1f} MB)",
               f"{rate:,.0f} prompts/s ({fmt_time(tec_s)})", baseline,
               tec_s / base_s, ">= 2,000 prompts/s", rate >= 2000)


def bench_startup(env: dict) -> tuple[dict, bool]:
    payload = json.dumps({**PAYLOAD, "prompt": STARTUP_PROMPT}).encode()
    hook = [sys.executable, HOOK_SCRIPT]
    bare = [sys.executable, "-c", "pass"]
    kw = {"input": payload, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "env": env}
    out = subprocess.run(hook, **kw).stdout  # also the warm-up that caches bytecode
    try:
        answer = json.loads(out)
        valid = isinstance(answer, dict) and {"tier", "score"} <= answer.keys()
    except ValueError:
        valid = False
    if not valid:  # failing open prints nothing, which would time as "fast"
        sys.exit(f"error: {' '.join(hook)} printed {out!r}, not a {{tier, score}} line")
    subprocess.run(bare, **kw)
    hook_times, bare_times = [], []
    for _ in range(STARTUP_RUNS):
        hook_times.append(run_timed(hook, **kw)[0])
        bare_times.append(run_timed(bare, **kw)[0])
    hook_s, bare_s = statistics.median(hook_times), statistics.median(bare_times)
    ratio = hook_s / bare_s
    ok = ratio <= 1.3
    return row(f"hook start-up, score_prompt.py ({STARTUP_RUNS} runs each)",
               f"{fmt_time(hook_s)} (+{fmt_time(hook_s - bare_s)})", f"python -c pass {fmt_time(bare_s)}",
               ratio, "ratio <= 1.3", ok), ok


# --------------------------------------------------------------------------- hot spots

PHASES = """
import sys, time
t0 = time.perf_counter()
import json
sys.path.insert(0, sys.argv[1])
from tec.routing import rules as routing_rules, scoring
t1 = time.perf_counter()
rules = routing_rules.load_rules()
t2 = time.perf_counter()
scoring.score(sys.argv[2])
t3 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2]))
"""


def hot_spots(env: dict) -> None:
    """Where the hook's extra start-up time goes: slowest imports and the phases after them."""
    payload = json.dumps({**PAYLOAD, "prompt": STARTUP_PROMPT}).encode()
    imports: dict[str, tuple[int, int]] = {}  # module -> fastest (self, cumulative) µs of 3 runs
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-X", "importtime", HOOK_SCRIPT], input=payload,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        for line in proc.stderr.decode(errors="replace").splitlines():
            parts = line.removeprefix("import time:").split("|")
            if len(parts) == 3 and parts[0].strip().isdigit():
                timing = (int(parts[0]), int(parts[1]))
                imports[parts[2].rstrip()] = min(timing, imports.get(parts[2].rstrip(), timing))
    top = sorted(((t[0], t[1], name) for name, t in imports.items()), reverse=True)[:10]
    print("\nhot spots: slowest imports of score_prompt.py (python -X importtime, fastest of 3 runs; µs)")
    print(f"  {'self':>7}  {'cumulative':>10}  module")
    for self_us, cum_us, module in top:
        print(f"  {self_us:>7}  {cum_us:>10}  {module.strip()}")
    floors = {"pass": "pass", "import re": "import re", "import json": "import json"}
    times: dict[str, list[float]] = {name: [] for name in floors}
    for _ in range(15):
        for name, code in floors.items():
            times[name].append(run_timed([sys.executable, "-c", code], env=env)[0])
    bare = statistics.median(times["pass"])
    print("floors: a process that only imports the stdlib modules the scorer needs (median of 15): "
          + ", ".join(f"`{code}` {statistics.median(times[name]) / bare:.2f}x" for name, code in floors.items()
                      if name != "pass"))
    phases = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", PHASES, SCRIPTS, STARTUP_PROMPT], check=True,
                             stdout=subprocess.PIPE, env=env).stdout
        phases.append(json.loads(out))
    imp, load, first = (statistics.median(p[i] for p in phases) for i in range(3))
    print(f"phases in a fresh process (median of 5): imports (json, tec.scoring and what they pull in) "
          f"{fmt_time(imp)}, load_rules() {fmt_time(load)}, first score() {fmt_time(first)}")


def profile_jsonl(top: int = 12) -> None:
    """Where `tec route --jsonl` spends its time: cProfile of routing the SWE-bench file once."""
    import cProfile

    with open(swebench_dev_path(), encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    list(batch.route_lines(lines, None, []))  # warm caches, as the CLI does before its loop
    profiler = cProfile.Profile()
    profiler.enable()
    records = list(batch.route_lines(lines, None, []))
    encode = json.JSONEncoder(separators=(",", ":")).encode
    for record in records:
        encode(record)
    profiler.disable()
    profiler.create_stats()
    stats = profiler.stats  # {(file, line, function): (primitive calls, calls, tottime, cumtime, callers)}
    total = sum(v[2] for v in stats.values())
    print(f"\nhot spots: `tec route --jsonl` in-process, routing + encoding {len(records)} SWE-bench rows once "
          f"(cProfile, {fmt_time(total)} in all; profiling slows it)")
    print(f"  {'self':>9}  {'share':>5}  {'cumulative':>10}  {'calls':>7}  function")
    for (path, line, func), (_, calls, self_s, cum_s, _) in sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]:
        where = func if path == "~" else f"{os.path.basename(path)}:{line} {func}"
        print(f"  {fmt_time(self_s):>9}  {self_s / total:>5.0%}  {fmt_time(cum_s):>10}  {calls:>7}  {where}")
    package = os.path.dirname(os.path.abspath(scoring.__file__))
    ours = [(cum_s, f"{os.path.basename(path)}:{line} {func}") for (path, line, func), (_, _, _, cum_s, _)
            in stats.items() if os.path.dirname(os.path.abspath(path)) == package
            and func not in ("<genexpr>", "route_lines")]
    print("  cumulative, package functions: " + ", ".join(
        f"{where} {cum_s / total:.0%}" for cum_s, where in sorted(ours, reverse=True)[:top // 2]))


# --------------------------------------------------------------------------- main


def print_table(rows: list[dict]) -> None:
    cols = [("name", "measure"), ("value", "measured"), ("baseline", "baseline"), ("ratio", "ratio"),
            ("target", "target"), ("result", "result")]
    widths = [max(len(title), *(len(r[key]) for r in rows)) for key, title in cols]
    print("  ".join(title.ljust(w) for (_, title), w in zip(cols, widths)).rstrip())
    for r in rows:
        print("  ".join(r[key].ljust(w) for (key, _), w in zip(cols, widths)).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REV", help="also time `tec route --jsonl` of this git revision")
    args = parser.parse_args()
    prompts = [r["text"] for r in read_jsonl(PROMPTS_DEV)]
    print(f"python {sys.version.split()[0]} ({sys.executable}); tec: {' '.join(tec_command())}")
    rows = [bench_prompt(prompts), bench_big(prompts)]
    with tempfile.TemporaryDirectory(prefix="tec-bench-") as tmpdir:
        env = child_env(tmpdir)
        before = (args.before, os.path.join(export_revision(args.before, tmpdir), "scripts")) if args.before else None
        rows.append(bench_jsonl(tmpdir, env, before))
        startup, startup_ok = bench_startup(env)
        rows.append(startup)
        print()
        print_table(rows)
        if rows[2]["ok"] is False:
            profile_jsonl()
        if not startup_ok:
            hot_spots(env)
    failed = [r["name"] for r in rows if r["ok"] is False]
    passed = sum(r["ok"] is True for r in rows)
    skipped = sum(r["ok"] is None for r in rows)
    print(f"\n{passed} passed, {len(failed)} failed, {skipped} skipped"
          + (f"; missed: {'; '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
