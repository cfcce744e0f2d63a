"""The SQLite ledger: pricing at write time, concurrency, crashes, re-costing, bad files."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import write_config
from tec import config, registry
from tec.costs import reports, store
from tec.costs.entries import PROMPT_HASH_CHARS, make_entry
from tec.costs.store import migrations, schema
from tec.errors import ConfigError, InputError, TecError

WORKERS = 8
PER_WORKER = 2000



def test_entry_is_priced_with_the_table_date_and_baseline():
    entry = make_entry("execute", "haiku", {"input": 1000, "output": 200}, session="s1", project="/p")
    # claude-haiku-5-5: 1000 × $0.10/M + 200 × $0.50/M = $0.0001 + $0.0001
    assert entry.model == "claude-haiku-5-5" and entry.tier == "haiku"
    assert entry.cost == pytest.approx(0.0002)
    # the same tokens on claude-opus-5-5: 1000 × $4/M + 200 × $20/M = $0.004 + $0.004
    assert entry.baseline_model == "claude-opus-5-5"
    assert entry.baseline_cost == pytest.approx(0.008)
    assert entry.savings == pytest.approx(0.0078)
    assert entry.prices == "2026-11-25"


def test_cache_and_thinking_tokens_are_priced_by_kind():
    tokens = {"input": 10, "output": 20, "cache_write_5m": 1000, "cache_write_1h": 500, "cache_read": 4000,
              "thinking": 30}
    entry = make_entry("execute", "claude-sonnet-5-5", tokens)
    # 10×2 + (20+30)×10 + 1000×2.5 + 500×4 + 4000×0.1 = 20 + 500 + 2500 + 2000 + 400 = 5420 per 1M
    assert entry.cost == pytest.approx(0.00542)
    assert entry.to_dict()["tokens"]["cache_write"] == 1500


def test_unknown_model_is_unpriced_never_zero():
    entry = make_entry("execute", "gpt-9-turbo", {"input": 100, "output": 100})
    assert entry.cost is None and entry.savings is None
    assert entry.baseline_cost == pytest.approx(100 * 4 / 1e6 + 100 * 20 / 1e6)
    store.append([entry])
    with store.Ledger() as book:
        (stored,) = list(book.entries())
    assert stored.cost is None


def test_prompt_text_is_hashed_not_stored_unless_opted_in():
    entry = make_entry("execute", "haiku", {}, prompt="refactor the secret module")
    assert entry.prompt is None and len(entry.prompt_hash) == PROMPT_HASH_CHARS
    assert "prompt" not in entry.to_dict()
    store.append([entry])
    with open(store.ledger_path(), "rb") as fh:
        assert b"secret module" not in fh.read()
    write_config("[ledger]\nstore_prompts = true\n")
    kept = make_entry("execute", "haiku", {}, prompt="refactor the secret module")
    assert kept.prompt == "refactor the secret module" and kept.prompt_hash == entry.prompt_hash


def test_configured_baseline_is_used():
    write_config('[ledger]\nbaseline = "sonnet"\n')
    entry = make_entry("execute", "haiku", {"output": 1000})
    assert entry.baseline_model == "claude-sonnet-5-5"
    assert entry.baseline_cost == pytest.approx(1000 * 10 / 1e6)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"source": "", "model": "haiku"}, "source"),
    ({"source": "execute", "model": " "}, "model id"),
    ({"source": "execute", "model": "haiku", "status": "maybe"}, "status"),
])
def test_bad_entries_are_refused(kwargs, message):
    source, model = kwargs.pop("source"), kwargs.pop("model")
    with pytest.raises(InputError, match=message):
        make_entry(source, model, {}, **kwargs)


def test_bad_token_counts_are_refused():
    with pytest.raises(InputError, match="token count"):
        make_entry("execute", "haiku", {"input": -1})
    with pytest.raises(InputError, match="unknown token kind"):
        make_entry("execute", "haiku", {"inputs": 1})


def test_keyed_entries_keep_the_largest_usage():
    small = make_entry("claude-code", "claude-opus-5-5", {"input": 10, "output": 1}, request="m:r")
    large = make_entry("claude-code", "claude-opus-5-5", {"input": 10, "output": 500}, request="m:r")
    store.append([small])
    store.append([large, small])
    with store.Ledger() as book:
        rows = list(book.entries())
    assert len(rows) == 1 and rows[0].output == 500


def test_export_dict_has_the_documented_keys():
    entry = make_entry("edit", "gemini-flash", {"input": 5}, session="s", project="/p", ts=1_764_000_000_123)
    data = entry.to_dict()
    assert set(data) == {"v", "time", "source", "session", "project", "model", "tier", "tokens", "cost", "prices",
                         "baseline_model", "baseline_cost", "savings", "baseline_from", "status", "prompt_hash",
                         "request"}
    assert data["time"] == "2025-11-24T16:00:00.123Z"
    assert data["model"] == "gemini-2.5-flash-lite" and data["tier"] == "gemini-flash"


def test_entries_filter_by_time():
    store.append([make_entry("execute", "haiku", {"input": i}, ts=1000 * i) for i in range(10)])
    with store.Ledger() as book:
        assert [e.input for e in book.entries(since=3000, until=6000)] == [3, 4, 5]
        assert book.count() == 10


# --------------------------------------------------------------------------- concurrency and crashes


def _append_many(worker: int) -> None:

    reg, settings = registry.load_registry(), config.settings("ledger")
    for j in range(PER_WORKER):
        entry = make_entry("execute", "haiku", {"input": j, "output": worker}, session=f"w{worker}",
                                  reg=reg, settings=settings)
        store.append([entry])


def test_eight_processes_lose_and_tear_nothing():
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(w,)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * WORKERS
    with store.Ledger() as book:
        rows = book.db.execute("select session, input, output, cost from entries").fetchall()
        assert book.db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert len(rows) == WORKERS * PER_WORKER
    seen = {(session, inp) for session, inp, _out, _cost in rows}
    assert seen == {(f"w{w}", j) for w in range(WORKERS) for j in range(PER_WORKER)}
    # every row whole: the output column matches the worker its session names
    assert all(out == int(session[1:]) for session, _inp, out, _cost in rows)
    assert all(cost == pytest.approx(inp * 0.1 / 1e6 + out * 0.5 / 1e6) for _s, inp, out, cost in rows)


WRITER = """
import sys
sys.path.insert(0, {scripts!r})
from tec.costs import store
from tec.costs.entries import make_entry
i = 0
while True:
    store.append([make_entry("execute", "haiku", {{"input": i}})])
    print(i, flush=True)
    i += 1
