"""Small files the hooks keep under `$TEC_HOME`, so that the prompt and subagent hooks never
open the ledger: the routing spool, the budget status, per-session files and the error log.

Standard library and `fastjson` only: this is on the hooks' hot path.
"""

from __future__ import annotations

import os
import time

from .. import config, fastjson

SDK_STATUS = "sdk-status.json"  # written by claude.environment
ERROR_LOG = "hook-errors.log"


def spool(record: dict) -> None:
    """Append one JSON line to the routing spool with a single write (O_APPEND keeps
    concurrent lines whole); the store folds it into the ledger later."""
    _append_line(config.home_path("routing.jsonl"), fastjson.dumps(record) + "\n")


def _append_line(path: str, line: str) -> None:
    config.make_dirs(os.path.dirname(path))
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def write_small(path: str, data: dict) -> None:
    """Replace a small JSON file so readers see the old one or the new one (0600). Lighter than
    `config.write_atomic` (no tempfile, no fsync): these are caches the next turn rewrites."""
    config.make_dirs(os.path.dirname(path))
    temp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, fastjson.dumps(data).encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(temp, path)


def read_json(path: str | None) -> dict:
    """A small JSON object file; {} when it is missing, unreadable or not an object."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            found = fastjson.loads(fh.read())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def can_call(provider: str) -> bool:
    """Whether a model command for `provider` would run: its key is set and, as last checked,
    the interpreter those commands use has its SDK. Unknown means no."""
    return config.api_key_var(provider) is not None and read_json(config.home_path(SDK_STATUS)).get(provider) is True


TRANSCRIPT_TAIL = 256 << 10  # the main model is looked for in this much of the transcript's end


def main_model(payload: dict) -> str | None:
    """The session's main model: the latest main-thread response in its transcript (SessionStart
    carries none in `claude -p`), else what SessionStart recorded; None when neither says."""
    path = payload.get("transcript_path")
    found = _last_model(path) if isinstance(path, str) and path.endswith(".jsonl") else None
    return found or config.read_session_model(payload.get("session_id"))


def _last_model(path: str) -> str | None:
    """The `message.model` of the last main-thread assistant line in the file's tail (not synthetic)."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(max(0, size - TRANSCRIPT_TAIL))
            tail = fh.read()
    except OSError:
        return None
    for line in reversed(tail.split(b"\n")):
        if b'"type":"assistant"' not in line or b'"isSidechain":true' in line:
            continue
        # message.model comes before the content, whose tool inputs may hold a "model" of their own
        at = line.find(b'"model":"', max(line.find(b'"message":'), 0))
        if at < 0:
            continue
        start = at + len(b'"model":"')
        model = line[start:line.find(b'"', start)].decode("utf-8", "replace")
        if model and model != "<synthetic>":
            return model
    return None


DUPLICATE_WINDOW_S = 2.0  # the copies of a hook registered twice start within this of each other


def first_run(event: str, raw: bytes) -> bool:
    """Whether this is the only run of `event` on this exact payload. A hook registered twice (a
    plugin and settings.json) runs twice at once on the same payload: the copy that finds the
    other's marker, written by a process still alive or less than DUPLICATE_WINDOW_S ago, does
    nothing. Claude Code never sends one payload twice otherwise (each carries its prompt or
    tool-use id). Markers sit in a folder per minute; older folders are removed."""
    import zlib

    seen = config.home_path("seen")
    minute = int(time.time()) // 60
    folder = os.path.join(seen, str(minute))
    if not os.path.isdir(folder):
        config.make_dirs(folder)
        _forget_before(seen, minute - 1)
    name = f"{event}-{zlib.crc32(raw):08x}-{len(raw)}"
    earlier = os.path.join(seen, str(minute - 1), name)
    if os.path.exists(earlier) and _alive(earlier):
        return False
    marker = os.path.join(folder, name)
    for _ in range(2):
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if _alive(marker):
                return False
            try:  # noqa: SIM105 - a finished run's marker: take its place (contextlib costs hooks an import)
                os.unlink(marker)
            except OSError:
                pass
            continue
        except OSError:
            return True  # no marker possible (a read-only home): run, as without the check
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        return True
    return False


def _alive(marker: str) -> bool:
    """Whether the run that wrote `marker` is still running, or started moments ago."""
    try:
        if time.time() - os.stat(marker).st_mtime < DUPLICATE_WINDOW_S:
            return True
        with open(marker, "rb") as fh:
            pid = int(fh.read() or 0)
    except (OSError, ValueError):
        return False
    if pid <= 0 or pid == os.getpid():
        return pid <= 0  # a marker still being written counts as alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _forget_before(seen: str, minute: int) -> None:
    for name in os.listdir(seen):
        if name.isdigit() and int(name) < minute:
            folder = os.path.join(seen, name)
            for marker in os.listdir(folder):
                os.unlink(os.path.join(folder, marker))
            os.rmdir(folder)


def remember_session_model(session: object, model: str) -> None:
    path = config.session_file(session)
    if path:
        config.write_atomic(path, model)


def first_title(session: object, text: str) -> str | None:
    """A title from the session's first prompt (its first line, cut at 60 characters), once."""
    path = config.session_file(session, ".title")
    if path is None or os.path.exists(path):
        return None
    title = text.splitlines()[0][:60].strip()
    config.write_atomic(path, title)
    return title or None


def log_error(event: str, exc: BaseException) -> None:
    """One line in `$TEC_HOME/hook-errors.log`; silent when even that cannot be written."""
    try:
        from ..run.secrets import scrub

        message = scrub(f"{type(exc).__name__}: {exc}".replace("\n", " "))[:300]
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {event} {message}\n"
        _append_line(config.home_path(ERROR_LOG), line)
    except Exception:  # the log is best effort: a hook must never fail
        pass
