"""Billing blocks and hourly reports: window edges, the active block's burn rate and projection,
the table, JSON and HTML, and `--live` / `--watch` ended by Ctrl-C.

Prices per 1M tokens (scripts/tec/data/prices.json): input haiku 0.10, sonnet 2.00 (under 100k tokens a call).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from helpers import utc_ms
from tec.costs import blocks, reports, store
from tec.costs.entries import make_entry

HAIKU, SONNET = "claude-haiku-5-5", "claude-sonnet-5-5"
# 50k input tokens: haiku $0.005, sonnet $0.10
TOKENS = {"input": 50_000}


@pytest.fixture
def book(tz):
    with store.Ledger() as opened:
        yield opened


def add(book, *rows) -> None:
    book.append([make_entry(source, model, TOKENS, ts=ts, session="s1") for ts, model, source in rows])


def test_blocks_start_at_the_hour_and_the_first_entry_past_the_end_opens_the_next(book):
    add(book,
        (utc_ms(2026, 12, 1, 9, 47), HAIKU, "claude-code"),   # block 09:00-14:00
        (utc_ms(2026, 12, 1, 13, 59), SONNET, "claude-code"),  # still in it
        (utc_ms(2026, 12, 1, 14, 0), HAIKU, "claude-code"),   # at its end: next block 14:00-19:00
        (utc_ms(2026, 12, 1, 23, 10), HAIKU, "claude-code"),  # after a gap: 23:00-04:00
        (utc_ms(2026, 12, 1, 10, 0), SONNET, "execute"))      # not a subscription source: left out
    report = blocks.build(book, now=utc_ms(2026, 12, 2, 12))
    got = [(b["start"], b["end"], b["calls"], b["models"]) for b in report["blocks"]]
    assert got == [
        ("2026-12-01T09:00:00.000Z", "2026-12-01T14:00:00.000Z", 2, [HAIKU, SONNET]),
        ("2026-12-01T14:00:00.000Z", "2026-12-01T19:00:00.000Z", 1, [HAIKU]),
        ("2026-12-01T23:00:00.000Z", "2026-12-02T04:00:00.000Z", 1, [HAIKU]),
    ]
    assert report["blocks"][0]["cost"] == pytest.approx(0.105)
    assert report["blocks"][0]["tokens"]["input"] == 100_000
    assert report["active"] is None and not any(b["active"] for b in report["blocks"])


def test_active_block_has_burn_rate_and_projection(book):
    add(book, (utc_ms(2026, 12, 2, 10, 5), SONNET, "claude-code"), (utc_ms(2026, 12, 2, 11, 20), SONNET, "claude-code"))
    report = blocks.build(book, now=utc_ms(2026, 12, 2, 12))  # 2 h into 10:00-15:00, $0.20 spent
    active = report["active"]
    assert active["start"] == "2026-12-02T10:00:00.000Z" and active["active"]
    assert active["elapsed_minutes"] == 120 and active["remaining_minutes"] == 180
    assert active["burn_rate_per_hour"] == pytest.approx(0.10)
    assert active["tokens_per_hour"] == 50_000
    assert active["projected_cost"] == pytest.approx(0.20 + 0.10 * 3)
    text = blocks.format_table(report)
    assert "* active: 2h00m in, 3h00m left; burn $0.1/h" in text
    assert "projected $0.5 at block end" in text


def test_block_hours_and_sources_come_from_config(book, tmp_path, monkeypatch):
    from helpers import write_config

    write_config('[ledger]\nblock_hours = 2\nblock_sources = ["claude-code", "execute"]\n')
    add(book, (utc_ms(2026, 12, 1, 9, 0), HAIKU, "claude-code"), (utc_ms(2026, 12, 1, 11, 0), HAIKU, "execute"))
    report = blocks.build(book, now=utc_ms(2026, 12, 3))
    assert report["block_hours"] == 2
    assert [b["start"][11:16] for b in report["blocks"]] == ["09:00", "11:00"]


def test_blocks_follow_the_period_and_show_local_times(book, tz):
    tz("Asia/Kolkata")  # +05:30: a whole UTC hour is a half hour locally
    add(book, (utc_ms(2026, 12, 1, 9, 47), HAIKU, "claude-code"), (utc_ms(2026, 12, 2, 9, 0), HAIKU, "claude-code"))
    report = blocks.build(book, since=utc_ms(2026, 12, 2), now=utc_ms(2026, 12, 3))
    assert [b["start"] for b in report["blocks"]] == ["2026-12-02T09:00:00.000Z"]
    assert blocks.format_table(report).splitlines()[1].startswith("2026-12-02 14:30–19:30")


def test_html_page_shows_the_active_block_and_escapes_model_names(book):
    add(book, (utc_ms(2026, 12, 2, 10, 5), SONNET, "claude-code"),
        (utc_ms(2026, 12, 2, 11, 0), "<b>mystery</b>", "claude-code"))
    page = blocks.render_html(blocks.build(book, now=utc_ms(2026, 12, 2, 12)))
    assert 'id="active-burn">$0.05/h' in page
    assert "&lt;b&gt;mystery&lt;/b&gt;" in page and "<b>mystery" not in page
    assert "http" not in page.replace('http-equiv', '')  # self-contained


def test_by_hour_labels_local_hours(book, tz):
    tz("Asia/Kolkata")
    add(book, (utc_ms(2026, 12, 1, 9, 10), HAIKU, "execute"), (utc_ms(2026, 12, 1, 9, 40), HAIKU, "execute"),
        (utc_ms(2026, 12, 1, 10, 5), HAIKU, "execute"))
    report = reports.build(book, by="hour")
    # 09:10 UTC = 14:40 local, 09:40 = 15:10, 10:05 = 15:35
    assert [(r["key"], r["calls"]) for r in report["rows"]] == [("2026-12-01 14:00", 1), ("2026-12-01 15:00", 2)]


def _run_until_interrupted(args: list[str], ready) -> tuple[int, str, str]:
    """Start `tec ...`, wait for a line for which ready(line) holds, send Ctrl-C, return (exit, stdout, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "tec", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=os.environ.copy())
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if ready(line):
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    return proc.returncode, "".join(seen) + out, err


@pytest.mark.parametrize("args, marker", [
    (["costs", "blocks", "--no-ingest", "--live", "0.2"], "(refreshed"),
    (["costs", "--by", "hour", "--no-ingest", "--watch", "0.2"], "(refreshed"),
])
def test_live_refreshes_until_ctrl_c(book, args, marker):
    add(book, (utc_ms(2026, 12, 1, 9, 47), HAIKU, "claude-code"))
    code, out, err = _run_until_interrupted(args, lambda line: marker in line)
    assert code == 0, err
    assert "Traceback" not in err
    assert "$0.005" in out


def test_live_json_prints_whole_documents(book):
    add(book, (utc_ms(2026, 12, 1, 9, 47), HAIKU, "claude-code"))
    args = ["costs", "blocks", "--no-ingest", "--json", "--live", "0.2"]
    code, out, _err = _run_until_interrupted(args, lambda line: line == "}\n")
    assert code == 0
    doc = json.loads(out[: out.index("\n}\n") + 2])
    assert doc["schema"] == blocks.SCHEMA and doc["blocks"][0]["calls"] == 1


def test_bad_refresh_interval_is_a_clear_error(book):
    proc = subprocess.run([sys.executable, "-m", "tec", "costs", "blocks", "--no-ingest", "--live", "0"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "cannot refresh every 0 s" in proc.stderr and "Traceback" not in proc.stderr
