"""The real Claude Code CLI against the loopback fake API (see conftest.py for how to run these).

Smoke tests prove the harness without this repository's plugin: the CLI calls the fake, hooks
from `--settings` reach the request, a PreToolUse `updatedInput` changes the subagent's model,
and the transcript records exactly the usage the fake returned.

Plugin tests (`-m plugin`) load this repository as a plugin (`--plugin-dir`, or `tec install
--scope user`); they skip while hooks/hooks.json does not exist.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from claude_harness import CONTEXT_PREFIX, REPO, assert_ok, clean_env, ledger_rows, plugin_contexts, tec_command
from fake_claude_api import SPAWN_MARKER

pytestmark = pytest.mark.e2e

ACTIONABLE = "Fix the typo in README.md: 'recieve' should be 'receive'"
CHITCHAT = "thanks, that's all"
SIMPLE_AGENT = f"{SPAWN_MARKER} Fix the typo 'teh' in README.md"
COMPLEX_AGENT = (f"{SPAWN_MARKER} Design the architecture for migrating our monolith's authentication, billing and "
                 "data layers to event-driven microservices with zero downtime and a rollback plan")
LEDGER_WAIT_S = 10.0

PRE_TOOL_HOOK = """\
import json, sys
data = json.load(sys.stdin)
if data.get("tool_name") not in ("Agent", "Task"):
    sys.exit(0)
print(json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow",
                                         "updatedInput": dict(data["tool_input"], model="haiku")}}))
