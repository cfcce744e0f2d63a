"""Where tec keeps its files, and the one user config file.

Every external path has an environment override, so tests and users can move it:
`TEC_HOME` (data directory: ledger, imported prices, error log) and `TEC_CONFIG`
(the config file, default `$TEC_HOME/config.toml`).
"""

import os
import sys

from .errors import ConfigError

APP_DIR = "token-efficient-coding"

_cache: dict[str, tuple[list, dict]] = {}


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


def session_model_path(session: str) -> str | None:
    """`$TEC_HOME/sessions/<id>`, where SessionStart keeps a session's main model id;
    None for an id that is not a plain file name."""
    if not session or "/" in session or "\\" in session or session.startswith(".") or len(session) > 200:
        return None
    return os.path.join(tec_home(), "sessions", session)


def read_session_model(session: str) -> str | None:
    path = session_model_path(session)
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read(200).strip() or None
    except OSError:
        return None


def config_path() -> str:
    override = os.environ.get("TEC_CONFIG")
    if override:
        return os.path.abspath(os.path.expanduser(override))
    return os.path.join(tec_home(), "config.toml")


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
        data = _parse_toml(path)
        _write_cache(stamp, data)
    _cache[path] = (stamp, data)
    return data


def _cache_path() -> str:
    return os.path.join(tec_home(), ".config-cache.json")


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
    value = load_config().get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{config_path()}: [{name}] must be a table", "see README, Configuration")
    return value


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
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def deep_merge(base: dict, override: dict) -> dict:
    """A copy of `base` with `override` merged in; nested tables merge, other values replace."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def write_atomic(path: str, text: str | bytes) -> None:
    """Replace `path` with `text` so readers see the old file or the new one, never half."""
    import contextlib
    import tempfile

    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(text, str):
                text = text.encode("utf-8")
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
