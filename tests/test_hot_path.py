"""What a hook process pays for: scoring imports nothing heavy, and its caches are safe."""

import os
import shutil
import subprocess
import sys

from tec import config
from tec.routing import rules as routing_rules
from tec.routing import scoring

SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")
HEAVY = ("re", "json", "enum", "collections", "tomllib", "jinja2", "anthropic", "google")


def _modules_after(code: str, env_extra: dict) -> set[str]:
    probe = f"import sys; {code}; print(' '.join(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": SCRIPTS, **env_extra}
    out = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, check=True, env=env)
    return set(out.stdout.split())


def test_scoring_a_prompt_imports_no_heavy_module(tec_home):
    (tec_home / "config.toml").write_text('[routing]\ndefault_tier = "sonnet"\n')
    env = {"TEC_HOME": str(tec_home), "TEC_CONFIG": str(tec_home / "config.toml")}
    code = ("from tec import fastjson; from tec.routing import scoring; "
            "fastjson.loads('{\"prompt\": \"x\"}'); scoring.score('fix typo')")
    _modules_after(code, env)  # the first run parses TOML and fills the caches
    loaded = _modules_after(code, env)
    assert not [m for m in HEAVY if m in loaded], sorted(m for m in HEAVY if m in loaded)


def test_config_cache_follows_the_file(tec_home):
    path = tec_home / "config.toml"
    path.write_text('[routing]\ndefault_tier = "sonnet"\n')
    assert config.load_config()["routing"]["default_tier"] == "sonnet"
    config._cache.clear()
    assert os.path.exists(config._cache_path())
    path.write_text('[routing]\ndefault_tier = "opus"\n# longer now\n')
    assert config.load_config()["routing"]["default_tier"] == "opus"


def test_corrupt_caches_are_rebuilt(tec_home):
    (tec_home / "config.toml").write_text('[routing]\ndefault_tier = "sonnet"\n')
    config.load_config()
    routing_rules.load_rules()
    for name in (".config-cache.json", ".routing-cache.marshal"):
        (tec_home / name).write_bytes(b"\x00garbage")
    config._cache.clear()
    routing_rules._rules_cache.clear()
    assert routing_rules.load_rules().default_tier == "sonnet"
    assert scoring.score("hi there").tier == "sonnet"


def test_unwritable_home_still_scores(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    monkeypatch.setenv("TEC_HOME", str(blocker))
    monkeypatch.setenv("TEC_CONFIG", str(tmp_path / "absent.toml"))
    routing_rules._rules_cache.clear()
    assert scoring.score("Fix typo in variable name").tier == "gemini-flash"
    assert blocker.read_text() == "a file where the data directory should be"


SDKS = ("anthropic", "google", "httpx2", "jinja2", "pydantic", "orjson")


def test_cli_commands_that_call_no_model_load_no_sdk(tec_home):
    """`tec --help`, `tec route` and `tec costs` must not pay for the SDKs or jinja2."""
    env = {"TEC_HOME": str(tec_home), "TEC_CONFIG": str(tec_home / "config.toml"),
           "CLAUDE_CONFIG_DIR": str(tec_home / "no-claude")}
    for argv in (["--help"], ["route", "fix the typo in README"], ["costs", "--no-ingest"], ["execute", "--help"]):
        code = f"from tec import cli; cli.main({argv!r})"
        loaded = _modules_after(code, env)
        assert not [m for m in SDKS if m in loaded], (argv, sorted(m for m in SDKS if m in loaded))


HOOK_HEAVY = (*HEAVY, "sqlite3", "subprocess", "tec.costs.store", "tec.registry", "tec.run.clients", *SDKS)


def test_the_prompt_and_subagent_hooks_import_nothing_heavy(tec_home):
    """What hooks/run.py loads for UserPromptSubmit and PreToolUse, caches warm."""
    env = {"TEC_HOME": str(tec_home), "TEC_CONFIG": str(tec_home / "config.toml")}
    (tec_home / "config.toml").write_text('[hooks]\nmode = "enforce"\n')
    payloads = {
        "UserPromptSubmit": {"session_id": "s", "prompt": "Add a retry to the HTTP client and test it"},
        "PreToolUse": {"session_id": "s", "tool_name": "Agent", "tool_use_id": "t",
                       "tool_input": {"prompt": "Fix the typo teh in README.md", "description": "d"}},
    }
    for event, payload in payloads.items():
        code = (f"import io; from tec.claude import hooks; out = io.StringIO(); "
                f"hooks.main({event!r}, None, stdin=io.StringIO({json_text(payload)!r}), stdout=out); "
                "assert out.getvalue()")
        _modules_after(code, env)  # fills the caches
        shutil.rmtree(tec_home / "seen")  # a later run of the same payload, not a second registration
        loaded = _modules_after(code, env)
        assert not [m for m in HOOK_HEAVY if m in loaded], (event, sorted(m for m in HOOK_HEAVY if m in loaded))


def json_text(value: dict) -> str:
    import json

    return json.dumps(value)