"""


# --------------------------------------------------------------------------- smoke: the harness itself


def test_plain_prompt_reaches_the_fake(run_claude, claude_version):
    run = run_claude("Say hello.")
    assert_ok(run)
    assert run.result_text == "ok", run.explain()
    first = run.first
    assert first.route == "/v1/messages" and first.body.get("stream") is True
    assert first.headers.get("anthropic-version") == "2023-06-01"
    assert "Say hello." in first.body_json
    # no side requests (title generation, quota probes, count_tokens) in headless -p with
    # CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1: one prompt, one request
    assert [r.kind for r in run.messages] == ["main"], run.explain()
    assert run.result["usage"]["input_tokens"] == first.usage["input_tokens"]
    assert claude_version.startswith("2.1."), claude_version


def test_user_prompt_submit_context_reaches_the_first_request(run_claude):
    payload = {"hookSpecificOutput": {"hookEventName": "UserPromptSubmit", "additionalContext": "MARKER-123"}}
    command = "echo " + shlex.quote(json.dumps(payload))
    settings = {"hooks": {"UserPromptSubmit": [{"hooks": [{"type": "command", "command": command}]}]}}
    run = run_claude("Say hello.", settings=settings)
    assert_ok(run)
    messages = json.dumps(run.first.body.get("messages"))
    assert "MARKER-123" in messages, run.explain()
    assert run.hook_contexts() == ["MARKER-123"]


def test_subagent_inherits_the_main_model_without_hooks(run_claude):
    run = run_claude(SIMPLE_AGENT)
    assert_ok(run)
    kinds = [r.kind for r in run.messages]
    assert kinds == ["main", "subagent", "main"], run.explain()
    main, sub = run.messages[0], run.subagent
    assert sub.model == main.model, (sub.model, main.model)
    assert main.reply.name in ("Agent", "Task")
    assert main.reply.input["prompt"] == "Fix the typo 'teh' in README.md"
    assert run.result_text == "ok"
    # the transcript (main + subagents/) records every response with exactly the fake's usage
    written = run.transcript_responses()
    assert set(written) == {r.response_id for r in run.messages}
    for message_id, entry in written.items():
        sent = run.usage_by_id[message_id]
        for key in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
            assert entry["usage"][key] == sent[key], (message_id, key)
        assert entry["sidechain"] == (message_id == sub.response_id)


def test_pre_tool_use_updated_input_sets_the_subagent_model(run_claude, tmp_path):
    hook = tmp_path / "route_agent.py"
    hook.write_text(PRE_TOOL_HOOK, encoding="utf-8")
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(hook))}"
    handler = {"type": "command", "command": command}
    settings = {"hooks": {"PreToolUse": [{"matcher": "Agent|Task", "hooks": [handler]}]}}
    run = run_claude(SIMPLE_AGENT, settings=settings)
    assert_ok(run)
    assert "haiku" in (run.subagent.model or ""), run.explain()
    assert "haiku" not in (run.messages[0].model or "")


# --------------------------------------------------------------------------- the plugin


def plugin_prompt_hook_ran(run) -> bool:
    """The debug log's line for a plugin's UserPromptSubmit hook that exited 0."""
    return re.search(r"Hooks: UserPromptSubmit \[.*\] \(plugin [^)]*\) finished with status 0", run.debug) is not None


@pytest.mark.plugin
def test_plugin_adds_context_to_an_actionable_prompt(run_claude, plugin_dir):
    run = run_claude(ACTIONABLE, plugin_dir=plugin_dir)
    assert_ok(run)
    assert CONTEXT_PREFIX in run.first.body_json, run.explain()
    assert plugin_contexts(run), f"hook contexts: {run.hook_contexts()}\n{run.explain()}"


@pytest.mark.plugin
def test_plugin_skill_is_offered_to_the_model(run_claude, plugin_dir):
    run = run_claude(CHITCHAT, plugin_dir=plugin_dir)
    assert_ok(run)
    # the skill listing carries the SKILL.md description from the repository root
    assert "Use before delegating to a subagent" in run.first.body_json, run.explain()


@pytest.mark.plugin
def test_plugin_adds_no_context_to_chit_chat(run_claude, plugin_dir):
    run = run_claude(CHITCHAT, plugin_dir=plugin_dir)
    assert_ok(run)
    assert plugin_prompt_hook_ran(run), f"the plugin's UserPromptSubmit hook did not run\n{run.explain()}"
    assert not plugin_contexts(run), run.hook_contexts()


@pytest.mark.plugin
def test_plugin_routes_a_simple_subagent_to_haiku(run_claude, plugin_dir):
    run = run_claude(SIMPLE_AGENT, plugin_dir=plugin_dir)
    assert_ok(run)
    assert "haiku" in (run.subagent.model or ""), run.explain()


@pytest.mark.plugin
def test_plugin_never_sets_a_subagent_above_the_main_model_unless_allowed(run_claude, plugin_dir, tec_home):
    # a design task in a sonnet session: opus would cost more than inheriting sonnet
    run = run_claude(COMPLEX_AGENT, plugin_dir=plugin_dir, args=["--model", "sonnet"])
    assert_ok(run)
    assert "sonnet" in (run.messages[0].model or "") and "sonnet" in (run.subagent.model or ""), run.explain()
    (tec_home / "config.toml").write_text("[hooks]\nallow_upgrade = true\n")
    run = run_claude(COMPLEX_AGENT, plugin_dir=plugin_dir, args=["--model", "sonnet"])
    assert_ok(run)
    assert "opus" in (run.subagent.model or ""), run.explain()


@pytest.mark.plugin
def test_plugin_ledger_matches_the_usage_the_api_returned(run_claude, plugin_dir, tec_home):
    run = run_claude(SIMPLE_AGENT, plugin_dir=plugin_dir)
    assert_ok(run)
    written = run.transcript_responses()  # main + subagent responses the CLI logged
    assert set(written) == {r.response_id for r in run.messages}, (list(written), run.explain())
    assert len(written) == 3, run.explain()  # main (Agent call), subagent, main (final text)
    deadline = time.monotonic() + LEDGER_WAIT_S
    rows = ledger_rows(tec_home)
    while not set(written) <= set(rows) and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = ledger_rows(tec_home)
    if not set(written) <= set(rows):
        hint = ""
        if "Hook Stop (Stop) cancelled" in run.debug:
            hint = ("\nthe CLI cancelled the Stop hook at exit (`claude -p` kills `\"async\": true` hooks still "
                    "running when the turn ends): run it synchronously, or let it start a detached process")
        pytest.fail(f"after {LEDGER_WAIT_S}s the ledger lacks {sorted(set(written) - set(rows))}; has {sorted(rows)}"
                    f"{hint}\n{run.explain()}", pytrace=False)
    assert set(rows) <= set(run.usage_by_id), f"ledger rows for responses the fake never sent: {set(rows)}"
    totals = {"input": 0, "output": 0, "cache_write": 0, "cache_read": 0}
    expected = dict.fromkeys(totals, 0)
    for message_id in written:
        row, sent = rows[message_id], run.usage_by_id[message_id]
        assert row["request"] == f"{message_id}:{written[message_id]['request_id']}"
        assert row["model"] == written[message_id]["model"]
        assert (row["input"], row["output"], row["cache_read"]) == (
            sent["input_tokens"], sent["output_tokens"], sent["cache_read_input_tokens"]), message_id
        assert row["cache_write_5m"] == sent["cache_creation"]["ephemeral_5m_input_tokens"], message_id
        assert row["cache_write_1h"] == sent["cache_creation"]["ephemeral_1h_input_tokens"], message_id
        assert bool(row["sidechain"]) == written[message_id]["sidechain"], message_id
        for kind, value in (("input", row["input"]), ("output", row["output"]), ("cache_read", row["cache_read"]),
                            ("cache_write", row["cache_write_5m"] + row["cache_write_1h"])):
            totals[kind] += value
        expected["input"] += sent["input_tokens"]
        expected["output"] += sent["output_tokens"]
        expected["cache_write"] += sent["cache_creation_input_tokens"]
        expected["cache_read"] += sent["cache_read_input_tokens"]
    assert totals == expected


@pytest.mark.plugin
def test_tec_install_user_scope_loads_the_plugin(run_claude, plugin_dir, claude_bin, e2e_dirs):
    home, tec_home = e2e_dirs["home"], e2e_dirs["tec_home"]
    env = clean_env(claude_bin, home, e2e_dirs["tmp"], tec_home)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "scripts"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    installed = subprocess.run([*tec_command(), "install", "--scope", "user"], env=env, cwd=e2e_dirs["proj"],
                               capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert installed.returncode == 0, f"tec install failed:\n{installed.stdout}\n{installed.stderr}"
    run = run_claude(ACTIONABLE, home=home)  # no --plugin-dir: the installed plugin must load
    assert_ok(run)
    assert plugin_contexts(run), (f"tec install output:\n{installed.stdout}\n{installed.stderr}\n"
                                  f"hook contexts: {run.hook_contexts()}\n{run.explain()}")


def _tracked_copy(dest: Path) -> Path:
    """The repository's tracked files as they are now, without .venv and caches (what a clone holds)."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in names.decode().split("\0"):
        if name and (REPO / name).is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((REPO / name).read_bytes())
            target.chmod((REPO / name).stat().st_mode)
    return dest


@pytest.mark.plugin
def test_plugin_validates_and_installs_from_the_marketplace(run_claude, plugin_dir, claude_bin, e2e_dirs, tmp_path):
    home = e2e_dirs["home"]
    env = clean_env(claude_bin, home, e2e_dirs["tmp"], e2e_dirs["tec_home"])
    source = _tracked_copy(tmp_path / "marketplace")

    def claude(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(claude_bin), *argv], env=env, cwd=e2e_dirs["proj"], capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)

    validated = claude("plugin", "validate", str(source))
    assert validated.returncode == 0 and "Validation passed" in validated.stdout, validated.stdout
    added = claude("plugin", "marketplace", "add", str(source))
    assert added.returncode == 0, added.stdout + added.stderr
    installed = claude("plugin", "install", "token-efficient-coding@token-efficient-coding")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    run = run_claude(ACTIONABLE, home=home)  # no --plugin-dir: the marketplace install must load
    assert_ok(run)
    assert plugin_contexts(run), f"hook contexts: {run.hook_contexts()}\n{run.explain()}"
