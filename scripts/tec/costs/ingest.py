"""Claude Code transcripts → ledger entries, one per API response, incrementally.

A sidechain copy of a main-thread response under a new request id (`/btw` side
questions replay the parent's messages) is dropped, so subagent usage counts once.
Each file's byte offset, size, inode and first bytes are kept in the ledger, so a
re-run reads only what was appended; a truncated or replaced file is read again
from the start (the keys keep that from counting twice). Lines are read in chunks,
never a whole file at once; an incomplete last line is left for the next run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields

from .entries import COLUMNS, Pricer
from .reader import MAX_WARNINGS, Batch, FileState, Parser, std_loads
from .store import BadRows

CHUNK_BYTES = 1 << 20
HEAD_BYTES = 256
PROGRESS_MIN_FILES = 5
MAX_WORKERS = 4
COMMIT_ROWS = 20_000  # responses per transaction when worker processes parse
PARALLEL_MIN_BYTES = 32 << 20  # below this, starting worker processes costs more than it saves


@dataclass
class IngestStats:
    """What one ingest run did; `to_dict()` is the JSON of `tec costs ingest --json`."""

    files: int = 0
    files_read: int = 0
    bytes: int = 0
    lines: int = 0
    responses: int = 0
    skipped: int = 0
    sidechain_repeats: int = 0
    malformed: int = 0
    bad_times: int = 0  # responses whose timestamp could not be read (the file's time is used)
    incomplete: int = 0
    cost_states: int = 0
    restarted: int = 0
    elapsed_ms: float = 0.0
    timed_out: bool = False
    warnings: list = field(default_factory=list)

    def warn(self, text: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(text)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# --------------------------------------------------------------------------- ingesting


def ingest(
    files: Iterable[str],
    book,
    *,
    deadline: float | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    workers: int | None = None,
) -> IngestStats:
    """Read what is new in each file into `book`.

    With a `deadline` (a `time.monotonic()` value) it stops between chunks once the
    deadline has passed, keeping what was read; the first file with anything new is read
    to its end (for a turn-end hook, whose first file is the main transcript: the turn is
    in before a budget looks), so every call makes progress. Without a deadline, when there is a lot to
    read (a first run), files are parsed by `workers` processes (default: the CPUs
    plus one, at most 4) and written here in file order.
    """
    started = time.monotonic()
    stats = IngestStats()
    files = list(files)
    stats.files = len(files)
    pricer = Pricer()
    plans = []
    for path in files:
        plan = _plan(book, path, stats)
        if plan is not None:
            plans.append(plan)
    # one more worker than CPUs: this process spends much of its time waiting on them
    workers = workers or min((os.cpu_count() or 1) + 1, MAX_WORKERS)
    backlog = sum(plan.size - plan.state.offset for plan in plans)
    if deadline is None and workers > 1 and len(plans) > 1 and backlog >= PARALLEL_MIN_BYTES \
            and (os.cpu_count() or 1) > 1:
        _ingest_parallel(plans, book, stats, workers, progress)
    else:
        first = plans[0].path if plans else None
        for number, plan in enumerate(plans, 1):
            if deadline is not None and plan.path != first and time.monotonic() > deadline:
                stats.timed_out = True
                break
            _ingest_file(plan, book, stats, pricer, None if plan.path == first else deadline)
            if progress is not None:
                progress(number, len(plans), stats.bytes)
    stats.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    return stats


@dataclass(slots=True)
class _Plan:
    """What to read of one file: from where, and the identity to record with it."""

    path: str
    dev: int
    ino: int
    size: int
    mtime_ns: int
    head: bytes
    state: FileState
    stored_offset: int | None  # the ledger's offset for this file when we looked


def _plan(book, path: str, stats: IngestStats) -> _Plan | None:
    """None when the file is unchanged since the last run (or unreadable: a warning)."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            row = book.file_state(path)
            if row and (row[0], row[1], row[2], row[3]) == (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns):
                return None
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        stats.warn(f"{path}: cannot read: {exc.strerror}")
        return None
    state = FileState()
    if row:
        old = FileState(row[4], row[5], row[6] or b"", row[7])
        same_file = (row[0], row[1]) == (st.st_dev, st.st_ino) and st.st_size >= old.offset
        if same_file and head[:len(old.head)] == old.head[:len(head)]:
            state = old
        else:
            stats.restarted += 1
    return _Plan(path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, head, state, row[4] if row else None)


def _chunks(plan: _Plan, parser: Parser):
    """Feed the file from the plan's offset to `parser` a chunk at a time; yields the
    chunk's size, and finally -1 when the file ends inside a line (left for later)."""
    with open(plan.path, "rb") as fh:
        fh.seek(plan.state.offset)
        pending = b""
        while True:
            chunk = fh.read(CHUNK_BYTES)
            if not chunk:
                break
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            parser.feed(lines)
            yield len(chunk)
    if pending:
        yield -1  # a line still being written, or torn by a crash: the next run reads it


def _ingest_file(plan: _Plan, book, stats: IngestStats, pricer: Pricer,
                 deadline: float | None) -> None:
    parser = Parser(plan)
    stats.files_read += 1
    complete = True
    try:
        for size in _chunks(plan, parser):
            if size < 0:
                complete = False
                stats.incomplete += 1
                break
            stats.bytes += size
            if not _commit(book, [(plan, parser.take(pricer), False)], stats):
                return
            if deadline is not None and time.monotonic() > deadline:
                stats.timed_out = True
                return
    except OSError as exc:
        stats.warn(f"{plan.path}: cannot read: {exc.strerror}")
        return
    _commit(book, [(plan, parser.take(pricer), complete)], stats)

_worker: tuple | None = None  # (pricer, loads), set up once per worker process


