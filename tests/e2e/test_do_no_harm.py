"""What a new user meets first, through the real CLI: the skill's model scripts run after the
README's install, savings are only claimed for what routing moved, a subagent is not made
dearer than the main model, and hooks registered twice act once."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time

import pytest
from claude_harness import REPO, assert_ok, clean_env, plugin_contexts, tec_command
from fake_claude_api import SPAWN_MARKER, DefaultScript, Text, ToolUse, block_text, first_user_text

pytestmark = [pytest.mark.e2e, pytest.mark.plugin]
LEDGER_WAIT_S = 15.0
BASH_MARKER = "RUN_BASH:"
SIMPLE_AGENT = f"{SPAWN_MARKER} Fix the typo 'teh' in README.md"
DESIGN_AGENT = (f"{SPAWN_MARKER} Design the architecture for migrating our monolith's authentication, billing and "
                "data layers to event-driven microservices with zero downtime and a rollback plan")


class BashScript(DefaultScript):
    """`RUN_BASH: <command>`: the main conversation runs the command once through the Bash tool,
    then answers `ok`. Requests from the scripts' own SDK calls (no tools) get `hi from the fake`."""

    def __call__(self, body: dict):
        first = first_user_text(body)
        if BASH_MARKER not in first:
            return Text("hi from the fake") if not body.get("tools") else super().__call__(body)
        called = any(isinstance(m, dict) and m.get("role") == "assistant" and "tool_use" in json.dumps(m)
                     for m in body.get("messages") or [])
        if not called:
            return ToolUse("Bash", {"command": first.split(BASH_MARKER, 1)[1].strip().split("\n")[0],
                                    "description": "run the skill's script"})
        return Text("ok")


def tool_results(run) -> list[str]:
    """The text of every tool_result the CLI sent back to the model."""
    found = []
    for request in run.messages:
        for message in request.body.get("messages") or []:
            content = message.get("content") if isinstance(message, dict) else None
            for block in content if isinstance(content, list) else []:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    found.append(block_text(block.get("content")))
    return found


def tec(claude_bin, e2e_dirs, *argv: str) -> subprocess.CompletedProcess:
    env = clean_env(claude_bin, e2e_dirs["home"], e2e_dirs["tmp"], e2e_dirs["tec_home"])
    env["PYTHONPATH"] = str(REPO / "scripts")
    return subprocess.run([*tec_command(), *argv], env=env, cwd=e2e_dirs["proj"], capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL)


def wait_for_report(claude_bin, e2e_dirs, calls: int, *argv: str) -> dict:
    """`tec costs --json` once the ledger holds `calls` entries (the Stop hook ingests in the background)."""
    deadline = time.monotonic() + LEDGER_WAIT_S
    while True:
        proc = tec(claude_bin, e2e_dirs, "costs", "--json", *argv)
        assert proc.returncode == 0, proc.stderr
        report = json.loads(proc.stdout)
        if report["total"]["calls"] >= calls or time.monotonic() > deadline:
            return report
        time.sleep(0.3)


def test_the_skill_scripts_run_model_calls_after_the_readme_install(run_claude, fake_api, claude_bin, e2e_dirs):
    """`.venv/bin/tec install`, then Claude Code runs scripts/execute.py with the python3 on PATH."""
    fake_api.script = BashScript()
    installed = tec(claude_bin, e2e_dirs, "install", "--scope", "user")
    assert installed.returncode == 0, installed.stderr
    command = f"{shlex.quote(str(REPO / 'scripts' / 'execute.py'))} --model haiku --prompt 'say hi' --json"
    run = run_claude(f"{BASH_MARKER} {command}", args=["--allowedTools", "Bash"],
                     env_extra={"PATH": os.environ["PATH"]})  # python3 on PATH: not the .venv
    assert_ok(run)
    (result,) = [r for r in tool_results(run) if "success" in r or "error" in r] or [""]
    assert '"success": true' in result and "hi from the fake" in result, (result, run.explain())
    assert any(r.body.get("stream") is not True and r.model == "claude-haiku-5-5" for r in run.messages)


def test_a_session_where_nothing_was_routed_saves_nothing(run_claude, plugin_dir, claude_bin, e2e_dirs):
    run = run_claude("Say hello.", plugin_dir=plugin_dir, args=["--model", "haiku"])
    assert_ok(run)
    report = wait_for_report(claude_bin, e2e_dirs, 1)
    assert report["total"]["calls"] >= 1, report
    assert report["total"]["savings"] == 0 and report["total"]["savings_pct"] in (0, None), report["total"]
    assert report["baselines"] == {"own model": report["total"]["calls"]}


def test_savings_are_the_routed_subagent_against_the_main_model(run_claude, plugin_dir, claude_bin, e2e_dirs):
    run = run_claude(SIMPLE_AGENT, plugin_dir=plugin_dir)  # main model: the CLI's default, opus
    assert_ok(run)
    assert "haiku" in (run.subagent.model or "") and "opus" in (run.messages[0].model or ""), run.explain()
    report = wait_for_report(claude_bin, e2e_dirs, 3, "--by", "tier")
    rows = {row["key"]: row for row in report["rows"]}
    assert rows["opus"]["savings"] == 0  # the main thread saved nothing
    assert rows["haiku"]["savings"] > 0 and report["baselines"].get("routed") == rows["haiku"]["calls"], report


def test_an_allowed_upgrade_shows_as_extra_cost(run_claude, plugin_dir, claude_bin, e2e_dirs):
    (e2e_dirs["tec_home"] / "config.toml").write_text("[hooks]\nallow_upgrade = true\n")
    run = run_claude(DESIGN_AGENT, plugin_dir=plugin_dir, args=["--model", "haiku"])
    assert_ok(run)
    assert "opus" in (run.subagent.model or ""), run.explain()
    report = wait_for_report(claude_bin, e2e_dirs, 3)
    assert report["total"]["savings"] < 0, report["total"]


def test_hooks_registered_twice_act_once(run_claude, plugin_dir, claude_bin, e2e_dirs):
    """The plugin (--plugin-dir) and the same checkout's hooks in settings.json: both run."""
    assert tec(claude_bin, e2e_dirs, "install", "--mode", "settings", "--no-venv").returncode == 0
    run = run_claude(SIMPLE_AGENT.replace("typo 'teh'", "typo 'recieve'"), plugin_dir=plugin_dir)
    assert_ok(run)
    assert len(plugin_contexts(run)) <= 1, run.hook_contexts()
    assert run.debug.count("PreToolUse") >= 2, "both registrations should have run the hook"
    report = wait_for_report(claude_bin, e2e_dirs, 3, "--by", "tier")
    assert report["routing"]["subagent_calls"] == 1, report["routing"]
    doctor = tec(claude_bin, e2e_dirs, "doctor")
    assert doctor.returncode == 0 or "runs twice" not in doctor.stdout  # --plugin-dir is not a registration file
