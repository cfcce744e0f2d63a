"""Hook handlers in-process, the entry scripts as processes, and a fuzz of every entry point."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import transcript_tree as tt
from helpers import write_config
from tec import config, vocabulary
from tec.claude import caps, hooks, state
from tec.costs import reports, store

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS = ("UserPromptSubmit", "PreToolUse", "PostToolUse", "SessionStart", "Stop", "SubagentStop")
RUNNER = os.path.join(ROOT, "hooks", "run.py")
TRIVIAL = "Fix the typo in README.md: 'recieve' should be 'receive'"
MEDIUM = "Add a retry with exponential backoff to the HTTP client and write tests for it"
ARCHITECTURE = ("Design the architecture for migrating our monolith's authentication, billing and data layers to "
                "event-driven microservices with zero downtime and a rollback plan")

AGENT_MODELS = sorted({vocabulary.agent_model(tier) for tier in vocabulary.tiers()})


def run(event: str, payload) -> tuple[int, str]:
    """The handler through `hooks.main`, as the entry script calls it: a run of its own (the
    markers that stop a hook registered twice from acting twice are cleared first)."""
    shutil.rmtree(os.path.join(os.environ["TEC_HOME"], "seen"), ignore_errors=True)
    out = io.StringIO()
    text = payload if isinstance(payload, str) else json.dumps(payload)
    code = hooks.main(event, ROOT, stdin=io.StringIO(text), stdout=out)
    return code, out.getvalue()


def context_of(out: str) -> str | None:
    return json.loads(out)["hookSpecificOutput"].get("additionalContext") if out else None


def agent_call(prompt: str, **extra) -> dict:
    tool_input = {"description": "a subagent", "prompt": prompt, "subagent_type": "general-purpose", **extra}
    return {"session_id": "s1", "tool_name": "Agent", "tool_input": tool_input, "tool_use_id": "toolu_1",
            "hook_event_name": "PreToolUse", "cwd": ROOT}


def session_on(tmp_path, model: str, session: str = "s1") -> str:
    """A main transcript whose latest main-thread response ran on `model`: the session's main model."""
    tree = tt.Tree(str(tmp_path / "claude"))
    main = tree.session("/p", session)
    main.response(model, {"input_tokens": 10, "output_tokens": 5})
    main.write()
    return main.path


def spool_lines() -> list[dict]:
    path = os.path.join(os.environ["TEC_HOME"], "routing.jsonl")
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


# --------------------------------------------------------------------------- UserPromptSubmit


@pytest.fixture
def edits_work(monkeypatch):
    """A Gemini key in the environment and, as `tec install` last found, the SDK that edit.py needs."""
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-test-key")
    monkeypatch.setenv("PATH", os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                              if not os.path.exists(os.path.join(p, "tec"))))
    config.write_atomic(os.path.join(os.environ["TEC_HOME"], state.SDK_STATUS),
                        json.dumps({"python": sys.executable, "missing": [], "google": True, "anthropic": True}))


def test_a_trivial_edit_points_at_the_edit_script(edits_work):
    code, out = run("UserPromptSubmit", {"prompt": TRIVIAL, "session_id": "s1"})
    context = context_of(out)
    assert code == 0 and context.startswith(hooks.PREFIX) and len(context) <= hooks.MAX_CONTEXT
    assert os.path.join(ROOT, "scripts", "edit.py") in context


@pytest.mark.parametrize("missing", ["key", "sdk", "status"])
def test_no_edit_hint_when_the_edit_would_fail(edits_work, monkeypatch, missing):
    if missing == "key":
        monkeypatch.delenv("GEMINI_API_KEY")
    elif missing == "sdk":
        config.write_atomic(os.path.join(os.environ["TEC_HOME"], state.SDK_STATUS),
                            json.dumps({"python": None, "missing": ["google.genai"], "google": False}))
    else:
        os.unlink(os.path.join(os.environ["TEC_HOME"], state.SDK_STATUS))
    context = context_of(run("UserPromptSubmit", {"prompt": TRIVIAL, "session_id": "s1"})[1]) or ""
    assert "edit.py" not in context


