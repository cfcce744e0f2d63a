"""Installing the bundle into Claude Code, removing it again, and checking the setup.

`install` does two things for a scope (user: `~/.claude`, project: `<project>/.claude`):

1. links the bundle as a skills-directory plugin: `<scope>/skills/token-efficient-coding`
   → this checkout, which Claude Code loads with its skill and hooks/hooks.json; or,
   with `mode="settings"`, merges our hook entries into `<scope>/settings.json`
   (keeping every other key and hook, after a backup, written atomically);
2. when the interpreter lacks the SDKs, creates a private environment
   `$TEC_HOME/venv` with the package's dependencies, which `tec execute/edit/validate`
   re-launch into.

What it did is recorded in `$TEC_HOME/install.json`, so `uninstall` undoes exactly
that: it removes the link it made and only the hook entries it added. Both are
idempotent. A settings file that is not valid JSON is reported and left untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

from .. import config
from ..errors import ConfigError, InputError, TecError

NAME = "token-efficient-coding"
BUNDLE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCOPES = ("user", "project")
MODES = ("plugin", "settings")
MARK = "/hooks/run.py"  # our hook commands run <bundle>/hooks/run.py EVENT
SDK_MODULES = ("anthropic", "google.genai", "jinja2")


def scope_dir(scope: str, project: str | None = None) -> str:
    if scope == "user":
        from ..costs.transcripts import claude_dirs

        return claude_dirs()[0]
    if scope == "project":
        return os.path.join(os.path.abspath(project or os.getcwd()), ".claude")
    raise InputError(f"unknown scope {scope!r}", f"use one of: {', '.join(SCOPES)}")


def state_path() -> str:
    return os.path.join(config.tec_home(), "install.json")


def venv_python() -> str:
    return os.path.join(config.tec_home(), "venv", "bin", "python")


def _read_state() -> dict:
    try:
        with open(state_path(), encoding="utf-8") as fh:
            state = json.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{state_path()}: cannot read the install record ({exc})",
                          "remove it by hand and undo the links and hooks it lists") from None
    return state if isinstance(state, dict) else {}


def _write_state(state: dict) -> None:
    config.write_atomic(state_path(), json.dumps(state, indent=2) + "\n")


# --------------------------------------------------------------------------- hooks in settings


def our_hooks() -> dict:
    """hooks/hooks.json with `${CLAUDE_PLUGIN_ROOT}` replaced by this checkout's path."""
    with open(os.path.join(BUNDLE, "hooks", "hooks.json"), encoding="utf-8") as fh:
        text = fh.read().replace("${CLAUDE_PLUGIN_ROOT}", BUNDLE.replace("\\", "/"))
    return json.loads(text)["hooks"]


def _is_ours(handler: dict) -> bool:
    return isinstance(handler, dict) and (BUNDLE + MARK) in str(handler.get("command", ""))


def has_our_hooks(groups: object) -> bool:
    """Whether an event's matcher groups (a settings.json list) hold one of our handlers."""
    return isinstance(groups, list) and any(
        _is_ours(h) for g in groups if isinstance(g, dict) for h in g.get("hooks", []))


def merge_hooks(settings: dict, hooks: dict) -> dict:
    """`settings` with our matcher groups added to each event (once); nothing else changes."""
    merged = dict(settings)
    table = dict(merged.get("hooks") or {})
    for event, groups in hooks.items():
        existing = list(table.get(event) or [])
        table[event] = existing if has_our_hooks(existing) else existing + groups
    merged["hooks"] = table
    return merged


def remove_hooks(settings: dict) -> dict:
    """`settings` without our hook handlers (and without groups or events left empty by that)."""
    out = dict(settings)
    table = {}
    for event, groups in (settings.get("hooks") or {}).items():
        kept = []
        for group in groups if isinstance(groups, list) else []:
            if not isinstance(group, dict):
                kept.append(group)
                continue
            handlers = [h for h in group.get("hooks", []) if not _is_ours(h)]
            if handlers or not group.get("hooks"):
                kept.append({**group, "hooks": handlers})
        if kept:
            table[event] = kept
    if table:
        out["hooks"] = table
    else:
        out.pop("hooks", None)
    return out


def load_settings(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); left untouched",
                          "fix the file, then run the command again") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} does not hold a JSON object; left untouched", "fix the file first")
    return data


