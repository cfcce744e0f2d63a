"""Installing the bundle into Claude Code, and removing it again.

`install(scope, mode)`, for a scope (user: `~/.claude`, project: `<project>/.claude`):
1. provisions the interpreter model commands run on (`environment.provision`): the step that can
   fail, so it comes first, while nothing else has changed;
2. refuses when our hooks are registered already in another way: every hook would run twice;
3. links the bundle as a skills-directory plugin (`<scope>/skills/token-efficient-coding`), or
   with `mode="settings"` merges our hook entries into `<scope>/settings.json` (only our entries
   change; the original is kept in `$TEC_HOME/backups/`);
4. records what it did in `$TEC_HOME/install.json`.

`uninstall` undoes it. A settings.json nobody changed since is restored byte for byte;
otherwise only our entries go. Registrations made with another `TEC_HOME` are found too, by
looking for this checkout's link and hook commands, and what install created (the link, an
emptied `skills/` folder, its backups) is removed.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import dataclass

from .. import bundled, config
from ..errors import ConfigError, InputError, TecError
from . import environment, settings_file
from . import statusline as statusline_entry

NAME = "token-efficient-coding"
BUNDLE = bundled.PLUGIN_ROOT
SCOPES = ("user", "project")
MODES = ("plugin", "settings")
SETTINGS_FILES = ("settings.json", "settings.local.json")
RECORD_VERSION = 2
# a command that runs some checkout's hooks/run.py for one of our events: a registration of ours
HOOK_COMMAND = re.compile(r"hooks[/\\]run\.py\"?'?\s+(SessionStart|UserPromptSubmit|PreToolUse|PostToolUse|Stop"
                          r"|SubagentStop)\b")


def scope_dir(scope: str, project: str | None = None) -> str:
    if scope == "user":
        from ..costs.transcripts import claude_dirs

        return claude_dirs()[0]
    if scope == "project":
        return os.path.join(os.path.abspath(project or os.getcwd()), ".claude")
    raise InputError(f"unknown scope {scope!r}", f"use one of: {', '.join(SCOPES)}")


def state_path() -> str:
    return config.home_path("install.json")


# --------------------------------------------------------------------------- the record


def _read_record() -> dict:
    """{"version", "python", "installs": {"<scope>:<dir>": {...}}}; an older flat record is read too."""
    try:
        with open(state_path(), encoding="utf-8") as fh:
            record = json.load(fh)
    except FileNotFoundError:
        return {"version": RECORD_VERSION, "installs": {}}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{state_path()}: cannot read the install record ({exc})",
                          "remove it by hand; `tec uninstall` finds this checkout's registrations without it") from None
    if not isinstance(record, dict):
        return {"version": RECORD_VERSION, "installs": {}}
    if "installs" not in record:  # version 1: one flat object per scope
        installs = {k: v for k, v in record.items() if isinstance(v, dict)}
        for item in installs.values():
            if isinstance(item.get("settings"), str):
                item["settings"] = {"path": item["settings"]}
        record = {"version": RECORD_VERSION, "installs": installs}
    return record


def _write_record(record: dict) -> None:
    config.write_atomic(state_path(), json.dumps(record, indent=2) + "\n")


# --------------------------------------------------------------------------- registrations


@dataclass
class Registration:
    """One way our hooks are registered with Claude Code."""

    kind: str  # "skills-dir plugin", "settings hooks" or "marketplace plugin"
    where: str
    scope: str | None
    ours: bool  # it runs this checkout
    remove: str  # how a person removes it

    def describe(self) -> str:
        return f"{self.kind} {self.where}"


def registrations(project: str | None = None) -> list[Registration]:
    """Every registration of our hooks in the user and project scopes, and the marketplace install."""
    found = []
    for scope in SCOPES:
        base = scope_dir(scope, project)
        link = os.path.join(base, "skills", NAME)
        if os.path.lexists(link):
            ours = os.path.realpath(link) == os.path.realpath(BUNDLE)
            found.append(Registration("skills-dir plugin", link, scope, ours, f"tec uninstall --scope {scope}"
                                      if ours else f"remove {link}"))
        for name in SETTINGS_FILES:
            path = os.path.join(base, name)
            commands = _hook_commands(path)
            if any(HOOK_COMMAND.search(c) for c in commands):
                ours = any(BUNDLE in c for c in commands)
                found.append(Registration("settings hooks", path, scope, ours, f"tec uninstall --scope {scope}"
                                          if ours else f"remove the token-efficient-coding hooks from {path}"))
    plugins = os.path.join(scope_dir("user"), "plugins", "installed_plugins.json")
    try:
        with open(plugins, encoding="utf-8") as fh:
            installed = json.load(fh).get("plugins", {})
    except (OSError, ValueError, AttributeError):
        installed = {}
    for key in installed if isinstance(installed, dict) else ():
        if key.split("@")[0] == NAME:
            found.append(Registration("marketplace plugin", key, None, False, f"claude plugin uninstall {key}"))
    return found


def _hook_commands(path: str) -> list[str]:
    try:
        sf = settings_file.read(path)
    except ConfigError:
        return []
    hooks = sf.data.get("hooks")
    groups = [g for v in hooks.values() if isinstance(v, list) for g in v] if isinstance(hooks, dict) else []
    return [str(h.get("command", "")) + " " + " ".join(map(str, h.get("args", [])))
            for g in groups if isinstance(g, dict) for h in g.get("hooks", []) if isinstance(h, dict)]


# --------------------------------------------------------------------------- hooks in settings


def our_hooks() -> dict:
    """hooks/hooks.json with `${CLAUDE_PLUGIN_ROOT}` replaced by this checkout's path."""
    with open(os.path.join(BUNDLE, "hooks", "hooks.json"), encoding="utf-8") as fh:
        text = fh.read().replace("${CLAUDE_PLUGIN_ROOT}", BUNDLE.replace("\\", "/"))
    return json.loads(text)["hooks"]


