"""`tec doctor`: is everything in place, and what to fix. Every check runs, whatever the others
found: a broken config is one failed row of the list, not the end of it."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from dataclasses import dataclass

from .. import config
from ..errors import TecError

PRICE_TABLE_MAX_DAYS = 60


@dataclass
class Check:
    """One line of `tec doctor`: ok, warn or fail, what was found, and the fix."""

    name: str
    level: str
    detail: str
    fix: str | None = None

    def to_dict(self) -> dict:
        return {"check": self.name, "level": self.level, "detail": self.detail, "fix": self.fix}


def checks(today: datetime.date | None = None) -> list[Check]:
    found = []
    named = (("python", _python), ("config", _config), ("model commands", _model_commands), ("keys", _keys),
             ("hooks", _hooks), ("ledger", _ledger), ("price table", lambda: _prices(today)))
    for name, check in named:
        try:
            result = check()
        except TecError as exc:  # a check that depends on a broken part reports it
            result = Check(name, "fail", exc.message, exc.hint)
        found.extend(result if isinstance(result, list) else [result])
    return found


def _python() -> Check:
    """The interpreter hooks run on: `python3` on PATH, as hooks.json starts them."""
    found = shutil.which("python3")
    if found is None:
        return Check("python", "fail", "no python3 on PATH: the hooks cannot start", "install Python 3.10 or newer")
    out = subprocess.run([found, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         capture_output=True, text=True, check=False).stdout.strip()
    parts = tuple(int(p) for p in out.split(".")[:2]) if out else (0, 0)
    if parts < (3, 10):
        return Check("python", "fail", f"python3 on PATH is {out or 'unusable'} ({found})",
                     "put Python 3.10 or newer first on PATH")
    return Check("python", "ok", f"python3 {out} ({found}) runs the hooks and the skill's scripts")


def _config() -> Check:
    from .. import registry
    from ..routing.rules import load_rules

    problems = config.problems()
    if problems:
        rest = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Check("config", "fail", problems[0].message + rest, problems[0].hint)
    registry.load_registry()
    load_rules()
    path = config.config_path()
    return Check("config", "ok", path if os.path.exists(path) else f"no file at {path}: defaults")


def _model_commands() -> Check:
    """What Claude Code's `python3 scripts/execute.py` would run on: python3 itself, or the
    interpreter it re-launches into. Refreshes the status the prompt hook reads."""
    from . import environment

    python3 = shutil.which("python3")
    missing = environment.sdks_missing(python3) if python3 else list(environment.SDK_MODULES)
    target = python3 if not missing else next(
        (p for p in environment.candidates() if not environment.sdks_missing(p)), None)
    environment.write_status(target, [] if target else missing)
    installer = os.path.join(environment.BUNDLE, "scripts", "install.py")
    if target is None:
        return Check("model commands", "fail", f"no interpreter with the SDKs (python3 lacks {', '.join(missing)})",
                     f"run `python3 {installer} --sdk-only` (or `tec install`)")
    how = "python3 has the SDKs" if target == python3 else f"the skill's scripts re-launch into {target}"
    return Check("model commands", "ok", how)


def _keys() -> list[Check]:
    out = []
    for provider, names in config.KEY_VARS.items():
        found = config.api_key_var(provider)
        if found:
            out.append(Check(f"{provider} key", "ok", f"{found} is set"))
        else:
            out.append(Check(f"{provider} key", "warn", f"{' or '.join(names)} is not set",
                             f"export {names[0]}=... to run {provider} models (routing and costs work without)"))
    return out


def _hooks() -> Check:
    from .install import registrations

    found = registrations()
    if len(found) > 1:
        return Check("hooks", "fail", "registered more than once, so every hook runs twice: "
                     + "; ".join(r.describe() for r in found), f"keep one; remove the others, e.g. {found[-1].remove}")
    if found:
        return Check("hooks", "ok", "registered: " + found[0].describe())
    return Check("hooks", "warn", "not registered in ~/.claude or ./.claude",
                 "run `tec install`, or `claude plugin install token-efficient-coding@<marketplace>`, "
                 "or start claude with --plugin-dir")


def _ledger() -> Check:
    from ..costs.store import Ledger, ledger_path

    with Ledger() as book:
        count = book.count()
        book.check_writable()
    return Check("ledger", "ok", f"{ledger_path()} ({count:,} entries), writable")


def _prices(today: datetime.date | None) -> Check:
    from .. import registry

    date = registry.load_registry().date
    try:
        age = ((today or datetime.date.today()) - datetime.date.fromisoformat(date)).days
    except ValueError:
        return Check("price table", "warn", f"undated ({date!r})", "run `tec pricing import FILE`")
    if age > PRICE_TABLE_MAX_DAYS:
        return Check("price table", "warn", f"dated {date}, {age} days old",
                     "update the package, or run `tec pricing import model_prices_and_context_window.json`")
    return Check("price table", "ok", f"dated {date} ({age} day{'' if age == 1 else 's'} old)")
