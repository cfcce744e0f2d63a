"""`tec doctor`: is everything in place, and what to fix."""

from __future__ import annotations

import datetime
import os
import sys
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
    return [_python(), _config(), _dependencies(), *_keys(), _hooks(), _ledger(), _prices(today)]


def _python() -> Check:
    """The interpreter hooks run on: `python3` on PATH, as hooks.json starts them."""
    import shutil
    import subprocess

    found = shutil.which("python3")
    if found is None:
        return Check("python", "fail", "no python3 on PATH: the hooks cannot start", "install Python 3.10 or newer")
    out = subprocess.run([found, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         capture_output=True, text=True, check=False).stdout.strip()
    parts = tuple(int(p) for p in out.split(".")[:2]) if out else (0, 0)
    if parts < (3, 10):
        return Check("python", "fail", f"python3 on PATH is {out or 'unusable'} ({found})",
                     "put Python 3.10 or newer first on PATH")
    return Check("python", "ok", f"python3 {out} ({found}) for hooks; tec runs on {sys.executable}")


def _config() -> Check:
    from .. import registry
    from ..routing.rules import load_rules

    try:
        config.load_config()
        for name in config.table():
            config.settings(name)
        registry.load_registry()
        load_rules()
    except TecError as exc:
        return Check("config", "fail", exc.message, exc.hint)
    path = config.config_path()
    return Check("config", "ok", path if os.path.exists(path) else f"no file at {path}: defaults")


def _dependencies() -> Check:
    from .install import sdks_missing, venv_python

    missing = sdks_missing()
    if not missing:
        return Check("dependencies", "ok", "anthropic, google-genai and jinja2 import here")
    if os.path.exists(venv_python()) and not sdks_missing(venv_python()):
        return Check("dependencies", "ok", f"in the private environment {venv_python()}")
    return Check("dependencies", "fail", f"missing: {', '.join(missing)}",
                 "run `tec install` (it creates a private environment), or pip install the package")


def _keys() -> list[Check]:
    from ..run.clients import ANTHROPIC_KEY_VARS, GEMINI_KEY_VARS

    out = []
    for provider, names in (("anthropic", ANTHROPIC_KEY_VARS), ("gemini", GEMINI_KEY_VARS)):
        found = next((n for n in names if os.environ.get(n, "").strip()), None)
        if found:
            out.append(Check(f"{provider} key", "ok", f"{found} is set"))
        else:
            out.append(Check(f"{provider} key", "warn", f"{' or '.join(names)} is not set",
                             f"export {names[0]}=... to run {provider} models (routing and costs work without)"))
    return out


def _hooks() -> Check:
    from .install import BUNDLE, NAME, has_our_hooks, load_settings, scope_dir

    places = []
    for scope in ("user", "project"):
        base = scope_dir(scope)
        link = os.path.join(base, "skills", NAME)
        if os.path.islink(link) and os.path.realpath(link) == os.path.realpath(BUNDLE):
            places.append(f"{scope} skills-dir plugin")
        try:
            hooks = load_settings(os.path.join(base, "settings.json")).get("hooks")
        except (OSError, TecError):
            hooks = None
        if isinstance(hooks, dict) and any(has_our_hooks(groups) for groups in hooks.values()):
            places.append(f"{scope} settings.json")
    installed = os.path.join(scope_dir("user"), "plugins", "installed_plugins.json")
    try:
        with open(installed, encoding="utf-8") as fh:
            if NAME in fh.read():
                places.append("marketplace plugin")
    except OSError:
        pass
    if places:
        return Check("hooks", "ok", "registered: " + ", ".join(places))
    return Check("hooks", "warn", "not registered in ~/.claude or ./.claude",
                 "run `tec install`, or `claude plugin install token-efficient-coding@<marketplace>`, "
                 "or start claude with --plugin-dir")


def _ledger() -> Check:
    from ..costs.store import Ledger, ledger_path

    try:
        with Ledger() as book:
            count = book.count()
            book.check_writable()
    except TecError as exc:
        return Check("ledger", "fail", exc.message, exc.hint)
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