def _is_ours(handler: dict) -> bool:
    return isinstance(handler, dict) and BUNDLE in str(handler.get("command", "")) \
        and HOOK_COMMAND.search(str(handler.get("command", ""))) is not None


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
        for group in groups:
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


# --------------------------------------------------------------------------- install


def install(scope: str = "user", mode: str = "plugin", project: str | None = None, venv: bool = True,
            sdk_only: bool = False, statusline: bool = False, replace: bool = False) -> list[str]:
    """Set up the bundle for `scope`; returns what was done, one line each. With `sdk_only`, only
    the interpreter model commands run on (for a marketplace install, which has no `tec`). With
    `statusline`, also our statusLine in `<scope>/settings.json` (someone else's only with
    `replace`); hooks registered in another way (a marketplace plugin) are then left as they are."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}", f"use one of: {', '.join(MODES)}")
    base = scope_dir(scope, project)
    target = os.path.join(base, "skills", NAME) if mode == "plugin" else os.path.join(base, "settings.json")
    settings_path = os.path.join(base, "settings.json")
    others = [] if sdk_only else [r for r in registrations(project) if r.where != target]
    if others and not statusline:
        raise TecError(f"the hooks are already registered ({others[0].describe()}): a second registration "
                       "would run every hook twice", f"remove that one first: {others[0].remove}")
    if statusline:  # refuse before anything changes
        statusline_entry.with_ours(settings_file.read(settings_path).data, BUNDLE, replace)
    record = _read_record()
    done = []
    python = None
    if venv or sdk_only:
        python, line = environment.provision()
        done.append(line or f"model commands run on {python}")
    else:
        missing = environment.sdks_missing()
        python = None if missing else sys.executable
        environment.write_status(python, missing)
    record["python"] = python
    if not sdk_only:
        item = record["installs"].setdefault(f"{scope}:{base}", {})
        hooks = mode == "settings" and not others
        if others:
            done.append(f"hooks left as they are ({others[0].describe()})")
        elif mode == "plugin":
            done.append(_link(target, item))
        if hooks or statusline:
            done.append(_edit_settings(settings_path, item, hooks=hooks, statusline=statusline, replace=replace))
    _write_record(record)
    return done


def _link(link: str, item: dict) -> str:
    if os.path.islink(link) and os.path.realpath(link) == os.path.realpath(BUNDLE):
        item["link"] = link
        return f"already linked: {link} -> {BUNDLE}"
    if os.path.lexists(link):
        raise TecError(f"{link} exists and is not our link", "move it aside, or install with --mode settings")
    skills = os.path.dirname(link)
    if not os.path.isdir(skills):
        os.makedirs(skills)
        item["created_dir"] = skills
    os.symlink(BUNDLE, link, target_is_directory=True)
    item["link"] = link
    return f"linked {link} -> {BUNDLE} (Claude Code loads it as {NAME}@skills-dir)"


def _edit_settings(path: str, item: dict, *, hooks: bool, statusline: bool, replace: bool) -> str:
    """Our hook entries and/or statusLine into settings.json, in one write. The first install's
    backup stays the one uninstall restores, however often install runs again."""
    sf = settings_file.read(path)
    settings_file.check_hooks(sf)
    merged = merge_hooks(sf.data, our_hooks()) if hooks else sf.data
    previous = None
    if statusline:
        merged, previous = statusline_entry.with_ours(merged, BUNDLE, replace)
    what = " and ".join(w for w, on in (("our hooks", hooks), ("our statusLine", statusline)) if on)
    recorded = item.get("settings") if (item.get("settings") or {}).get("path") == path else None
    if merged == sf.data:
        item.setdefault("settings", {"path": path})
        return f"{what} already in {path}"
    text = sf.render(merged)
    if recorded and recorded.get("after") == sf.digest:  # only we changed it since: keep the first backup
        backup = recorded.get("backup")
        recorded["after"] = settings_file.digest(text)
    else:
        backup = _backup(sf)
        recorded = item["settings"] = {"path": path, "backup": backup, "before": sf.digest,
                                       "after": settings_file.digest(text)}
    if statusline and previous is not None:
        recorded["statusline_previous"] = previous
    sf.write(text)
    note = "" if sf.text is None or sf.render(sf.data) == sf.text else "; its formatting was normalised"
    return f"added {what} to {path}" + (f" (original kept in {backup}{note})" if backup else "")


def _backup(sf: settings_file.SettingsFile) -> str | None:
    if sf.text is None:
        return None
    folder = config.home_path("backups")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    path = os.path.join(folder, f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{os.path.basename(sf.path)}")
    config.write_atomic(path, sf.text, mode=0o600)
    return path


# --------------------------------------------------------------------------- uninstall


def uninstall(scope: str | None = None, project: str | None = None) -> list[str]:
    """Remove this checkout's registrations (one scope, or all) and what install created."""
    record = _read_record()
    items = record["installs"]
    done = []
    settings_paths = []
    for reg in registrations(project):
        if reg.scope is None:
            done.append(f"left {reg.describe()}: remove it with `{reg.remove}`")
            continue
        if not reg.ours or (scope is not None and reg.scope != scope):
            continue
        if reg.kind == "skills-dir plugin":
            item = items.get(f"{reg.scope}:{scope_dir(reg.scope, project)}", {})
            os.unlink(reg.where)
            done.append(f"removed {reg.where}")
            created = item.get("created_dir")
            if created and os.path.isdir(created) and not os.listdir(created):
                os.rmdir(created)
                done.append(f"removed the empty {created}")
        else:
            settings_paths.append((reg.scope, reg.where))
    for each in SCOPES if scope is None else (scope,):
        path = os.path.join(scope_dir(each, project), "settings.json")
        if (each, path) not in settings_paths and _has_our_statusline(path):
            settings_paths.append((each, path))
    for each, path in settings_paths:
        item = items.get(f"{each}:{scope_dir(each, project)}", {})
        done.append(_unmerge(path, item.get("settings") or {}))
    for each in SCOPES if scope is None else (scope,):
        items.pop(f"{each}:{scope_dir(each, project)}", None)
    _write_record(record)
    return done or ["nothing to undo: no registration of this checkout found"]


def _has_our_statusline(path: str) -> bool:
    try:
        return statusline_entry.is_ours(settings_file.read(path).data.get("statusLine"), BUNDLE)
    except ConfigError:
        return False


def _unmerge(path: str, recorded: dict) -> str:
    sf = settings_file.read(path)
    backup = recorded.get("backup") if recorded.get("path") == path else None
    try:
        if backup and sf.digest == recorded.get("after") and os.path.isfile(backup):
            with open(backup, encoding="utf-8", newline="") as fh:
                sf.write(fh.read())
            return f"restored {path} as it was before install"
        if not backup and recorded.get("before") is None and sf.digest == recorded.get("after"):
            os.unlink(path)  # install created it
            return f"removed {path} (install had created it)"
        cleaned = statusline_entry.without_ours(remove_hooks(sf.data), BUNDLE, recorded.get("statusline_previous"))
        if cleaned == sf.data:
            return f"nothing of ours in {path}"
        sf.write(sf.render(cleaned))
        return f"removed our entries from {path} (it had changed since install: the rest is kept)"
    finally:
        if backup and os.path.isfile(backup):
            os.unlink(backup)
