"""tec install / uninstall / doctor / config against a temporary HOME."""

from __future__ import annotations

import json
import os

import pytest

from helpers import write_config
from tec import cli
from tec.claude import doctor, install
from tec.errors import ConfigError, TecError


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    return tmp_path / "home"


def settings_path(home) -> str:
    return str(home / ".claude" / "settings.json")


def test_plugin_mode_links_the_bundle_idempotently_and_uninstall_removes_it(home):
    link = home / ".claude" / "skills" / install.NAME
    first = install.install("user", venv=False)
    assert os.path.islink(link) and os.path.realpath(link) == os.path.realpath(install.BUNDLE)
    assert "linked" in first[0]
    assert "already linked" in install.install("user", venv=False)[0]
    assert install.uninstall() == [f"removed {link}"]
    assert not os.path.lexists(link)
    assert install.uninstall() == ["nothing to undo"]


def test_plugin_mode_refuses_to_replace_something_else(home):
    taken = home / ".claude" / "skills" / install.NAME
    taken.mkdir(parents=True)
    (taken / "SKILL.md").write_text("someone else's skill")
    with pytest.raises(TecError, match="is not our link"):
        install.install("user", venv=False)
    assert (taken / "SKILL.md").read_text() == "someone else's skill"


def test_settings_mode_keeps_user_hooks_and_keys_and_backs_up(home):
    path = settings_path(home)
    os.makedirs(os.path.dirname(path))
    theirs = {"model": "sonnet", "env": {"FOO": "1"},
              "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "lint.sh"}]}]}}
    with open(path, "w") as fh:
        json.dump(theirs, fh)
    lines = install.install("user", mode="settings", venv=False)
    with open(path) as fh:
        merged = json.load(fh)
    assert merged["model"] == "sonnet" and merged["env"] == {"FOO": "1"}
    assert merged["hooks"]["PreToolUse"][0] == theirs["hooks"]["PreToolUse"][0]
    ours = [h["command"] for g in merged["hooks"]["PreToolUse"][1:] for h in g["hooks"]]
    assert ours == [f'python3 "{install.BUNDLE}/hooks/run.py" PreToolUse']
    assert set(merged["hooks"]) >= {"UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SessionStart"}
    backup = lines[0].split("backup: ")[1].rstrip(")")
    with open(backup) as fh:
        assert json.load(fh) == theirs
    assert "already" in install.install("user", mode="settings", venv=False)[0]  # idempotent
    with open(path) as fh:
        assert json.load(fh) == merged
    install.uninstall("user")
    with open(path) as fh:
        assert json.load(fh) == theirs


def test_invalid_settings_json_is_reported_and_left_untouched(home):
    path = settings_path(home)
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as fh:
        fh.write('{"hooks": {oops')
    with pytest.raises(ConfigError, match="not valid JSON"):
        install.install("user", mode="settings", venv=False)
    with open(path) as fh:
        assert fh.read() == '{"hooks": {oops'
    assert not [n for n in os.listdir(os.path.dirname(path)) if "backup" in n]


def test_project_scope(home, tmp_path, monkeypatch):
    project = tmp_path / "proj"
    project.mkdir()
    monkeypatch.chdir(project)
    install.install("project", venv=False)
    assert os.path.islink(project / ".claude" / "skills" / install.NAME)
    assert not os.path.lexists(home / ".claude" / "skills" / install.NAME)


def test_requirements_come_from_pyproject():
    reqs = install.requirements()
    assert any(r.startswith("anthropic") for r in reqs) and any(r.startswith("jinja2") for r in reqs)


def test_doctor_sees_the_install_and_the_missing_keys(home, monkeypatch, capsys):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    before = {c.name: c for c in doctor.checks()}
    assert before["hooks"].level == "warn" and "tec install" in before["hooks"].fix
    assert before["anthropic key"].level == "warn" and "ANTHROPIC_API_KEY" in before["anthropic key"].detail
    assert before["ledger"].level == "ok"
    install.install("user", venv=False)
    after = {c.name: c for c in doctor.checks()}
    assert after["hooks"].level == "ok" and "skills-dir" in after["hooks"].detail
    assert cli.main(["doctor", "--json"]) == 0
    assert {c["check"] for c in json.loads(capsys.readouterr().out)} >= {"python", "hooks", "ledger", "price table"}


def test_doctor_fails_on_a_bad_config(home, capsys):
    write_config("[budgets]\ndaily = -1\n")
    checks = {c.name: c for c in doctor.checks()}
    assert checks["config"].level == "fail" and "daily" in checks["config"].detail
    assert cli.main(["doctor"]) == 1


def test_config_shows_values_and_where_they_come_from(home, capsys):
    path = write_config('[hooks]\nmode = "strict"\n[budgets]\ndaily = 5.0\n')
    assert cli.main(["config", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["hooks"]["mode"] == {"value": "strict", "source": path}
    assert data["hooks"]["quiet"] == {"value": "normal", "source": "default"}
    assert data["budgets"]["daily"] == {"value": 5.0, "source": path}
    assert data["execution"]["top_tier"]["source"] == "default"
    assert cli.main(["config"]) == 0
    assert f'mode = "strict"    # {path}' in capsys.readouterr().out