def write_budgets(*records: dict) -> None:
    """The status file a turn's end leaves: budgets as records (see claude.caps)."""
    full = [{"since": 0, "until": None, "action": "warn", **r} for r in records]
    config.write_atomic(os.path.join(os.environ["TEC_HOME"], caps.STATUS), json.dumps({"budgets": full}))


WARNED = {"period": "daily", "limit": 5.0, "spent": 4.10, "level": "warn"}
WARNING = "daily budget at 82% ($4.10 of $5.00)"


def test_context_facts_by_priority_never_cut(edits_work, tmp_path, monkeypatch):
    plugin = tmp_path / "a plugin dir with spaces" / ("deep-" * 12)
    (plugin / "scripts").mkdir(parents=True)
    warning = WARNING
    write_budgets(WARNED)
    out = io.StringIO()
    payload = json.dumps({"prompt": TRIVIAL, "session_id": "s1"})
    hooks.main("UserPromptSubmit", str(plugin), stdin=io.StringIO(payload), stdout=out)
    context = context_of(out.getvalue())
    assert len(context) <= hooks.MAX_CONTEXT and "…" not in context
    assert context.startswith(hooks.PREFIX + warning)  # the budget comes first
    assert "edit.py" in context  # a shorter wording, not a cut one
    assert str(plugin) not in context or f"'{plugin}" in context  # a path with spaces is quoted when shown
    os.unlink(os.path.join(os.environ["TEC_HOME"], caps.STATUS))
    short = tmp_path / "my plugin"
    (short / "scripts").mkdir(parents=True)
    out = io.StringIO()
    hooks.main("UserPromptSubmit", str(short), stdin=io.StringIO(json.dumps({"prompt": TRIVIAL, "session_id": "s2"})),
               stdout=out)
    assert f"'{short}/scripts/edit.py' PATH" in context_of(out.getvalue())


def test_a_cheaper_tier_task_names_the_subagent_model():
    context = context_of(run("UserPromptSubmit", {"prompt": MEDIUM, "session_id": "s1"})[1])
    assert 'model "haiku"' in context or 'model "sonnet"' in context
    assert "cheaper than opus" in context


@pytest.mark.parametrize("prompt", ["thanks, that's all", "ok", "<task-notification><usage>1</usage>",
                                    "/compact", "", "   "])
def test_silent_for_chit_chat_commands_and_notifications(prompt):
    assert run("UserPromptSubmit", {"prompt": prompt, "session_id": "s1"}) == (0, "")


def test_silent_when_the_main_model_is_already_the_recommended_tier():
    write_config("")
    path = config.session_file("s-haiku")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("claude-haiku-5-5")
    assert run("UserPromptSubmit", {"prompt": MEDIUM, "session_id": "s-haiku"}) == (0, "")


def test_quiet_levels_and_the_budget_warning():
    write_budgets(WARNED)
    context = context_of(run("UserPromptSubmit", {"prompt": MEDIUM})[1])
    assert WARNING in context and "scores" in context
    write_config('[hooks]\nquiet = "budget-only"\n')
    assert context_of(run("UserPromptSubmit", {"prompt": MEDIUM})[1]) == hooks.PREFIX + WARNING + "."
    write_config('[hooks]\nquiet = "silent"\n')
    assert run("UserPromptSubmit", {"prompt": MEDIUM}) == (0, "")


def test_session_title_only_when_enabled_and_once():
    assert "sessionTitle" not in run("UserPromptSubmit", {"prompt": MEDIUM, "session_id": "t1"})[1]
    write_config("[hooks]\nsession_title = true\n")
    first = json.loads(run("UserPromptSubmit", {"prompt": MEDIUM, "session_id": "t2"})[1])
    assert first["hookSpecificOutput"]["sessionTitle"] == MEDIUM[:60].strip()
    assert "sessionTitle" not in run("UserPromptSubmit", {"prompt": MEDIUM, "session_id": "t2"})[1]


# --------------------------------------------------------------------------- PreToolUse


