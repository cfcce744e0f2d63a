"""Where tec keeps its files, the user's config file, and the one table of settings.

Every external path has an environment override, so tests and users can move it:
`TEC_HOME` (data directory: ledger, imported prices, caches, logs) and `TEC_CONFIG`
(the config file, default `$TEC_HOME/config.toml`).

The settings table, `data/settings.json`, declares every key of the `[ledger]`,
`[budgets]`, `[execution]`, `[edit]`, `[validate]` and `[hooks]` tables: its type,
default, allowed values and a one-line doc. Every reader goes through `settings()`,
and `tec config`, `tec doctor` and the rendered docs read the same table. (`[routing]`,
`[tiers]` and `[prices]` override data files; their owners check them.)

One rule for bad values: a command stops with a ConfigError that names the file,
the table, the key and what it may be; a hook never fails on config: in a hook
process (`use_defaults_for_bad_config()`, called by the hook entry point) a bad value
is replaced by its default and an unreadable config (invalid TOML, not UTF-8, too
big) counts as empty; `problems()` lists what was replaced, for `tec doctor`.

Hooks start a process per prompt, so this module imports only what Python loads
at start-up anyway; TOML is parsed only when the file changed (see `load_config`).
"""

from __future__ import annotations

import os
import sys

from .errors import ConfigError

APP_DIR = "token-efficient-coding"
KEY_VARS = {"anthropic": ("ANTHROPIC_API_KEY",), "google": ("GEMINI_API_KEY", "GOOGLE_API_KEY")}  # first set wins
MAX_CONFIG_BYTES = 1 << 20  # a bigger config is a mistake; parsing it would stall every hook

_cache: dict[str, tuple[list, dict]] = {}
_lenient = False  # a hook process: bad config falls back to the defaults
ignored: list[ConfigError] = []  # what a hook process replaced by defaults, for its error log


def use_defaults_for_bad_config() -> None:
    global _lenient
    _lenient = True


def lenient() -> bool:
    """Whether this is a hook process, where bad config means the defaults (see the module doc)."""
    return _lenient


# --------------------------------------------------------------------------- paths


def tec_home() -> str:
    """The data directory: `$TEC_HOME`, else the platform's user data directory."""
    override = os.environ.get("TEC_HOME")
    if override:
        return os.path.abspath(os.path.expanduser(override))
    home = os.path.expanduser("~")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Application Support", APP_DIR)
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(base, APP_DIR)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
    return os.path.join(base, APP_DIR)


def home_path(*parts: str) -> str:
    """A path inside `tec_home()`."""
    return os.path.join(tec_home(), *parts)


def make_dirs(directory: str) -> None:
    """`os.makedirs`, except that the data directory and folders inside it are made 0700:
    they hold spend, session and routing records that are the user's alone."""
    home = tec_home()
    if directory == home or directory.startswith(home + os.sep):
        os.makedirs(home, mode=0o700, exist_ok=True)
        os.makedirs(directory, mode=0o700, exist_ok=True)
    else:
        os.makedirs(directory, exist_ok=True)


def api_key_var(provider: str) -> str | None:
    """The name of the environment variable that holds `provider`'s key, if one is set."""
    return next((name for name in KEY_VARS[provider] if os.environ.get(name, "").strip()), None)


def config_path() -> str:
    override = os.environ.get("TEC_CONFIG")
    if override:
        return os.path.abspath(os.path.expanduser(override))
    return home_path("config.toml")


def session_file(session: object, suffix: str = "") -> str | None:
    """`$TEC_HOME/sessions/<id><suffix>`, a file about one Claude Code session; None for an
    id that is not a plain file name."""
    if not isinstance(session, str) or not session or "/" in session or "\\" in session \
            or session.startswith(".") or len(session) > 200:
        return None
    return home_path("sessions", session + suffix)


def read_session_model(session: object) -> str | None:
    """The main model SessionStart recorded for a session, if any."""
    path = session_file(session)
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read(200).strip() or None
    except OSError:
        return None


# --------------------------------------------------------------------------- the config file


