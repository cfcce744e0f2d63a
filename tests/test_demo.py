"""`make demo` runs end to end on the bundled examples, and the bundled transcripts are counted right."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tec.cli.demo import EXAMPLES
from tec.costs import ingest, store, transcripts

SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")


def test_the_bundled_tree_ingests_to_its_recorded_totals():
    with open(os.path.join(EXAMPLES, "expected.json")) as fh:
        expected = json.load(fh)
    with store.Ledger() as book:
        stats = ingest.ingest(transcripts.transcript_files([EXAMPLES]), book)
        rows = book.db.execute("select model, sum(input), sum(output), sum(cache_write_5m + cache_write_1h), "
                               "sum(cache_read) from entries group by model").fetchall()
    assert stats.responses == expected["responses"]
    assert {m: dict(zip(("input", "output", "cache_write", "cache_read"), s)) for m, *s in rows} == \
        expected["expected"]


def test_demo_walks_every_step_and_says_what_it_skipped():
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    env["PYTHONPATH"] = SCRIPTS
    proc = subprocess.run([sys.executable, "-m", "tec.cli.demo"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for step in ("== 1. Routing", "== 2. Hooks", "== 3. Costs", "== 4. A real trivial edit"):
        assert step in out
    assert 'model set to "haiku"' in out and 'model set to "opus"' in out and "(silent)" in out
    # savings only for the subagent the hook routed (haiku instead of the session's opus)
    assert "19 responses recorded" in out and "$0.2166 (38%)" in out and "$0.0655        $0 (0%)" in out
    assert "skipped: set GEMINI_API_KEY" in out
    assert not os.path.exists(os.path.join(os.environ["TEC_HOME"], "ledger.sqlite3"))  # a throwaway home