def test_enforce_sets_a_missing_model_and_copies_every_field():
    call = agent_call(TRIVIAL, run_in_background=False, name="fixer")
    output = json.loads(run("PreToolUse", call)[1])["hookSpecificOutput"]
    assert output["permissionDecision"] == "allow"
    assert output["updatedInput"] == {**call["tool_input"], "model": "haiku"}
    assert spool_lines()[-1]["action"] == "set" and spool_lines()[-1]["tool_use_id"] == "toolu_1"


def test_an_architecture_task_goes_to_opus(tmp_path):
    call = {**agent_call(ARCHITECTURE), "transcript_path": session_on(tmp_path, "claude-opus-5-5")}
    output = json.loads(run("PreToolUse", call)[1])["hookSpecificOutput"]
    assert output["updatedInput"]["model"] == "opus"


def test_never_above_the_main_model_unless_allowed(tmp_path):
    call = {**agent_call(ARCHITECTURE), "transcript_path": session_on(tmp_path, "claude-haiku-5-5")}
    assert run("PreToolUse", call) == (0, "")  # the subagent inherits haiku: no 40x dearer opus
    (record,) = spool_lines()
    assert record["action"] == "kept" and record["why"] == "the main model is cheaper" and record["main"] == "haiku"
    write_config("[hooks]\nallow_upgrade = true\n")
    output = json.loads(run("PreToolUse", call)[1])["hookSpecificOutput"]
    assert output["updatedInput"]["model"] == "opus" and spool_lines()[-1]["action"] == "raised"


def test_with_the_main_model_unknown_only_the_cheapest_model_is_set():
    assert run("PreToolUse", agent_call(ARCHITECTURE)) == (0, "")
    assert spool_lines()[-1]["why"] == "the main model is not known"
    output = json.loads(run("PreToolUse", agent_call(TRIVIAL))[1])["hookSpecificOutput"]
    assert output["updatedInput"]["model"] == "haiku"


def test_enforce_keeps_an_explicit_model_and_custom_agents():
    assert run("PreToolUse", agent_call(TRIVIAL, model="opus")) == (0, "")
    assert run("PreToolUse", agent_call(TRIVIAL, subagent_type="code-reviewer")) == (0, "")
    assert [line["action"] for line in spool_lines()] == ["kept", "kept"]


def test_strict_lowers_a_model_two_tiers_too_high():
    write_config('[hooks]\nmode = "strict"\n')
    output = json.loads(run("PreToolUse", agent_call(TRIVIAL, model="opus"))[1])["hookSpecificOutput"]
    assert output["updatedInput"]["model"] == "haiku" and "was opus" in output["permissionDecisionReason"]
    assert run("PreToolUse", agent_call(MEDIUM, model="sonnet")) == (0, "")  # one tier above: kept


def test_strict_applies_a_budget_downgrade(tmp_path):
    write_config('[hooks]\nmode = "strict"\n')
    write_budgets({"period": "daily", "limit": 1.0, "spent": 1.5, "level": "over", "action": "downgrade"})
    call = {**agent_call(ARCHITECTURE), "transcript_path": session_on(tmp_path, "claude-opus-5-5")}
    output = json.loads(run("PreToolUse", call)[1])["hookSpecificOutput"]
    assert output["updatedInput"]["model"] == "sonnet"


def test_advise_only_adds_context():
    write_config('[hooks]\nmode = "advise"\n')
    output = json.loads(run("PreToolUse", agent_call(TRIVIAL))[1])["hookSpecificOutput"]
    assert "updatedInput" not in output and "permissionDecision" not in output
    assert 'model "haiku"' in output["additionalContext"]


def test_other_tools_are_ignored_even_if_the_matcher_let_them_through():
    call = agent_call(TRIVIAL)
    call["tool_name"] = "TaskCreate"
    assert run("PreToolUse", call) == (0, "")


# --------------------------------------------------------------------------- state and turn end