def load_config() -> dict:
    """The user config as a dict; {} when there is no file.

    Hooks start a process per prompt, and the TOML parser's imports cost about
    as much as the interpreter's start-up. So the parsed config is kept as JSON
    in `$TEC_HOME/.config-cache.json`, keyed on the file's path, size and
    modification time, and the TOML parser runs only when the file changed.
    """
    path = config_path()
    try:
        st = os.stat(path)
    except OSError:
        return {}
    stamp = [path, st.st_size, st.st_mtime_ns]
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    data = _read_cache(stamp)
    if data is None:
        if st.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {st.st_size:,} bytes is too big for a config file "
                              f"(limit {MAX_CONFIG_BYTES:,})", "keep only your settings in it")
        data = _parse_toml(path)
        _write_cache(stamp, data)
    _cache[path] = (stamp, data)
    return data


def _cache_path() -> str:
    return home_path(".config-cache.json")


def _read_cache(stamp: list) -> dict | None:
    from . import fastjson

    try:
        with open(_cache_path(), encoding="utf-8") as fh:
            cached = fastjson.loads(fh.read())
    except (OSError, ValueError):
        return None
    if isinstance(cached, dict) and cached.get("stamp") == stamp and isinstance(cached.get("config"), dict):
        return cached["config"]
    return None


def _write_cache(stamp: list, data: dict) -> None:
    """Best effort: a config with values JSON cannot hold, or a read-only home, is just not cached."""
    from . import fastjson

    try:  # noqa: SIM105 - contextlib would cost every hook process its imports
        write_atomic(_cache_path(), fastjson.dumps({"stamp": stamp, "config": data}))
    except (OSError, TypeError, ValueError):
        pass


def section(name: str) -> dict:
    """One table of the config (`[routing]`, `[tiers]`, `[prices]`), checked to be a table."""
    try:
        value = load_config().get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{config_path()}: [{name}] must be a table", "see README, Configuration")
    except ConfigError as exc:
        if _lenient:
            _ignore(exc)
            return {}
        raise
    return value


def _ignore(problem: ConfigError) -> None:
    if all(p.message != problem.message for p in ignored):
        ignored.append(problem)


def _parse_toml(path: str) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", "fix the file or move it aside") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
                          "save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


# --------------------------------------------------------------------------- the settings table


def table() -> dict:
    """{section: {key: {"type", "default", "allowed"?, "doc"}}}, as declared in data/settings.json."""
    from . import bundled

    return bundled.load("settings.json")


def defaults(name: str) -> dict:
    """A table's defaults (keys whose default is null are left out)."""
    return {key: spec["default"] for key, spec in table()[name].items() if spec["default"] is not None}


def settings(name: str, *, lenient: bool = False) -> dict:
    """One table's effective settings: the defaults with the user's values checked and applied.

    A bad value or unknown key raises ConfigError; with `lenient` (hooks) it is
    replaced by the default instead (and an unreadable config counts as empty).
    """
    lenient = lenient or _lenient
    specs = table()[name]
    try:
        user = section(name)
    except ConfigError:
        if not lenient:
            raise
        user = {}
    out = defaults(name)
    for key, value in user.items():
        problem = check(name, key, value)
        if problem is None:
            out[key] = coerce(specs[key]["type"], value)
        elif not lenient:
            raise problem
        else:
            _ignore(problem)
    return out


def check(name: str, key: str, value: object) -> ConfigError | None:
    """Why `[name] key = value` is not allowed (an error to raise or report), or None."""
    where = f"{config_path()}: [{name}]"
    spec = table()[name].get(key)
    if spec is None:
        return ConfigError(f"{where} has no setting {key!r}", f"known: {', '.join(sorted(table()[name]))}")
    ok, wanted = _fits(spec, value)
    if ok:
        return None
    default = spec["default"]
    hint = f"the default is {key} = {_toml(default)}" if default is not None else f"or remove the line for no {key}"
    return ConfigError(f"{where} {key} = {_toml(value)} must be {wanted}", hint)


