"""The spend cap and turn cost: what a turn's end decides from the ledger, and what the prompt hook blocks on."""

from __future__ import annotations

import io
import json
import time

import pytest

from helpers import write_config
from tec import config
from tec.claude import caps, hooks
from tec.costs import store
from tec.costs.entries import make_entry

HOOKS = {"turn_cost": False}
NOW = time.time()


def spend(session: str, usd_input_tokens: int, model: str = "claude-opus-5-5", ago_s: float = 60) -> None:
    """One Claude Code call in `session`, `ago_s` seconds ago."""
    entry = make_entry("claude-code", model, {"input": usd_input_tokens, "output": 0},
                       ts=int((NOW - ago_s) * 1000), session=session)
    store.append([entry])


def turn_end(session: str, hooks_conf: dict = HOOKS, now: float = NOW) -> dict | None:
    with store.Ledger() as book:
        return caps.after_turn(book, session, hooks_conf, now=now)


def prompt(session: str, text: str = "Refactor the parser module") -> dict | None:
    out = io.StringIO()
    hooks.main("UserPromptSubmit", None, stdin=io.StringIO(json.dumps({"prompt": text, "session_id": session})),
               stdout=out)
    return json.loads(out.getvalue()) if out.getvalue() else None


def test_a_refusing_budget_stops_the_turn_and_blocks_the_next_prompt():
    write_config('[budgets]\ndaily = 1.0\naction = "refuse"\n')
    spend("s1", 500_000)  # opus input at $4 per 1M: $2.00
    out = turn_end("s1")
    assert out["continue"] is False
    assert "daily budget $1.00 reached ($2.00 spent)" in out["stopReason"]
    assert config.config_path() in out["stopReason"]
    blocked = prompt("s2")  # a daily budget blocks every session
    assert blocked["decision"] == "block" and blocked["reason"].startswith(caps.PREFIX + "daily budget $1.00")
    assert prompt("s2", "/config") is None  # local commands still work


@pytest.mark.parametrize("change", ['[budgets]\ndaily = 5.0\naction = "refuse"\n',
                                    '[budgets]\ndaily = 1.0\naction = "warn"\n', ""])
def test_raising_the_limit_or_changing_the_action_lifts_the_block_at_once(change):
    write_config('[budgets]\ndaily = 1.0\naction = "refuse"\n')
    spend("s1", 500_000)
    turn_end("s1")
    assert caps.blocked("s1", now=NOW) is not None
    write_config(change)
    assert caps.blocked("s1", now=NOW) is None


def test_the_block_ends_when_the_period_rolls_over():
    write_config('[budgets]\ndaily = 1.0\naction = "refuse"\n')
    spend("s1", 500_000)
    turn_end("s1")
    assert caps.blocked("s1", now=NOW) is not None
    assert caps.blocked("s1", now=NOW + 86_400) is None


def test_a_session_budget_blocks_only_its_session():
    write_config('[budgets]\nsession = 1.0\naction = "refuse"\n')
    spend("big", 500_000)
    spend("small", 1_000)
    assert turn_end("big")["continue"] is False
    assert turn_end("small") is None
    assert "this session's budget" in caps.blocked("big", now=NOW)
    assert caps.blocked("small", now=NOW) is None


def test_a_warning_is_told_once_per_crossing():
    write_config("[budgets]\ndaily = 10.0\nwarn_at = 0.5\n")
    spend("s1", 1_500_000)  # $6: 60%
    first = turn_end("s1")
    assert first == {"systemMessage": caps.PREFIX + "daily budget at 60% ($6.00 of $10.00)."}
    assert turn_end("s1") is None  # the same crossing: not again
    spend("s1", 1_500_000)  # $12: over, a new crossing
    over = turn_end("s1")
    assert "daily budget $10.00 passed ($12.00); calls still run." in over["systemMessage"]
    assert "continue" not in over
    assert turn_end("s1") is None


def test_turn_cost_counts_from_the_prompt_and_names_the_session_total():
    write_config("[hooks]\nturn_cost = true\n")
    spend("s1", 250_000, ago_s=600)  # an earlier turn: $1.00
    caps.remember_prompt("s1", "sonnet", 4.0)
    time.sleep(0.01)
    entry = make_entry("claude-code", "claude-opus-5-5", {"input": 125_000, "output": 0}, session="s1")
    store.append([entry])  # this turn: $0.50
    out = turn_end("s1", {"turn_cost": True}, now=time.time())
    assert out == {"systemMessage": caps.PREFIX + "turn $0.50 · session $1.50."}


def test_the_stop_hook_answers_only_when_it_may_have_something_to_say():
    assert caps.needs_answer({"turn_cost": False}) is False
    assert caps.needs_answer({"turn_cost": True}) is True
    write_config("[budgets]\nmonthly = 50.0\n")
    assert caps.needs_answer({"turn_cost": False}) is True
    assert hooks.HOOKS["Stop"].detach_now() is False
    write_config("")
    assert hooks.HOOKS["Stop"].detach_now() is True
    assert hooks.HOOKS["SubagentStop"].detach_now() is True


def test_damaged_status_files_never_block(tec_home):
    write_config('[budgets]\ndaily = 1.0\naction = "refuse"\n')
    for junk in ("{", "[]", '{"budgets": "x"}', '{"budgets": [{"level": "over", "period": "daily", "spent": "9"}]}',
                 '{"budgets": [{"level": "over", "period": "nope", "spent": 9}]}'):
        (tec_home / caps.STATUS).write_text(junk)
        assert caps.blocked("s1") is None
        assert caps.warning("s1") is None
