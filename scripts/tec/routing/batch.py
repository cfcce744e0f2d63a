"""Routing many tasks at once: JSON lines in, one record per line out, in order.

Large inputs are spread over worker processes (one per core), which load the rules
and the price table once each.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator

from .. import registry
from ..errors import InputError
from .recommend import route
from .rules import load_rules

PARALLEL_MIN_LINES = 1000  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 8


class BadLine(Exception):
    def __init__(self, ident: object, message: str) -> None:
        super().__init__(message)
        self.ident = ident
        self.message = message


def route_lines(lines: Iterable[str], cwd: str | None, warnings: list[str]) -> Iterator[dict]:
    """One output record per non-blank input line `{"id", "text", "context"?}`, in order; bad
    lines become `{"id", "error"}` records.

    Unpriced-model warnings are collected once into `warnings` rather than repeated per
    line. A config error stops the whole run (it is not the line's fault).
    """
    _init_worker(cwd)  # loads rules and prices here first, so a broken config fails before any output
    numbered = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or len(numbered) < PARALLEL_MIN_LINES:
        yield from _collect_warnings(map(_route_line, numbered), warnings)
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with multiprocessing.get_context(method).Pool(workers, _init_worker, (cwd,)) as pool:
        yield from _collect_warnings(pool.imap(_route_line, numbered, chunksize=128), warnings)


_worker: dict = {}


def _init_worker(cwd: str | None) -> None:
    _worker.update(cwd=cwd, rules=load_rules(), reg=registry.load_registry())


def _route_line(item: tuple[int, str]) -> dict:
    number, line = item
    try:
        ident, task, context = parse_line(line, number)
    except BadLine as bad:
        return {"id": bad.ident, "error": bad.message}
    try:
        fields = route(task, context, _worker["cwd"], _worker["rules"], _worker["reg"]).to_dict()
    except InputError as exc:  # a malformed context, as the scorer sees it
        return {"id": ident, "error": str(exc)}
    return {"id": ident, **fields}


def _collect_warnings(records: Iterable[dict], warnings: list[str]) -> Iterator[dict]:
    for record in records:
        for warning in record.get("warnings", ()):
            if warning not in warnings:
                warnings.append(warning)
        yield record


def parse_line(line: str, number: int) -> tuple[object, str, object]:
    """(id, text, context) of one input line; BadLine naming the problem otherwise."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise BadLine(str(number), f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(obj, dict):
        raise BadLine(str(number), 'a line must be a JSON object like {"id": "a", "text": "..."}')
    ident = obj.get("id")
    if ident is None:
        ident = str(number)  # ids are strings in the output, whatever the input gave
    if "text" not in obj:
        raise BadLine(ident, 'missing "text"')
    task = obj["text"]
    if not isinstance(task, str):
        raise BadLine(ident, '"text" must be a string')
    if not task.strip():
        raise BadLine(ident, '"text" is empty')
    return ident, task, obj.get("context")