def test_session_start_and_post_tool_use_and_stop_fold_everything_into_the_ledger(tmp_path):
    run("SessionStart", {"session_id": "sess-9", "source": "startup", "model": "claude-opus-5-5"})
    assert config.read_session_model("sess-9") == "claude-opus-5-5"
    tree = tt.Tree(str(tmp_path / "claude"))
    main = tree.session("/p", "sess-9")
    # the transcript says sonnet: it wins over SessionStart (which `claude -p` sends without a model)
    main.response("claude-sonnet-5-5", {"input_tokens": 1000, "output_tokens": 100})
    agent = main.subagent("agent9")
    agent.response("claude-haiku-5-5", {"input_tokens": 1000, "output_tokens": 100})
    main.write()
    agent.write()
    run("PreToolUse", {**agent_call(TRIVIAL), "session_id": "sess-9", "tool_use_id": "toolu_9",
                       "transcript_path": main.path})
    run("PostToolUse", {"session_id": "sess-9", "tool_name": "Agent", "tool_use_id": "toolu_9",
                        "tool_response": {"status": "completed", "resolvedModel": "claude-haiku-5-5",
                                          "agentId": "agent9"}})
    run("Stop", {"session_id": "sess-9", "transcript_path": main.path, "stop_hook_active": False})
    with store.Ledger() as book:
        by_model = {e.model: e for e in book.entries()}
        routing = book.db.execute("select event, action, model, resolved_model, agent_id from routing "
                                  "order by ts").fetchall()
    # the main thread saved nothing; the routed subagent is priced against the main model, sonnet 5.5:
    # 1000 x $2 + 100 x $10 per 1M = $0.003, against haiku's 1000 x $0.10 + 100 x $0.50 = $0.00015
    sonnet, haiku = by_model["claude-sonnet-5-5"], by_model["claude-haiku-5-5"]
    assert sonnet.savings == 0 and sonnet.baseline_from == "own model"
    assert haiku.baseline_model == "claude-sonnet-5-5" and haiku.baseline_from == "routed"
    assert haiku.baseline_cost == pytest.approx(0.003) and haiku.savings == pytest.approx(0.00285)
    assert routing == [("pre", "set", "haiku", None, None), ("post", None, None, "claude-haiku-5-5", "agent9")]

    with store.Ledger() as book:
        report = reports.build(book, by="tier")
    assert report["routing"] == {"subagent_calls": 1, "actions": {"set": {"haiku": 1}},
                                 "resolved_tiers": {"haiku": 1}}
    assert "subagents routed by the hook: 1 (set haiku 1); ran on: haiku 1" in reports.format_table(report)
    run("Stop", {"session_id": "sess-9", "transcript_path": main.path})  # nothing new: nothing doubled
    with store.Ledger() as book:
        assert book.count() == 2 and book.db.execute("select count(*) from routing").fetchone()[0] == 2


def test_an_upgraded_subagent_shows_its_extra_cost_as_negative_savings(tmp_path):
    write_config("[hooks]\nallow_upgrade = true\n")
    tree = tt.Tree(str(tmp_path / "claude"))
    main = tree.session("/p", "sess-up")
    main.response("claude-haiku-5-5", {"input_tokens": 1000, "output_tokens": 100})
    agent = main.subagent("agentup")
    agent.response("claude-opus-5-5", {"input_tokens": 1000, "output_tokens": 100})
    main.write()
    agent.write()
    run("PreToolUse", {**agent_call(ARCHITECTURE), "session_id": "sess-up", "tool_use_id": "toolu_up",
                       "transcript_path": main.path})
    run("PostToolUse", {"session_id": "sess-up", "tool_name": "Agent", "tool_use_id": "toolu_up",
                        "tool_response": {"agentId": "agentup", "resolvedModel": "claude-opus-5-5"}})
    run("Stop", {"session_id": "sess-up", "transcript_path": main.path})
    with store.Ledger() as book:
        report = reports.build(book, by="tier")
    # opus: 1000 x $4 + 100 x $20 = $0.006; on haiku, the main model, $0.00015: $0.00585 more spent
    assert report["total"]["savings"] == pytest.approx(-0.00585)
    assert "-$0.00585" in reports.format_table(report)