def _save_settings(path: str, data: dict) -> str | None:
    """Write atomically after copying the old file aside; returns the backup path."""
    backup = None
    if os.path.exists(path):
        backup = f"{path}.tec-backup-{time.strftime('%Y%m%d-%H%M%S')}"
        n = 1
        while os.path.exists(backup):
            backup = f"{path}.tec-backup-{time.strftime('%Y%m%d-%H%M%S')}.{n}"
            n += 1
        shutil.copy2(path, backup)
    config.write_atomic(path, json.dumps(data, indent=2) + "\n")
    return backup


# --------------------------------------------------------------------------- install / uninstall


def install(scope: str = "user", mode: str = "plugin", project: str | None = None, venv: bool = True) -> list[str]:
    """Set up the bundle for `scope`; returns what was done, one line each."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}", f"use one of: {', '.join(MODES)}")
    base = scope_dir(scope, project)
    state = _read_state()
    done = []
    key = f"{scope}:{base}"
    record = state.get(key, {})
    if mode == "plugin":
        done.append(_link(os.path.join(base, "skills", NAME), record))
    else:
        done.append(_merge_into(os.path.join(base, "settings.json"), record))
    state[key] = record
    _write_state(state)
    if venv:
        done.append(ensure_venv())
    return [line for line in done if line]


def _link(link: str, record: dict) -> str:
    if os.path.islink(link) and os.path.realpath(link) == os.path.realpath(BUNDLE):
        record["link"] = link
        return f"already linked: {link} -> {BUNDLE}"
    if os.path.lexists(link):
        raise TecError(f"{link} exists and is not our link", "move it aside, or install with --mode settings")
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(BUNDLE, link, target_is_directory=True)
    record["link"] = link
    return f"linked {link} -> {BUNDLE} (Claude Code loads it as {NAME}@skills-dir)"


def _merge_into(path: str, record: dict) -> str:
    current = load_settings(path)
    merged = merge_hooks(current, our_hooks())
    if merged == current:
        record["settings"] = path
        return f"hooks already in {path}"
    backup = _save_settings(path, merged)
    record["settings"] = path
    record.setdefault("backups", []).append(backup)
    return f"added our hooks to {path}" + (f" (backup: {backup})" if backup else "")


def uninstall(scope: str | None = None, project: str | None = None) -> list[str]:
    """Undo what `install` recorded (for one scope, or all); returns what was done."""
    state = _read_state()
    done = []
    for key in list(state):
        if scope is not None and key != f"{scope}:{scope_dir(scope, project)}":
            continue
        record = state.pop(key)
        link = record.get("link")
        if link and os.path.islink(link) and os.path.realpath(link) == os.path.realpath(BUNDLE):
            os.unlink(link)
            done.append(f"removed {link}")
        path = record.get("settings")
        if path and os.path.exists(path):
            current = load_settings(path)
            cleaned = remove_hooks(current)
            if cleaned != current:
                backup = _save_settings(path, cleaned)
                done.append(f"removed our hooks from {path} (backup: {backup})")
    _write_state(state)
    return done or ["nothing to undo"]


# --------------------------------------------------------------------------- private environment


def sdks_missing(python: str = sys.executable) -> list[str]:
    code = ("import importlib.util as u, sys; "
            f"print(','.join(m for m in {SDK_MODULES!r} if u.find_spec(m.split('.')[0]) is None "
            "or (m == 'google.genai' and u.find_spec(m) is None)))")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return [m for m in out.stdout.strip().split(",") if m] if out.returncode == 0 else list(SDK_MODULES)


def ensure_venv() -> str | None:
    """Create `$TEC_HOME/venv` with the dependencies, unless this interpreter has them."""
    if not sdks_missing():
        return None
    python = venv_python()
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", os.path.dirname(os.path.dirname(python))], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements()],
                   check=True)
    return f"installed the dependencies into {os.path.dirname(os.path.dirname(python))}"


def requirements() -> list[str]:
    """The package's dependencies, read from pyproject.toml (one list for pip and for us)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    with open(os.path.join(BUNDLE, "pyproject.toml"), "rb") as fh:
        return list(tomllib.load(fh)["project"]["dependencies"])


def relaunch_if_needed(argv: list[str]) -> None:
    """Run `tec` again in the private environment when this interpreter lacks the SDKs."""
    python = venv_python()
    if os.path.realpath(sys.executable) == os.path.realpath(python) or not os.path.exists(python):
        return
    import importlib.util

    if importlib.util.find_spec("anthropic") is not None:
        return
    env = {**os.environ, "PYTHONPATH": os.path.join(BUNDLE, "scripts")}
    os.execve(python, [python, "-m", "tec", *argv], env)
