"""tec install / uninstall / doctor / config against a temporary HOME."""

from __future__ import annotations

import json
import os

import pytest

from helpers import write_config
from tec import cli
from tec.claude import doctor, environment, install
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
    assert install.uninstall() == [f"removed {link}", f"removed the empty {link.parent}"]
    assert not os.path.lexists(link) and not os.path.exists(link.parent)  # install had made skills/
    assert install.uninstall() == ["nothing to undo: no registration of this checkout found"]


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
    backup = lines[0].split("original kept in ")[1].split(";")[0].rstrip(")")
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
    reqs = environment.requirements()
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


# --------------------------------------------------------------------------- do no harm


ODD = ('{\n\t"model": "sonnet",\n\t"statusLine": {"type": "command", "command": "~/bin/line — café"},\n'
       '\t"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]}\n}')


def write_settings(home, text: str, mode: int = 0o644) -> str:
    path = settings_path(home)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, mode)
    return path


def test_settings_keep_their_style_and_uninstall_restores_them_byte_for_byte(home):
    path = write_settings(home, ODD)
    install.install("user", mode="settings", venv=False)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert "café" in text and "\\u00e9" not in text  # non-ASCII kept as written
    assert text.startswith('{\n\t"model"')  # tabs kept
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    install.uninstall()
    with open(path, encoding="utf-8") as fh:
        assert fh.read() == ODD
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    assert not os.listdir(os.path.join(os.environ["TEC_HOME"], "backups"))  # its backup is gone too


def test_uninstall_after_someone_else_changed_the_file_removes_only_our_entries(home):
    path = write_settings(home, ODD)
    install.install("user", mode="settings", venv=False)
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    data["theme"] = "dark"
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent="\t", ensure_ascii=False)
    install.uninstall()
    with open(path, encoding="utf-8") as fh:
        after = json.load(fh)
    assert after == {**json.loads(ODD), "theme": "dark"}


def test_uninstall_finds_the_link_without_the_install_record(home, tmp_path, monkeypatch):
    install.install("user", venv=False)
    monkeypatch.setenv("TEC_HOME", str(tmp_path / "another-home"))
    assert any(line.startswith("removed ") for line in install.uninstall())
    assert not os.path.lexists(home / ".claude" / "skills" / install.NAME)


def test_a_second_registration_is_refused_and_doctor_fails_on_one(home):
    install.install("user", venv=False)
    with pytest.raises(TecError, match="already registered") as info:
        install.install("user", mode="settings", venv=False)
    assert "tec uninstall --scope user" in info.value.hint
    assert not os.path.exists(settings_path(home))
    hooks = install.our_hooks()  # the same hooks in settings.json by hand: two registrations
    write_settings(home, json.dumps({"hooks": hooks}))
    checks = {c.name: c for c in doctor.checks()}
    assert checks["hooks"].level == "fail" and "runs twice" in checks["hooks"].detail


@pytest.mark.parametrize("hooks", [{"Stop": {"a": 1}}, [], "x", {"Stop": [1]}, {"Stop": [{"hooks": "x"}]}])
def test_settings_it_does_not_understand_are_refused_and_untouched(home, hooks):
    text = json.dumps({"hooks": hooks})
    path = write_settings(home, text)
    with pytest.raises(ConfigError, match="left untouched") as info:
        install.install("user", mode="settings", venv=False)
    assert path in info.value.message and '"hooks"' in info.value.message
    with open(path) as fh:
        assert fh.read() == text


def test_non_utf8_settings_are_one_clear_error(home, capsys):
    path = settings_path(home)
    os.makedirs(os.path.dirname(path))
    with open(path, "wb") as fh:
        fh.write(b'{"model": "caf\xe9"}')
    assert cli.main(["install", "--mode", "settings", "--no-venv"]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8 text" in err and path in err and "Traceback" not in err


def test_a_failed_sdk_install_leaves_nothing_behind(home, monkeypatch, capsys):
    monkeypatch.setattr(environment, "_missing_here", lambda: ["anthropic"])
    monkeypatch.setattr(environment, "requirements", lambda: ["/nonexistent/no-such-package.whl"])
    assert cli.main(["install"]) == 2
    err = capsys.readouterr().err
    assert "nothing was installed" in err and "Traceback" not in err
    tec_home = os.environ["TEC_HOME"]
    assert not os.path.lexists(home / ".claude" / "skills" / install.NAME)
    assert not [n for n in os.listdir(tec_home) if n.startswith("venv")]
    assert not os.path.exists(os.path.join(tec_home, "install.json"))