def test_the_first_turn_on_an_empty_home_is_recorded_whatever_the_deadline(tmp_path, monkeypatch):
    """A new ledger is created inside the Stop hook: its deadline must not leave the turn out."""
    monkeypatch.setattr(hooks, "INGEST_SECONDS", -1.0)  # already past when the ingest starts
    write_config("[budgets]\ndaily = 0.0001\n")
    tree = tt.Tree(str(tmp_path / "claude"))
    tree.clock = int(time.time() * 1000) - 60_000  # a turn a minute ago: today, for the daily budget
    main = tree.session("/p", "sess-new")
    main.response("claude-opus-5-5", {"input_tokens": 10_000, "output_tokens": 1000})
    agent = main.subagent("late")
    agent.response("claude-haiku-5-5", {"input_tokens": 10, "output_tokens": 1})
    main.write()
    agent.write()
    assert not os.path.exists(os.path.join(os.environ["TEC_HOME"], "ledger.sqlite3"))
    run("Stop", {"session_id": "sess-new", "transcript_path": main.path})
    with store.Ledger() as book:
        assert {e.model for e in book.entries()} >= {"claude-opus-5-5"}
    [daily] = state.read_json(os.path.join(os.environ["TEC_HOME"], caps.STATUS))["budgets"]
    assert daily["level"] == "over" and daily["period"] == "daily"


def test_a_corrupt_config_or_unwritable_home_degrades_to_defaults_or_silence(tmp_path, monkeypatch):
    write_config("[hooks\nmode = ")  # invalid TOML: the hook goes on with the defaults, and says so in its log
    assert "cheaper than" in context_of(run("UserPromptSubmit", {"prompt": MEDIUM})[1])
    with open(os.path.join(os.environ["TEC_HOME"], state.ERROR_LOG)) as fh:
        assert "UserPromptSubmit ConfigError" in fh.read()
    write_config('[hooks]\nmode = "strictt"\n[routing]\nthresholds = [9, 1]\n')
    output = json.loads(run("PreToolUse", agent_call(TRIVIAL))[1])["hookSpecificOutput"]
    assert output["updatedInput"]["model"] == "haiku"  # enforce, the default, with the bundled routing
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TEC_HOME", str(blocker))
    monkeypatch.setenv("TEC_CONFIG", str(tmp_path / "absent.toml"))
    assert run("PreToolUse", agent_call(TRIVIAL))[0] == 0
    assert run("Stop", {"session_id": "x", "transcript_path": str(tmp_path / "t.jsonl")}) == (0, "")
    assert blocker.read_text() == "not a directory"


# --------------------------------------------------------------------------- processes and fuzz


def _process(event: str, stdin: bytes, env: dict) -> tuple[int, str, str, float]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, RUNNER, event], input=stdin, capture_output=True, env=env, timeout=30)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"), \
        time.perf_counter() - started


def _check_output(code: int, out: str) -> None:
    assert code == 0
    assert "Traceback" not in out
    if out:
        assert out.endswith("\n") and out.count("\n") == 1
        assert isinstance(json.loads(out), dict)


payloads = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
                 max_leaves=20).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({
        "session_id": st.one_of(st.text(max_size=40), st.none(), st.integers()),
        "prompt": st.one_of(st.text(max_size=400), st.none(), st.integers()),
        "tool_name": st.sampled_from(["Agent", "Task", "TaskCreate", "Bash", ""]),
        "tool_input": st.one_of(st.none(), st.text(max_size=20), st.fixed_dictionaries(
            {"prompt": st.one_of(st.text(max_size=300), st.none()), "description": st.text(max_size=30)},
            optional={"model": st.one_of(st.sampled_from(AGENT_MODELS), st.text(max_size=10)),
                      "subagent_type": st.text(max_size=20)})),
        "tool_response": st.one_of(st.none(), st.dictionaries(st.text(max_size=12), st.text(max_size=20))),
        "transcript_path": st.one_of(st.text(max_size=60), st.none()),
        "cwd": st.one_of(st.text(max_size=60), st.none()),
        "model": st.one_of(st.text(max_size=40), st.none(), st.dictionaries(st.text(max_size=5), st.text())),
    }).map(lambda v: json.dumps(v).encode()),
)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=st.sampled_from(EVENTS), data=payloads)
def test_fuzz_handlers_never_fail(event, data):
    """Thousands of random and malformed payloads through every handler, in-process."""
    out = io.StringIO()
    code = hooks.main(event, ROOT, stdin=io.BytesIO(data), stdout=out)
    _check_output(code, out.getvalue())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(event=st.sampled_from(EVENTS), data=payloads)
