"""The surfaces inside Claude Code, through the real CLI: a spend cap that stops, the turn's
cost, and the plugin's pinned agents."""

from __future__ import annotations

import json

import pytest
from claude_harness import assert_ok
from fake_claude_api import SPAWN_MARKER

pytestmark = [pytest.mark.e2e, pytest.mark.plugin]
PLUGIN = "token-efficient-coding"


def hook_attachments(run, kind: str) -> list[dict]:
    """The transcript attachments of one kind (the CLI records hook messages there, not in -p's JSON)."""
    found = []
    for path in run.transcripts():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            attachment = entry.get("attachment") if isinstance(entry, dict) else None
            if isinstance(attachment, dict) and attachment.get("type") == kind:
                found.append(attachment)
    return found


def test_a_refusing_budget_stops_the_turn_then_blocks_the_next_prompt(run_claude, plugin_dir, fake_api, e2e_dirs):
    (e2e_dirs["tec_home"] / "config.toml").write_text('[budgets]\ndaily = 0.001\naction = "refuse"\n')
    first = run_claude("Say hello.", plugin_dir=plugin_dir)  # one opus turn costs about $0.0037
    assert_ok(first)
    assert first.result["terminal_reason"] == "stop_hook_prevented", first.explain()
    [stopped] = hook_attachments(first, "hook_stopped_continuation")
    assert "daily budget $0.001 reached" in stopped["message"], stopped
    before = len(fake_api.snapshot())
    second = run_claude("Now refactor the parser.", plugin_dir=plugin_dir)
    assert second.messages == [], second.explain()  # no request reached the API
    assert len(fake_api.snapshot()) == before
    text = second.result_text or ""
    assert "blocked by hook" in text and "daily budget $0.001 reached" in text and "raise [budgets] daily" in text


def test_a_warning_is_shown_once_and_turn_cost_each_turn(run_claude, plugin_dir, e2e_dirs):
    (e2e_dirs["tec_home"] / "config.toml").write_text(
        "[budgets]\ndaily = 1.0\nwarn_at = 0.000001\n[hooks]\nturn_cost = true\n")
    first = run_claude("Say hello.", plugin_dir=plugin_dir)
    assert_ok(first)
    [message] = [a["content"] for a in hook_attachments(first, "hook_system_message")]
    assert "daily budget at 0%" in message and "turn $" in message and "session $" in message, message
    assert first.result["terminal_reason"] == "completed"
    again = run_claude("Say hello again.", plugin_dir=plugin_dir, args=["--resume", first.result["session_id"]])
    assert_ok(again)
    messages = [a["content"] for a in hook_attachments(again, "hook_system_message")]
    assert messages[-1].count("budget") == 0 and "turn $" in messages[-1], messages  # the crossing was told already


@pytest.mark.parametrize(("agent", "model"), [("quick-edit", "claude-haiku-5-5"), ("reviewer", "claude-sonnet-5-5")])
def test_a_pinned_agent_is_listed_and_runs_on_its_model(run_claude, plugin_dir, fake_api, agent, model):
    fake_api.script.subagent_type = f"{PLUGIN}:{agent}"
    run = run_claude(f"{SPAWN_MARKER} Fix the typo 'teh' in README.md", plugin_dir=plugin_dir)
    assert_ok(run)
    listing = json.dumps(run.first.body.get("messages"))
    assert f"{PLUGIN}:quick-edit" in listing and f"{PLUGIN}:explorer" in listing and f"{PLUGIN}:reviewer" in listing
    assert run.subagent.model == model, run.explain()  # the hook leaves a custom agent's model alone
    assert "opus" in (run.first.model or "")