"""


def test_a_killed_writer_leaves_only_whole_entries(tmp_path):
    scripts = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(scripts=scripts)], stdout=subprocess.PIPE,
                            text=True)
    acknowledged = -1
    deadline = time.monotonic() + 30
    while acknowledged < 200 and time.monotonic() < deadline:
        acknowledged = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert acknowledged >= 200
    with store.Ledger() as book:
        assert book.db.execute("pragma integrity_check").fetchone()[0] == "ok"
        inputs = [e.input for e in book.entries()]
    # every acknowledged append is there, in order, at most one more landed after the last print
    assert inputs[: acknowledged + 1] == list(range(acknowledged + 1))
    assert len(inputs) in (acknowledged + 1, acknowledged + 2)
    store.append([make_entry("execute", "haiku", {"input": -0})])  # still writable


# --------------------------------------------------------------------------- re-costing


def test_recost_applies_new_prices_and_records_the_date():
    # 50k tokens: below Haiku 5.5's 100k long-context threshold
    store.append([make_entry("execute", "haiku", {"input": 50_000}),
                   make_entry("execute", "mystery-model", {"input": 50_000})])
    write_config('[prices."claude-haiku-5-5"]\ninput = 0.30\n[prices."mystery-model"]\ninput = 1.0\noutput = 2.0\n')
    with store.Ledger() as book:
        result = book.recost()
        costs = {e.model: e.cost for e in book.entries()}
    assert result == {"entries": 2, "changed": 2, "unpriced": 0, "prices": "2026-11-25"}
    # 50k × $0.30/M and 50k × $1.00/M
    assert costs == {"claude-haiku-5-5": pytest.approx(0.015), "mystery-model": pytest.approx(0.05)}


def test_recost_can_change_the_baseline():
    store.append([make_entry("execute", "haiku", {"output": 10_000})])
    with store.Ledger() as book:
        book.recost(baseline="sonnet")
        (entry,) = list(book.entries())
    # 10k output: $0.10 on Sonnet 5.5 ($10/M), $0.005 on Haiku 5.5 ($0.50/M)
    assert entry.baseline_model == "claude-sonnet-5-5"
    assert entry.baseline_cost == pytest.approx(0.10) and entry.savings == pytest.approx(0.095)


# --------------------------------------------------------------------------- bad files


def test_a_file_that_is_not_a_ledger_is_reported(tmp_path, monkeypatch):
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("these are my notes, not a database\n" * 100)
    monkeypatch.setenv("TEC_LEDGER", str(bad))
    with pytest.raises(ConfigError, match="not a usable ledger") as info:
        store.Ledger()
    assert "move the file aside" in info.value.hint
    assert bad.read_text().startswith("these are my notes")  # left untouched


def test_a_newer_schema_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "future.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"pragma user_version = {len(migrations.MIGRATIONS) + 1}")
    db.close()
    monkeypatch.setenv("TEC_LEDGER", str(path))
    with pytest.raises(ConfigError, match="newer than this tec"):
        store.Ledger()


def test_a_directory_in_the_way_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "ledger.sqlite3").mkdir()
    monkeypatch.setenv("TEC_LEDGER", str(tmp_path / "ledger.sqlite3"))
    with pytest.raises(TecError, match="ledger"):
        store.Ledger()


# --------------------------------------------------------------------------- the rollup


def _rollup_matches_entries(book: store.Ledger) -> None:
    keys = "ts / 900000, source, coalesce(session, ''), coalesce(project, ''), model, coalesce(tier, '')"
    raw = book.db.execute(
        f"select {keys}, count(*), sum(cost is null), round(sum(coalesce(cost, 0)), 6), "
        f"sum(input + output + cache_write_5m + cache_write_1h + cache_read) from entries group by {keys}").fetchall()
    rolled = book.db.execute(
        "select bucket, source, session, project, model, tier, calls, unpriced, round(cost, 6), "
        "input + output + cache_write + cache_read from rollup where calls > 0").fetchall()
    assert sorted(raw) == sorted(rolled)


@settings(max_examples=30, deadline=None)
@given(ops=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["haiku", "opus", "odd-model"]),
                              st.integers(0, 5000), st.integers(0, 3_600_000)), min_size=1, max_size=40))
def test_the_rollup_always_matches_the_entries(ops):
    """Inserts, keep-largest upserts and a re-cost leave the rollup equal to the entries."""
    path = os.path.join(os.environ["TEC_HOME"], f"rollup-{abs(hash(tuple(ops)))}.sqlite3")
    with store.Ledger(path) as book:
        for key, model, tokens, ts in ops:
            request = f"m{key}:r{key}" if key < 3 else None
            book.append([make_entry("claude-code", model, {"input": tokens}, ts=ts, request=request,
                                           session=f"s{key % 2}" if key else None)])
        _rollup_matches_entries(book)
        write_config('[prices."odd-model"]\ninput = 1.0\noutput = 1.0\n')
        book.recost()
        _rollup_matches_entries(book)
        book.db.execute("delete from entries where id % 2 = 0")
        _rollup_matches_entries(book)
    os.remove(os.environ["TEC_CONFIG"])


DAY_MS = 86_400_000


@settings(max_examples=40, deadline=None)
@given(stamps=st.lists(st.integers(0, 10 * DAY_MS), min_size=1, max_size=30),
       since=st.one_of(st.none(), st.integers(0, 10 * DAY_MS)), span=st.one_of(st.none(), st.integers(1, 4 * DAY_MS)))
def test_reports_over_any_period_match_a_direct_count(stamps, since, span):
    """Periods that cut 15-minute buckets read the cut ends from the entries, the rest from the rollup."""

    until = None if span is None else (since or 0) + span
    path = os.path.join(os.environ["TEC_HOME"], f"period-{abs(hash((tuple(stamps), since, span)))}.sqlite3")
    with store.Ledger(path) as book:
        book.append([make_entry("execute", "haiku", {"input": 1000}, ts=ts) for ts in stamps])
        inside = [ts for ts in stamps if (since is None or ts >= since) and (until is None or ts < until)]
        for by in ("day", "model"):
            report = reports.build(book, by=by, since=since, until=until)
            assert report["total"]["calls"] == len(inside)
            assert report["total"]["tokens"]["input"] == 1000 * len(inside)
            assert report["total"]["cost"] == pytest.approx(len(inside) * 1000 * 0.10 / 1e6)  # haiku 5.5 input


def test_a_v1_ledger_is_migrated_without_double_counting(tmp_path):
    path = str(tmp_path / "v1.sqlite3")
    with store.Ledger(path) as book:  # make it look like v1: rows reached the rollup by trigger
        book.append([make_entry("execute", "haiku", {"input": 100}, ts=1000)])
        book.db.execute(f"create trigger rollup_insert after insert on entries begin {schema.ADD_NEW} end")
        book.db.execute("pragma user_version = 1")
    with store.Ledger(path) as book:
        assert book.db.execute("pragma user_version").fetchone()[0] == len(migrations.MIGRATIONS)
        book.append([make_entry("execute", "haiku", {"input": 50}, ts=2000)])
        assert book.db.execute("select sum(calls), sum(input) from rollup").fetchone() == (2, 150)
        _rollup_matches_entries(book)


def test_data_directory_is_0700_and_ledger_files_0600(tec_home, tmp_path, monkeypatch):
    home = tmp_path / "fresh" / "tec"
    monkeypatch.setenv("TEC_HOME", str(home))
    monkeypatch.delenv("TEC_LEDGER", raising=False)
    with store.Ledger() as ledger:
        ledger.append([make_entry("execute", "haiku", {"input": 10, "output": 1})])
        modes = {name: os.stat(home / name).st_mode & 0o777 for name in os.listdir(home)}
    assert os.stat(home).st_mode & 0o777 == 0o700
    assert modes["ledger.sqlite3"] == 0o600
    assert all(mode == 0o600 for name, mode in modes.items() if name.startswith("ledger"))


@pytest.mark.parametrize(("target", "words"), [("/dev/null", "regular file"), ("{tmp}", "directory")])
def test_a_ledger_path_that_is_not_a_file_is_named(tmp_path, monkeypatch, target, words):
    path = target.format(tmp=tmp_path)
    monkeypatch.setenv("TEC_LEDGER", path)
    with pytest.raises(TecError) as caught:
        store.Ledger().__enter__()
    assert words in caught.value.message and path in caught.value.message
    assert "TEC_LEDGER" in caught.value.hint
