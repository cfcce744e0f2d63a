"""Execution, validation and edits through the real SDKs against fake vendor servers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from fakes import (
    FakeAnthropic,
    FakeGemini,
    Reply,
    anthropic_error,
    anthropic_text,
    anthropic_tool,
    free_port_refused,
    gemini_blocked,
    gemini_empty,
    gemini_error,
    gemini_json,
    gemini_text,
    loopback_env,
)
from helpers import write_config
from tec.costs import store
from tec.costs.entries import Entry, prompt_hash
from tec.errors import ConfigError, InputError
from tec.run import clients, edit, execute, validation

KEY_A = "sk-ant-test-SECRETKEY-0123456789"
KEY_G = "gemini-test-SECRETKEY-9876543210"
FAST = "[execution]\nretries = 1\nretry_initial_delay_s = 0.01\nretry_max_delay_s = 0.02\ntimeout_s = 2\n"
SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")


@pytest.fixture
def fakes(monkeypatch):
    with FakeAnthropic() as claude, FakeGemini() as gemini:
        loopback_env(monkeypatch, anthropic=claude, gemini=gemini, key_a=KEY_A, key_g=KEY_G)
        write_config(FAST)
        yield claude, gemini


def entries() -> list[Entry]:
    with store.Ledger() as book:
        return list(book.entries())


# --------------------------------------------------------------------------- execute


def test_flash_call_is_priced_from_the_returned_usage(fakes):
    _claude, gemini = fakes
    gemini.queue(gemini_text("def f(): pass", prompt_tokens=1200, output_tokens=40, thoughts=10))
    out = execute.execute("gemini-flash", "write a stub f", 64).to_dict()
    assert out["success"] and out["output"] == "def f(): pass"
    assert out["model"] == "gemini-flash" and out["model_id"] == "gemini-2.5-flash-lite"
    assert out["tokens"] == {"input": 1200, "output": 40, "cache_read": 0, "cache_write": 0, "thinking": 10}
    # gemini-2.5-flash-lite: 1200 × $0.10/M + (40 + 10 thinking) × $0.40/M = 120 + 20 = 140 per 1M
    assert out["cost"] == pytest.approx(0.00014)
    request = gemini.last
    assert request.path == "/v1beta/models/gemini-2.5-flash-lite:generateContent"
    config = request.body["generationConfig"]
    assert config["maxOutputTokens"] == 64 and config["thinkingConfig"] == {"thinking_budget": 0}
    assert "result only" in json.dumps(request.body["systemInstruction"])
    (entry,) = entries()
    assert entry.source == "execute" and entry.status == "ok" and entry.cost == pytest.approx(0.00014)
    assert entry.prompt is None and entry.prompt_hash == prompt_hash("write a stub f")


def test_claude_call_records_cache_tokens(fakes):
    claude, _ = fakes
    claude.queue(anthropic_text("done", input_tokens=100, output_tokens=20, cache_read=1000, cache_write=400))
    out = execute.execute("haiku", "rename x", 100).to_dict()
    assert out["success"] and out["model_id"] == "claude-haiku-5-5"
    assert out["tokens"] == {"input": 100, "output": 20, "cache_read": 1000, "cache_write": 400, "thinking": 0}
    # haiku 5.5: 100×0.10 + 20×0.50 + 1000×0.01 + 400×0.125 = 10 + 10 + 10 + 50 = 80 per 1M
    assert out["cost"] == pytest.approx(0.00008)
    body = claude.last.body
    assert body["model"] == "claude-haiku-5-5" and body["max_tokens"] == 100
    assert body["messages"] == [{"role": "user", "content": "rename x"}]


@pytest.mark.parametrize(("reply", "kind"), [
    (gemini_error(429, message="quota exhausted"), "quota"),
    (gemini_error(500), "server"),
    (gemini_error(503), "overloaded"),
    (gemini_blocked(prompt_tokens=30), "blocked"),
    (gemini_empty(prompt_tokens=30), "empty"),
    (Reply(200, b"{not json"), "malformed"),
    (gemini_error(403), "auth"),
])
def test_gemini_faults_are_classified_and_never_a_success(fakes, reply, kind):
    _, gemini = fakes
    gemini.default = reply
    out = execute.execute("gemini-flash", "a task").to_dict()
    assert not out["success"] and out["output"] is None
    assert out["attempts"][0]["error_kind"] == kind and out["error"]
    ok_entries = [e for e in entries() if e.status == "ok"]
    assert ok_entries == []
    billed = [e for e in entries() if e.status == "error"]
    if kind in ("blocked", "empty"):  # the prompt was billed: the failed attempt is in the ledger
        assert len(billed) == 1 and billed[0].input == 30 and billed[0].cost > 0
    else:
        assert billed == []


@pytest.mark.parametrize(("reply", "kind"), [
    (anthropic_error(429, headers={"retry-after": "0"}), "quota"),
    (anthropic_error(500), "server"),
    (anthropic_error(529), "overloaded"),
    (Reply(200, b"{broken"), "malformed"),
    (anthropic_error(401), "auth"),
    (anthropic_text("   "), "empty"),
])
def test_claude_faults_are_classified(fakes, reply, kind):
    claude, _ = fakes
    claude.default = reply
    out = execute.execute("sonnet", "a task").to_dict()
    assert not out["success"] and out["attempts"][0]["error_kind"] == kind
    assert all(e.status != "ok" for e in entries())


def test_retry_after_is_obeyed_then_the_call_succeeds(fakes):
    claude, _ = fakes
    claude.queue(anthropic_error(429, headers={"retry-after-ms": "5"}), anthropic_text("ok"))
    out = execute.execute("haiku", "t").to_dict()
    assert out["success"] and len(claude.requests) == 2 and len(out["attempts"]) == 1


def test_a_timeout_and_a_refused_connection(fakes, monkeypatch):
    _claude, gemini = fakes
    write_config("[execution]\nretries = 0\ntimeout_s = 0.3\n")
    gemini.default = Reply(200, gemini_text("late"), delay=2.0)
    assert execute.execute("gemini-flash", "t").to_dict()["attempts"][0]["error_kind"] == "timeout"
    monkeypatch.setenv("ANTHROPIC_BASE_URL", free_port_refused())
    assert execute.execute("haiku", "t").to_dict()["attempts"][0]["error_kind"] == "connection"


def test_escalation_moves_up_one_tier_per_failure_and_lists_every_attempt(fakes):
    claude, gemini = fakes
    write_config(FAST.replace("retries = 1", "retries = 0"))  # the 529 is not retried by the SDK
    gemini.default = gemini_blocked(prompt_tokens=50)
    claude.queue(anthropic_error(529), anthropic_text("the answer", input_tokens=60, output_tokens=6,
                                                      model="claude-sonnet-5-5"))
    out = execute.execute("gemini-flash", "t", escalate=True).to_dict()
    assert out["success"] and out["output"] == "the answer"
    assert [a["model"] for a in out["attempts"]] == ["gemini-flash", "haiku", "sonnet"]
    assert [a["error_kind"] for a in out["attempts"]] == ["blocked", "overloaded", None]
    # paid: the blocked prompt (50 × $0.10/M) and the sonnet answer (60 × $2 + 6 × $10 per 1M)
    assert out["cost"] == pytest.approx(50 * 0.10 / 1e6 + (60 * 2 + 6 * 10) / 1e6)
    assert sorted(e.status for e in entries()) == ["error", "ok"]


def test_escalation_stops_at_the_configured_top_tier(fakes):
    claude, gemini = fakes
    write_config(FAST + 'top_tier = "haiku"\n')
    gemini.default = gemini_error(500)
    claude.default = anthropic_error(500)
    out = execute.execute("gemini-flash", "t", escalate=True).to_dict()
    assert [a["model"] for a in out["attempts"]] == ["gemini-flash", "haiku"] and not out["success"]


def test_no_escalation_on_errors_another_tier_cannot_fix(fakes):
    claude, gemini = fakes
    gemini.default = gemini_error(400)
    out = execute.execute("gemini-flash", "t", escalate=True).to_dict()
    assert len(out["attempts"]) == 1 and out["attempts"][0]["error_kind"] == "bad_request"
    assert claude.requests == []


def test_a_rejecting_validation_gate_escalates(fakes):
    claude, gemini = fakes
    gemini.queue(gemini_text("wrong answer"))
    claude.queue(anthropic_text("right answer"))

    class Verdict:
        def __init__(self, passed):
            self.passed, self.issues, self.error = passed, ([] if passed else ["it is wrong"]), None

    out = execute.execute("gemini-flash", "t", escalate=True,
                            judge=lambda task, output: Verdict(output == "right answer")).to_dict()
    assert out["success"] and out["output"] == "right answer"
    assert out["attempts"][0]["error_kind"] == "rejected" and out["attempts"][0]["issues"] == ["it is wrong"]


def test_budget_refusal_stops_before_the_call(fakes):
    claude, _gemini = fakes
    write_config(FAST + "[budgets]\ndaily = 0.000001\naction = \"refuse\"\n")
    out = execute.execute("opus", "t", 1000).to_dict()
    assert not out["success"] and out["attempts"][0]["error_kind"] == "budget"
    assert "daily budget" in out["error"] and claude.requests == []


def test_budget_downgrade_picks_a_cheaper_tier(fakes):
    claude, _gemini = fakes
    # opus worst case: ~20 input + 1000 output tokens ≈ $0.02; haiku ≈ $0.0005
    write_config(FAST + "[budgets]\ndaily = 0.005\naction = \"downgrade\"\n")
    claude.queue(anthropic_text("cheap answer"))
    out = execute.execute("opus", "t", 1000).to_dict()
    assert out["success"] and out["model"] in ("haiku", "gemini-flash")
    assert any("daily budget" in w for w in out["warnings"])


def test_missing_key_is_a_one_line_error_naming_the_variable(fakes, monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY")
    with pytest.raises(ConfigError, match="GEMINI_API_KEY or GOOGLE_API_KEY is not set"):
        execute.execute("gemini-flash", "t")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY is not set"):
        execute.execute("haiku", "t")


def test_bad_arguments(fakes):
    with pytest.raises(InputError, match="prompt is empty"):
        execute.execute("haiku", "  ")
    with pytest.raises(InputError, match="max_tokens"):
        execute.execute("haiku", "t", -5)


def test_batch_keeps_input_order_and_survives_failures(fakes):
    _claude, gemini = fakes

    def answer(request):
        text = request.body["contents"][0]["parts"][0]["text"]
        if text == "task 3":
            return gemini_error(400)
        return gemini_text(text.upper())

    gemini.default = answer
    items = [{"id": i, "prompt": f"task {i}"} for i in range(8)] + [{"id": "bad", "prompt": ""}]
    results = execute.execute_batch(items, concurrency=4)
    assert [r["id"] for r in results] == [*range(8), "bad"]
    assert [r["success"] for r in results] == [True, True, True, False, True, True, True, True, False]
    assert results[5]["output"] == "TASK 5" and "prompt is empty" in results[8]["error"]


# --------------------------------------------------------------------------- validate


def test_validate_uses_a_forced_tool_and_records_the_cost(fakes):
    claude, _ = fakes
    claude.queue(anthropic_tool("answer", {"pass": False, "issues": ["Misses the retry.", "  ", "b", "c", "d"],
                                          "confidence": 1.7, "escalate": True}, input_tokens=300, output_tokens=40,
                                model="claude-sonnet-5-5"))
    verdict = validation.validate("Add a retry", "def f(): return 1")
    assert verdict.passed is False and verdict.escalate is True
    assert verdict.issues == ["Misses the retry.", "b", "c"] and verdict.confidence == 1.0
    body = claude.last.body
    assert body["model"] == "claude-sonnet-5-5" and body["tool_choice"] == {"type": "tool", "name": "answer"}
    assert body["tools"][0]["input_schema"]["required"] == ["pass", "issues", "confidence", "escalate"]
    assert "Add a retry" in body["messages"][0]["content"]
    (entry,) = entries()
    assert entry.source == "validate" and entry.cost == pytest.approx((300 * 2 + 40 * 10) / 1e6)


def test_validate_on_gemini_uses_a_json_schema(fakes):
    _, gemini = fakes
    gemini.queue(gemini_json({"pass": True, "issues": [], "confidence": 0.9, "escalate": False}))
    verdict = validation.validate("t", "o", model="gemini-flash")
    assert verdict.passed and verdict.confidence == 0.9
    config = gemini.last.body["generationConfig"]
    assert config["responseMimeType"] == "application/json" and "responseJsonSchema" in config


def test_a_judge_that_fails_or_answers_badly_is_never_a_pass(fakes):
    claude, _ = fakes
    write_config(FAST.replace("retries = 1", "retries = 0"))
    claude.queue(anthropic_error(500), anthropic_tool("answer", {"pass": "yes"}))
    failed = validation.validate("t", "o")
    assert not failed.passed and "500" in failed.error
    bad = validation.validate("t", "o")
    assert not bad.passed and "verdict schema" in bad.error


# --------------------------------------------------------------------------- keys never leak


def test_api_keys_never_reach_the_ledger_logs_or_errors(fakes, tmp_path):
    claude, gemini = fakes
    gemini.default = gemini_error(400, message=f"API key not valid: {KEY_G}")
    claude.default = anthropic_error(401, message=f"invalid x-api-key {KEY_A}")
    env = {**os.environ, "PYTHONPATH": SCRIPTS}
    for argv in (["execute", "--model", "gemini-flash", "--prompt", "t", "--json"],
                 ["execute", "--model", "haiku", "--prompt", "t", "--escalate"],
                 ["validate", "--task", "t", "--output", "-"]):
        proc = subprocess.run([sys.executable, "-m", "tec", *argv], input="o", capture_output=True, text=True,
                              env=env, timeout=60)
        assert proc.returncode == 1, proc.stderr
        assert KEY_A not in proc.stdout + proc.stderr and KEY_G not in proc.stdout + proc.stderr
        assert "***" in proc.stdout + proc.stderr
    for root, _dirs, files in os.walk(os.environ["TEC_HOME"]):
        for name in files:
            with open(os.path.join(root, name), "rb") as fh:
                data = fh.read()
            assert KEY_A.encode() not in data and KEY_G.encode() not in data, name


def test_scrub_replaces_every_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY_A)
    assert clients.scrub(f"bad key {KEY_A}!") == "bad key ***!"


# --------------------------------------------------------------------------- edit

SOURCE = "def greet(name):\n    return 'hello ' + name\n\n\ndef shout(name):\n    return greet(name).upper()\n"
BLOCK = "<<<<<<< SEARCH\n    return 'hello ' + name\n=======\n    return 'hi ' + name\n>>>>>>> REPLACE\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text(SOURCE)
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(root))
    return root


def test_edit_shows_a_diff_and_changes_nothing_without_apply(fakes, project):
    _, gemini = fakes
    gemini.queue(gemini_text(f"Here you go:\n```\n{BLOCK}```\n"))
    out = edit.edit_file(str(project / "app.py"), "say hi instead of hello").to_dict()
    assert out["success"] and not out["applied"] and out["backup"] is None
    assert "-    return 'hello ' + name\n+    return 'hi ' + name\n" in out["diff"]
    assert (project / "app.py").read_text() == SOURCE
    body = gemini.last.body
    assert "say hi instead of hello" in body["contents"][0]["parts"][0]["text"]
    assert "<<<<<<< SEARCH" in json.dumps(body["systemInstruction"])
    (entry,) = entries()
    assert entry.source == "edit" and entry.model == "gemini-2.5-flash-lite"


def test_edit_apply_writes_and_keeps_a_backup(fakes, project):
    _, gemini = fakes
    gemini.queue(gemini_text(BLOCK))
    out = edit.edit_file(str(project / "app.py"), "say hi", apply=True).to_dict()
    assert out["applied"] and (project / "app.py").read_text() == SOURCE.replace("hello", "hi")
    with open(out["backup"]) as fh:
        assert fh.read() == SOURCE


def test_edit_retries_once_with_the_problem_then_escalates_to_haiku(fakes, project):
    claude, gemini = fakes
    gemini.default = gemini_text("<<<<<<< SEARCH\nnot in the file\n=======\nx\n>>>>>>> REPLACE\n")
    claude.queue(anthropic_text(BLOCK))
    out = edit.edit_file(str(project / "app.py"), "say hi", apply=True).to_dict()
    assert out["success"] and [a["model"] for a in out["attempts"]] == ["gemini-flash", "gemini-flash", "haiku"]
    second = gemini.requests[1].body["contents"][0]["parts"][0]["text"]
    assert "could not be used" in second and "SEARCH not found" in second
    assert (project / "app.py").read_text() == SOURCE.replace("hello", "hi")


def test_an_edit_that_breaks_the_syntax_is_never_written(fakes, project):
    claude, gemini = fakes
    broken = "<<<<<<< SEARCH\n    return 'hello ' + name\n=======\n    return 'hello ' + (name\n>>>>>>> REPLACE\n"
    gemini.default = gemini_text(broken)
    claude.default = anthropic_text(broken)
    out = edit.edit_file(str(project / "app.py"), "say hi", apply=True).to_dict()
    assert not out["success"] and "no longer parses as python" in out["error"]
    assert len(out["attempts"]) == 3 and not out["applied"]
    assert (project / "app.py").read_text() == SOURCE
    assert not os.path.exists(os.path.join(os.environ["TEC_HOME"], "backups"))


def test_secret_and_outside_files_are_never_sent(fakes, project, tmp_path):
    claude, gemini = fakes
    (project / ".env").write_text("TOKEN=abc\n")
    with pytest.raises(InputError, match="secret") as info:
        edit.edit_file(str(project / ".env"), "change the token")
    assert "--force" in info.value.hint
    (tmp_path / "outside.py").write_text("x = 1\n")
    with pytest.raises(InputError, match="outside"):
        edit.edit_file(str(tmp_path / "outside.py"), "set x to 2")
    assert gemini.requests == [] and claude.requests == []


def test_edit_cli_end_to_end(fakes, project):
    _, gemini = fakes
    gemini.queue(gemini_text(BLOCK))
    env = {**os.environ, "PYTHONPATH": SCRIPTS}
    proc = subprocess.run([sys.executable, "-m", "tec", "edit", "app.py", "say hi", "--apply"], cwd=project,
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "+    return 'hi ' + name" in proc.stdout and "applied to app.py" in proc.stderr
    assert (project / "app.py").read_text() == SOURCE.replace("hello", "hi")
