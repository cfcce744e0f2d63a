"""The interpreter that model calls run on, and the SDK status the prompt hook reads.

Claude Code starts the skill's scripts with the `python3` on PATH, which seldom has the
SDKs. So a model command re-launches (`relaunch_if_needed`) into the first of these that
exists: the interpreter `tec install` recorded, `$TEC_HOME/venv`, the checkout's `.venv`.
`tec install` always records one (this interpreter when it has the SDKs, else the private
environment it builds), and writes `$TEC_HOME/sdk-status.json`, so the prompt hook can tell
whether `edit.py` would work without importing anything.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from .. import bundled, config
from ..errors import ConfigError

SDK_MODULES = ("anthropic", "google.genai", "jinja2")
PROVIDER_MODULES = {"anthropic": "anthropic", "google": "google.genai"}
BUNDLE = bundled.PLUGIN_ROOT
_PROBE = ("import importlib.util as u\n"
          "def has(m):\n"
          "    try:\n"
          "        return u.find_spec(m) is not None\n"
          "    except ImportError:\n"
          "        return False\n"
          "print(','.join(m for m in {modules!r} if not has(m)))\n")


def venv_python() -> str:
    return config.home_path("venv", "bin", "python")


def checkout_python() -> str:
    return os.path.join(BUNDLE, ".venv", "bin", "python")


def status_path() -> str:
    from .state import SDK_STATUS

    return config.home_path(SDK_STATUS)


def sdks_missing(python: str = sys.executable) -> list[str]:
    """The SDK modules `python` cannot import (all of them when it does not run)."""
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        return _missing_here()
    try:
        out = subprocess.run([python, "-c", _PROBE.format(modules=SDK_MODULES)], capture_output=True, text=True,
                             check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return list(SDK_MODULES)
    return [m for m in out.stdout.strip().split(",") if m] if out.returncode == 0 else list(SDK_MODULES)


def _missing_here() -> list[str]:
    import importlib.util

    def has(module: str) -> bool:
        try:
            return importlib.util.find_spec(module) is not None
        except ImportError:  # the parent package is missing
            return False

    return [m for m in SDK_MODULES if not has(m)]


def recorded_python() -> str | None:
    """The interpreter `tec install` recorded as having the SDKs."""
    try:
        with open(config.home_path("install.json"), encoding="utf-8") as fh:
            found = json.load(fh).get("python")
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def candidates() -> list[str]:
    """Interpreters a model command may re-launch into, best first (those that exist)."""
    found = []
    for python in (recorded_python(), venv_python(), checkout_python()):
        if python and os.path.isfile(python) and python not in found:
            found.append(python)
    return found


RELAUNCHED = "TEC_RELAUNCHED"  # set in the process a model command re-launched into: never twice


def model_python() -> str | None:
    """The interpreter a model command started as this one is would run on, or None. (A venv's
    python is a link to its base interpreter: paths are compared as written, not resolved.)"""
    if not _missing_here():
        return sys.executable
    here = os.path.abspath(sys.executable)
    return next((p for p in candidates() if os.path.abspath(p) != here), None)


def relaunch_if_needed(argv: list[str]) -> None:
    """Run `tec` again on an interpreter with the SDKs when this one lacks them."""
    target = model_python()
    if target is None or target == sys.executable or os.environ.get(RELAUNCHED):
        return
    env = {**os.environ, "PYTHONPATH": os.path.join(BUNDLE, "scripts"), RELAUNCHED: "1"}
    os.execve(target, [target, "-m", "tec", *argv], env)


def write_status(python: str | None, missing: list[str]) -> dict:
    """What the prompt hook reads: which interpreter model commands use, and which SDKs it has."""
    status = {"python": python, "missing": missing,
              **{provider: python is not None and module not in missing
                 for provider, module in PROVIDER_MODULES.items()}}
    config.write_atomic(status_path(), json.dumps(status) + "\n")
    return status


def provision() -> tuple[str, str | None]:
    """(the interpreter with the SDKs, what was done): this one when it has them, else
    `$TEC_HOME/venv`, built beside its final place and moved in only once pip succeeded,
    so a failure leaves nothing half made. ConfigError when it cannot be built."""
    if not _missing_here():
        write_status(sys.executable, [])
        return sys.executable, None
    final = os.path.dirname(os.path.dirname(venv_python()))
    if os.path.isfile(venv_python()) and not sdks_missing(venv_python()):
        write_status(venv_python(), [])
        return venv_python(), None
    building = f"{final}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    try:
        _run([sys.executable, "-m", "venv", building], "creating the private environment")
        _run([os.path.join(building, "bin", "python"), "-m", "pip", "install", "--quiet",
              "--disable-pip-version-check", *requirements()], "installing the SDKs into it")
        if os.path.exists(final):
            shutil.rmtree(final)
        os.replace(building, final)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    write_status(venv_python(), sdks_missing(venv_python()))
    return venv_python(), f"installed the SDKs into {final}"


def _run(argv: list[str], doing: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ConfigError(f"{doing} failed ({last[0][:200]}); nothing was installed",
                          "check the network and the Python installation, then run `tec install` again; or "
                          f"install the SDKs yourself: {sys.executable} -m pip install {' '.join(requirements())}")


def requirements() -> list[str]:
    """The package's dependencies, read from pyproject.toml (one list for pip and for us)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    with open(os.path.join(BUNDLE, "pyproject.toml"), "rb") as fh:
        return list(tomllib.load(fh)["project"]["dependencies"])