def problems() -> list[ConfigError]:
    """Every bad value or unknown key in the config's settings tables (for `tec doctor`)."""
    user = load_config()
    found = []
    for name in table():
        values = user.get(name, {})
        if not isinstance(values, dict):
            found.append(ConfigError(f"{config_path()}: [{name}] must be a table", "see README, Configuration"))
            continue
        found.extend(p for p in (check(name, k, v) for k, v in values.items()) if p is not None)
    return found


def _number(value: object) -> bool:
    import math

    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _fits(spec: dict, value: object) -> tuple[bool, str]:
    """(whether `value` is allowed by `spec`, what would be)."""
    kind, allowed = spec["type"], spec.get("allowed")
    if allowed is not None:
        return value in allowed, f"one of {', '.join(allowed)}"
    if kind == "bool":
        return isinstance(value, bool), "true or false"
    if kind == "number":
        return _number(value) and value >= 0, "a number >= 0"
    if kind == "count":
        return _number(value) and value >= 0 and float(value).is_integer(), "a whole number >= 0"
    if kind == "usd":
        return _number(value) and value > 0, "a USD amount above 0"
    if kind == "fraction":
        return _number(value) and 0 < value <= 1, "a fraction in (0, 1]"
    if kind == "strings":
        return isinstance(value, list) and all(isinstance(v, str) for v in value), "a list of strings"
    if kind == "tier":
        from . import vocabulary

        return value in vocabulary.tiers(), f"one of {', '.join(vocabulary.tiers())}"
    if kind == "model":
        return isinstance(value, str) and bool(value.strip()), "a tier or a model id"
    return isinstance(value, str), "a string"


def coerce(kind: str, value: object) -> object:
    if kind == "count":
        return int(value)
    if kind in ("usd", "fraction"):
        return float(value)
    return value


def _toml(value: object) -> str:
    """A value as config.toml spells it."""
    from . import fastjson

    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return fastjson.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def effective() -> list[tuple[str, str, object, str]]:
    """(table, key, value, source) for every declared setting: "default" or the config file's path.

    A value the table refuses is shown as its default, with the source saying why."""
    user = load_config()
    rows = []
    for name, specs in table().items():
        given = user.get(name) if isinstance(user.get(name), dict) else {}
        values = settings(name, lenient=True)
        for key in specs:
            if key not in given:
                source = "default"
            elif check(name, key, given[key]) is not None:
                source = f"default (the value in {config_path()} is invalid)"
            else:
                source = config_path()
            rows.append((name, key, values.get(key), source))
    return rows


# --------------------------------------------------------------------------- files


def deep_merge(base: dict, override: dict) -> dict:
    """A copy of `base` with `override` merged in; nested tables merge, other values replace."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def cached(name: str, sources: list[str], key: str, build):
    """`build()`'s value, kept in `$TEC_HOME/.<name>-cache.marshal` between processes: rebuilt
    when a source file's size or modification time, `key` or the Python version changes.
    For data a hook needs and would otherwise parse and index on every prompt."""
    import marshal

    stamp = (tuple((p, *_stat(p)) for p in sources), key, sys.version)
    store = home_path(f".{name}-cache.marshal")
    try:
        with open(store, "rb") as fh:
            stored_stamp, value = marshal.loads(fh.read())
        if stored_stamp == stamp:
            return value
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = build()
    try:  # noqa: SIM105 - contextlib would cost every hook process its imports
        write_atomic(store, marshal.dumps((stamp, value)))
    except (OSError, ValueError):  # ValueError: a value marshal cannot store
        pass
    return value


def _stat(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return None, None
    return st.st_size, st.st_mtime_ns


def write_atomic(path: str, text: str | bytes, mode: int | None = None) -> None:
    """Replace `path` with `text` so readers see the old file or the new one, never half.
    The new file gets `mode`, else the old file's mode, else 0600 (tempfile's)."""
    import contextlib
    import tempfile

    directory = os.path.dirname(path) or "."
    make_dirs(directory)
    if mode is None:
        with contextlib.suppress(OSError):
            mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(text, str):
                text = text.encode("utf-8")
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