def _parse_whole(plan: _Plan) -> tuple:
    """In a worker process: parse and price what is new in one file. Workers parse
    with orjson when it is installed (about 2.5x faster on transcript lines); the
    hooks' path stays on the standard library."""
    global _worker
    if _worker is None:
        try:
            import orjson

            loads = orjson.loads
        except ImportError:
            loads = std_loads
        _worker = (Pricer(), loads)
    pricer, loads = _worker
    parser = Parser(plan, loads)
    size = complete = 0
    try:
        for n in _chunks(plan, parser):
            complete = n >= 0
            size += max(n, 0)
    except OSError as exc:
        return plan, None, 0, False, f"{plan.path}: cannot read: {exc.strerror}"
    return plan, parser.take(pricer), size, complete, None


def _ingest_parallel(plans, book, stats, workers, progress) -> None:
    """Workers parse files; this process writes their batches in file order. At most
    two files per worker are in flight, so memory stays flat however many files."""
    import collections
    import multiprocessing

    # spawn, not fork: this process holds an open SQLite connection
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pending: collections.deque = collections.deque()
        todo = iter(plans)
        for plan in todo:
            pending.append(pool.apply_async(_parse_whole, (plan,)))
            if len(pending) >= 2 * workers:
                break
        done = 0
        ready: list = []  # parsed files written together: one transaction per COMMIT_ROWS rows
        ready_rows = 0  # a running count: re-summing `ready` after every file was quadratic
        while pending:
            plan, batch, size, complete, error = pending.popleft().get()
            next_plan = next(todo, None)
            if next_plan is not None:
                pending.append(pool.apply_async(_parse_whole, (next_plan,)))
            stats.files_read += 1
            stats.bytes += size
            if error:
                stats.warn(error)
            else:
                stats.incomplete += not complete
                ready.append((plan, batch, complete))
                ready_rows += len(batch.rows)
            if ready and (not pending or ready_rows >= COMMIT_ROWS):
                _commit(book, ready, stats)
                ready = []
                ready_rows = 0
            done += 1
            if progress is not None:
                progress(done, len(plans), stats.bytes)

_SIDECHAIN = COLUMNS.index("sidechain")
_MESSAGE = COLUMNS.index("message_id")
_KEY = COLUMNS.index("request")
_TS, _SESSION, _MODEL = COLUMNS.index("ts"), COLUMNS.index("session"), COLUMNS.index("model")


def _main_models(rows: list[tuple]) -> dict[str, tuple[str, int]]:
    """session -> (model, ts) of its latest main-thread response among `rows`."""
    found: dict[str, tuple[str, int]] = {}
    for row in rows:
        if not row[_SIDECHAIN] and row[_SESSION]:
            seen = found.get(row[_SESSION])
            if seen is None or row[_TS] >= seen[1]:
                found[row[_SESSION]] = (row[_MODEL], row[_TS])
    return found


def _commit(book, items: list[tuple[_Plan, Batch, bool]], stats: IngestStats) -> bool:
    """`_write` the batches; rows the ledger cannot hold cost only their own file, which is
    reported and read again next time, never the files written with it or after it."""
    try:
        return _write(book, items, stats)
    except BadRows as exc:
        if len(items) > 1:
            return all([_commit(book, [item], stats) for item in items])
        stats.warn(f"{items[0][0].path}: not recorded ({exc.message}); it is read again next time")
        return False


def _write(book, items: list[tuple[_Plan, Batch, bool]], stats: IngestStats) -> bool:
    """Write batches, each with its file's offset after its last whole line, in one
    transaction. The flag of each item says the file ended on a whole line, so an
    unchanged size and mtime next time mean there is nothing to read. A file that
    another ingest moved on meanwhile is left to it (its rows are in); returns False
    when that happened to any.

    A sidechain copy of a main-thread response under another request id is dropped.
    The main thread's file is always read first (it sorts before its `subagents/`
    folder, and a side question can only replay what was already written), so
    checking at the sidechain copy is enough."""
    written = []  # (plan, batch, rows written): counted only once the transaction has committed
    with book.transaction():
        for plan, batch, complete in items:
            if book.stored_offset(plan.path) != plan.stored_offset:
                written.append((None, batch, 0))
                continue
            rows = [r for r in batch.rows
                    if not (r[_SIDECHAIN] and r[_MESSAGE] and book.is_sidechain_repeat(r[_MESSAGE], r[_KEY]))]
            book.execute_many(rows)
            book.note_main_models(_main_models(rows))
            book.add_cost_states(batch.cost_states)
            state = plan.state
            book.record_file(plan.path, plan.dev, plan.ino, state.offset if complete else -1, plan.mtime_ns,
                             state.offset, state.lines, plan.head, state.prompt_hash)
            written.append((plan, batch, len(rows)))
    for plan, batch, count in written:
        stats.lines += batch.lines
        stats.malformed += batch.malformed
        stats.skipped += batch.skipped
        stats.bad_times += batch.bad_times
        for warning in batch.warnings:
            stats.warn(warning)
        if plan is not None:
            stats.responses += count
            stats.sidechain_repeats += len(batch.rows) - count
            stats.cost_states += len(batch.cost_states)
            plan.stored_offset = plan.state.offset
    return all(plan is not None for plan, _, _ in written)


# --------------------------------------------------------------------------- progress


def progress_bar(stream=None) -> Callable[[int, int, int], None] | None:
    """Files done and megabytes read, on stderr when it is a terminal."""
    from ..progress import progress_bar as bar

    show = bar("files", stream, PROGRESS_MIN_FILES)
    if show is None:
        return None
    return lambda done, total, nbytes: show(done, total, f", {nbytes / 1e6:,.1f} MB")