def test_fuzz_entry_scripts_as_processes(tec_home, event, data):
    """The real entry scripts: exit 0, one JSON object or nothing, no traceback, under 200 ms of work."""
    env = {**os.environ, "TEC_HOME": str(tec_home), "TEC_CONFIG": str(tec_home / "config.toml")}
    code, out, _err, seconds = _process(event, data, env)
    _check_output(code, out)
    assert seconds < 2.0  # process start included; the handlers' own bound is the in-process test


def test_each_handler_runs_well_under_200_ms():
    payload = {"session_id": "s1", "prompt": MEDIUM * 40, "tool_name": "Agent",
               "tool_input": {"prompt": ARCHITECTURE * 20, "description": "d"}, "cwd": ROOT}
    for event in EVENTS:
        run(event, payload)  # warm caches
        started = time.perf_counter()
        run(event, payload)
        assert time.perf_counter() - started < 0.2, event


def test_the_stop_entry_point_returns_at_once_and_a_detached_process_ingests(tec_home, tmp_path):
    tree = tt.Tree(str(tmp_path / "claude"))
    main = tree.session("/p", "sess-bg")
    main.response("claude-haiku-5-5", {"input_tokens": 700, "output_tokens": 70})
    main.write()
    env = {**os.environ, "TEC_HOME": str(tec_home), "TEC_CONFIG": str(tec_home / "config.toml")}
    env.pop(hooks.DETACHED_ENV, None)
    payload = json.dumps({"session_id": "sess-bg", "transcript_path": main.path,
                          "last_assistant_message": "x" * 200_000}).encode()
    code, out, _err, _seconds = _process("Stop", payload, env)
    assert (code, out) == (0, "")
    deadline = time.monotonic() + 15
    count = 0
    while time.monotonic() < deadline and count == 0:
        time.sleep(0.1)
        if os.path.exists(tec_home / "ledger.sqlite3"):
            with store.Ledger(str(tec_home / "ledger.sqlite3")) as book:
                count = book.count()
    assert count == 1


def test_a_hook_registered_twice_runs_once_per_payload():
    """Two registrations run the same hook at once on one payload: the copy that finds a live
    marker does nothing; the same payload later (its first run over) runs normally."""
    payload = json.dumps(agent_call(TRIVIAL)).encode()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert state.first_run("PreToolUse", payload)
        seen = os.path.join(os.environ["TEC_HOME"], "seen")
        marker = next(os.path.join(base, name) for base, _, names in os.walk(seen) for name in names)
        with open(marker, "w") as fh:  # as if the other copy, still running, had written it
            fh.write(str(sleeper.pid))
        assert not state.first_run("PreToolUse", payload)
        out = io.StringIO()
        hooks.main("PreToolUse", ROOT, stdin=io.StringIO(payload.decode()), stdout=out)
        assert out.getvalue() == ""  # the duplicate says nothing
        assert not os.path.exists(os.path.join(os.environ["TEC_HOME"], "routing.jsonl"))  # and records nothing
        assert state.first_run("PostToolUse", payload)  # another event is another run
        os.utime(marker, (time.time() - 10, time.time() - 10))
        assert not state.first_run("PreToolUse", payload)  # older, but its process still runs
    finally:
        sleeper.kill()
        sleeper.wait()
    assert state.first_run("PreToolUse", payload)  # that copy is gone: a later run is not a duplicate
