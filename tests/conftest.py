"""Shared test setup: import `tec` from scripts/, and never touch the real home."""

from __future__ import annotations

import os
import sys
import time

import pytest

SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)


@pytest.fixture(autouse=True)
def tec_home(tmp_path, monkeypatch):
    """Point TEC_HOME and TEC_CONFIG at a fresh temporary directory for every test."""
    home = tmp_path / "tec-home"
    home.mkdir()
    monkeypatch.setenv("TEC_HOME", str(home))
    monkeypatch.setenv("TEC_CONFIG", str(home / "config.toml"))
    from tec import config  # a hook run in-process switches its process to defaults-on-bad-config

    monkeypatch.setattr(config, "_lenient", False)
    monkeypatch.setattr(config, "ignored", [])
    return home


@pytest.fixture
def tz():
    """The process's local time zone for one test: UTC at first, `tz(name)` to change it,
    restored afterwards."""
    saved = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    set_zone("UTC")
    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()
