"""Small files the hooks keep under `$TEC_HOME`, so that the prompt and subagent hooks never
open the ledger: the routing spool, the budget status, per-session files and the error log.

Standard library and `fastjson` only: this is on the hooks' hot path.
"""

from __future__ import annotations

import os
import time

from .. import config, fastjson

BUDGET_STATUS = "budget-status.json"
ERROR_LOG = "hook-errors.log"


def spool(record: dict) -> None:
    """Append one JSON line to the routing spool with a single write (O_APPEND keeps
    concurrent lines whole); the store folds it into the ledger later."""
    path = config.home_path("routing.jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (fastjson.dumps(record) + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def write_budget_status(states: list, action: str) -> None:
    """What the prompt hook says about budgets, precomputed so it needs no database."""
    warn = next((s for s in states if s.level == "over"), None) or next(
        (s for s in states if s.level == "warn"), None)
    over = any(s.level == "over" for s in states)
    status = {"warning": warn.describe() if warn else None, "over": over, "downgrade": over and action == "downgrade"}
    config.write_atomic(config.home_path(BUDGET_STATUS), fastjson.dumps(status))


def budget_status() -> dict:
    try:
        with open(config.home_path(BUDGET_STATUS), encoding="utf-8") as fh:
            status = fastjson.loads(fh.read())
    except (OSError, ValueError):
        return {}
    return status if isinstance(status, dict) else {}


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


def remember_session_model(session: object, model: str) -> None:
    path = config.session_file(session)
    if path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(model)


def first_title(session: object, text: str) -> str | None:
    """A title from the session's first prompt (its first line, cut at 60 characters), once."""
    path = config.session_file(session, ".title")
    if path is None or os.path.exists(path):
        return None
    title = text.splitlines()[0][:60].strip()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(title)
    return title or None


def log_error(event: str, exc: BaseException) -> None:
    """One line in `$TEC_HOME/hook-errors.log`; silent when even that cannot be written."""
    try:
        from ..run.secrets import scrub

        message = scrub(f"{type(exc).__name__}: {exc}".replace("\n", " "))[:300]
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {event} {message}\n"
        path = config.home_path(ERROR_LOG)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
    except Exception:  # the log is best effort: a hook must never fail
        pass
