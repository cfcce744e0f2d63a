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
        from ..run.clients import scrub

        message = scrub(f"{type(exc).__name__}: {exc}".replace("\n", " "))[:300]
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {event} {message}\n"
        path = config.home_path(ERROR_LOG)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
    except Exception:  # the log is best effort: a hook must never fail
        pass
