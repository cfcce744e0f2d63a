"""`tec statusline`: the line from a payload and the hooks' status files, the script Claude Code
runs, and its settings.json entry (install, refuse, replace, uninstall byte for byte)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import write_config
from tec import config
from tec.claude import caps, install, state, statusline
from tec.costs import store
from tec.costs.entries import make_entry
from tec.errors import TecError
from test_install import ODD, settings_path, write_settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPUS = {"session_id": "s1", "model": {"id": "claude-opus-5-5", "display_name": "Opus"},
        "cost": {"total_cost_usd": 0.4231}}


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    return tmp_path / "home"


def after_a_turn(session: str = "s1", usd_input: int = 250_000) -> None:
    """A Claude Code call today and the Stop hook's bookkeeping after it."""
    store.append([make_entry("claude-code", "claude-opus-5-5", {"input": usd_input, "output": 0}, session=session)])
    with store.Ledger() as book:
        caps.after_turn(book, session, {"turn_cost": False})


def test_the_payload_cost_alone():
    assert statusline.render(OPUS) == "$0.42 session"


def test_today_against_the_daily_budget_and_the_next_prompt_hint():
    write_config("[budgets]\ndaily = 5.0\n")
    after_a_turn()  # $1.00 on opus today
    caps.remember_prompt("s1", "sonnet", 4.2)
    assert statusline.render(OPUS) == "$0.42 session · today $1.00/$5.00 · next: sonnet fits"
    cheaper_main = {**OPUS, "model": {"id": "claude-sonnet-5-5"}}
    assert "next:" not in statusline.render(cheaper_main)  # the main model already fits
    caps.remember_prompt("s1", "gemini-flash", 1.0)
    assert statusline.render(OPUS).endswith("next: haiku fits")  # flash runs as haiku inside Claude Code


def test_without_a_payload_cost_the_ledger_session_cost_and_savings_show(monkeypatch):
    after_a_turn()
    path = config.session_file("s1", caps.SESSION_STATUS)
    state.write_small(path, {**state.read_json(path), "saved": 0.25})
    line = statusline.render({"session_id": "s1"})
    assert line.startswith("$1.00 session") and "saved $0.25" in line
    assert "today $1.00" in line  # no daily budget: today's spend alone


def test_yesterdays_spend_is_not_shown_as_today():
    write_config("[budgets]\ndaily = 5.0\n")
    after_a_turn()
    tomorrow = time.time() + 86_400
    assert "today $0/$5.00" in statusline.render(OPUS, now=tomorrow)
    write_config("")
    after_a_turn()
    assert "today" not in statusline.render(OPUS, now=tomorrow)


def test_a_reached_refusing_budget_says_so():
    write_config('[budgets]\ndaily = 0.5\naction = "refuse"\n')
    after_a_turn()
    assert statusline.render(OPUS).endswith("budget reached")


@pytest.mark.parametrize("stdin", ["", "not json", "[1, 2]", '{"cost": "x", "model": 3, "session_id": ["a"]}'])
def test_the_script_never_fails_and_prints_at_most_one_line(stdin):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, statusline.SCRIPT)], input=stdin, text=True,
                          capture_output=True, timeout=60, env={**os.environ})
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.count("\n") <= 1


def test_the_script_prints_the_line(tec_home):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, statusline.SCRIPT)], input=json.dumps(OPUS),
                          text=True, capture_output=True, timeout=60, env={**os.environ})
    assert proc.stdout == "$0.42 session\n"


def test_install_adds_the_statusline_and_uninstall_restores_the_file_byte_for_byte(home):
    path = write_settings(home, '{\n  "model": "sonnet"\n}\n')
    before = Path(path).read_text(encoding="utf-8")
    lines = install.install("user", venv=False, statusline=True)
    assert any("statusLine" in line for line in lines)
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    assert statusline.is_ours(data["statusLine"], install.BUNDLE) and data["model"] == "sonnet"
    assert os.path.islink(home / ".claude" / "skills" / install.NAME)
    install.install("user", venv=False, statusline=True)  # again: nothing more, the first backup kept
    install.uninstall()
    assert Path(path).read_text(encoding="utf-8") == before
    assert not os.path.lexists(home / ".claude" / "skills" / install.NAME)


def test_someone_elses_statusline_is_kept_unless_replaced_and_comes_back(home):
    path = write_settings(home, ODD)
    with pytest.raises(TecError, match="already has a statusLine"):
        install.install("user", venv=False, statusline=True)
    assert Path(path).read_text(encoding="utf-8") == ODD
    assert not os.path.lexists(home / ".claude" / "skills" / install.NAME)  # refused before anything changed
    install.install("user", venv=False, statusline=True, replace=True)
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    assert statusline.is_ours(data["statusLine"], install.BUNDLE)
    data["theme"] = "dark"  # someone edits the file meanwhile: no byte-for-byte restore, only ours goes
    Path(path).write_text(json.dumps(data, indent="\t", ensure_ascii=False), encoding="utf-8")
    install.uninstall()
    assert json.loads(Path(path).read_text(encoding="utf-8")) == {**json.loads(ODD), "theme": "dark"}


def test_settings_mode_hooks_and_statusline_in_one_edit(home):
    path = write_settings(home, ODD)
    install.install("user", mode="settings", venv=False, statusline=True, replace=True)
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    assert install.has_our_hooks(data["hooks"]["Stop"]) and statusline.is_ours(data["statusLine"], install.BUNDLE)
    assert len(os.listdir(os.path.join(os.environ["TEC_HOME"], "backups"))) == 1
    install.uninstall()
    assert Path(path).read_text(encoding="utf-8") == ODD


def test_uninstall_finds_our_statusline_without_the_record(home, tmp_path, monkeypatch):
    install.install("user", venv=False, statusline=True)
    monkeypatch.setenv("TEC_HOME", str(tmp_path / "another-home"))
    install.uninstall()
    assert "statusLine" not in json.loads(Path(settings_path(home)).read_text(encoding="utf-8"))
