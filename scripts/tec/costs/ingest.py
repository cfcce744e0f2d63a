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

from .. import fastjson
from .entries import COLUMNS, Pricer, prompt_hash
from .transcripts import parse_time, read_response, session_of

CHUNK_BYTES = 1 << 20
HEAD_BYTES = 256
MAX_WARNINGS = 20  # malformed lines listed by path:line; the rest are only counted
PROGRESS_MIN_FILES = 5

# Cheap byte tests that decide whether a line is worth parsing: a response has a
# "usage" object; a user prompt typed by a person has string content.
_USAGE = b'"usage"'
_COST_STATE = b'"cost-state"'
_PROMPT = b'"role":"user","content":"'
PROMPT_WINDOW = 2048  # Claude Code writes the message near the start of a line
MAX_TWINS = 10_000  # request ids remembered per file to skip repeated content-block lines
MAX_WORKERS = 4
COMMIT_ROWS = 20_000  # responses per transaction when worker processes parse
PARALLEL_MIN_BYTES = 32 << 20  # below this, starting worker processes costs more than it saves
SMALL_LINE = 4096  # cost-state lines are short; long lines are not searched for one




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
    deadline has passed, keeping what was read. Without one, when there is a lot to
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
        for number, plan in enumerate(plans, 1):
            if deadline is not None and time.monotonic() > deadline:
                stats.timed_out = True
                break
            _ingest_file(plan, book, stats, pricer, deadline)
            if progress is not None:
                progress(number, len(plans), stats.bytes)
    stats.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    return stats


@dataclass(slots=True)
class _FileState:
    offset: int = 0
    lines: int = 0
    head: bytes = b""
    prompt_hash: str | None = None


@dataclass(slots=True)
class _Plan:
    """What to read of one file: from where, and the identity to record with it."""

    path: str
    dev: int
    ino: int
    size: int
    mtime_ns: int
    head: bytes
    state: _FileState
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
    state = _FileState()
    if row:
        old = _FileState(row[4], row[5], row[6] or b"", row[7])
        same_file = (row[0], row[1]) == (st.st_dev, st.st_ino) and st.st_size >= old.offset
        if same_file and head[:len(old.head)] == old.head[:len(head)]:
            state = old
        else:
            stats.restarted += 1
    return _Plan(path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, head, state, row[4] if row else None)


def _chunks(plan: _Plan, parser: _Parser):
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
    parser = _Parser(plan)
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


def _std_loads(line: bytes) -> object:
    return fastjson.loads(line.decode("utf-8"))


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
            loads = _std_loads
        _worker = (Pricer(), loads)
    pricer, loads = _worker
    parser = _Parser(plan, loads)
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
            if ready and (not pending or sum(len(item[1].rows) for item in ready) >= COMMIT_ROWS):
                _commit(book, ready, stats)
                ready = []
            done += 1
            if progress is not None:
                progress(done, len(plans), stats.bytes)


class _Parser:
    """Parses one file's complete lines: responses (deduplicated), cost-state lines, the
    last prompt's hash, malformed-line warnings. Touches no database."""

    def __init__(self, plan: _Plan, loads: Callable[[bytes], object] | None = None) -> None:
        self.path = plan.path
        self.state = plan.state
        self.loads = loads or _std_loads
        self.fallback_session = session_of(plan.path)
        self.fallback_ts = plan.mtime_ns // 1_000_000
        self.found: dict = {}
        self.plain: list = []
        self.cost_states: list = []
        self.raw_usage: dict = {}
        self.lines = self.malformed = self.skipped = 0
        self.warnings: list[str] = []

    def feed(self, lines: list[bytes]) -> None:
        state = self.state
        first = state.lines
        state.lines += len(lines)
        state.offset += sum(map(len, lines)) + len(lines)
        self.lines += len(lines)
        for number, line in enumerate(lines, first + 1):
            if _USAGE in line:
                self._response(line, number)
            elif len(line) < SMALL_LINE and _COST_STATE in line:
                self._parse(line, number)
            elif line.find(_PROMPT, 0, PROMPT_WINDOW) >= 0:
                self._prompt(line, number)
            elif (line[:1] != b"{" or line.rstrip()[-1:] != b"}") and line.strip():
                # Lines without usage are not parsed (most bytes are tool output), but
                # one that cannot be a JSON object is still worth a warning.
                self._malformed(number, "not a JSON object")

    def _response(self, line: bytes, number: int) -> None:
        # A response is written once per content block, the copies identical from
        # the usage object to the request id: parse the first, skip its twins.
        r = line.rfind(b'"requestId":"')
        u = line.rfind(b'"usage":{', 0, r) if r > 0 else -1
        twin = None
        if u > 0:
            rid = line[r + 13:line.find(b'"', r + 13)]
            twin = rid, line[u:r]
            if self.raw_usage.get(rid) == twin[1]:
                return
        self._parse(line, number)
        if twin is not None:
            if len(self.raw_usage) > MAX_TWINS:
                self.raw_usage.clear()
            self.raw_usage[twin[0]] = twin[1]

    def _load(self, line: bytes, number: int) -> dict | None:
        try:
            obj = self.loads(line)
        except ValueError:  # also UnicodeDecodeError
            try:  # orjson refuses a little that json reads (integers above 64 bits)
                obj = _std_loads(line)
            except ValueError as exc:
                self._malformed(number, f"not valid JSON: {str(exc)[:60]}")
                return None
        return obj if isinstance(obj, dict) else None

    def _malformed(self, number: int, why: str) -> None:
        self.malformed += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(f"{self.path}:{number}: skipped a malformed line ({why})")

    def _parse(self, line: bytes, number: int) -> None:
        obj = self._load(line, number)
        if obj is None:
            return
        if obj.get("type") == "cost-state":
            self._cost_state(obj)
            return
        response = read_response(obj, self.fallback_session, self.fallback_ts)
        if response is None:
            if obj.get("type") == "assistant":
                self.skipped += 1
            return
        if response.key is None:
            self.plain.append(response)
            return
        seen = self.found.get(response.key)
        if seen is None or response.total > seen.total:
            self.found[response.key] = response

    def _prompt(self, line: bytes, number: int) -> None:
        obj = self._load(line, number)
        if obj is None or obj.get("type") != "user" or obj.get("isMeta") is True:
            return
        message = obj.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str) and not content.startswith("<"):  # not a command or notification
            self.state.prompt_hash = prompt_hash(content)

    def _cost_state(self, obj: dict) -> None:
        total = obj.get("totalCostUSD")
        session = obj.get("sessionId")
        if isinstance(session, str) and isinstance(total, (int, float)):
            usage = obj.get("modelUsage")
            self.cost_states.append((session, parse_time(obj.get("timestamp")) or self.fallback_ts,
                                     float(total), fastjson.dumps(usage) if isinstance(usage, dict) else None))

    def take(self, pricer: Pricer) -> _Batch:
        """Priced rows, cost states and counters found since the last call."""
        digest = self.state.prompt_hash
        rows = [pricer.row("claude-code", r.model, r.tokens, ts=r.ts, session=r.session, project=r.project,
                           prompt_digest=digest, request=r.key, message_id=r.message_id, sidechain=r.sidechain)
                for r in (*self.found.values(), *self.plain)]
        batch = _Batch(rows, self.cost_states, self.lines, self.malformed, self.skipped, self.warnings)
        self.found, self.plain, self.cost_states, self.warnings = {}, [], [], []
        self.lines = self.malformed = self.skipped = 0
        return batch


@dataclass(slots=True)
class _Batch:
    """What a parser found in some lines, ready to write (and small to send between processes)."""

    rows: list
    cost_states: list
    lines: int
    malformed: int
    skipped: int
    warnings: list


_SIDECHAIN = COLUMNS.index("sidechain")
_MESSAGE = COLUMNS.index("message_id")
_KEY = COLUMNS.index("request")


def _commit(book, items: list[tuple[_Plan, _Batch, bool]], stats: IngestStats) -> bool:
    """Write batches, each with its file's offset after its last whole line, in one
    transaction. The flag of each item says the file ended on a whole line, so an
    unchanged size and mtime next time mean there is nothing to read. A file that
    another ingest moved on meanwhile is left to it (its rows are in); returns False
    when that happened to any.

    A sidechain copy of a main-thread response under another request id is dropped.
    The main thread's file is always read first (it sorts before its `subagents/`
    folder, and a side question can only replay what was already written), so
    checking at the sidechain copy is enough."""
    all_ours = True
    with book.transaction():
        for plan, batch, complete in items:
            stats.lines += batch.lines
            stats.malformed += batch.malformed
            stats.skipped += batch.skipped
            for warning in batch.warnings:
                stats.warn(warning)
            if book.stored_offset(plan.path) != plan.stored_offset:
                all_ours = False
                continue
            rows = [r for r in batch.rows
                    if not (r[_SIDECHAIN] and r[_MESSAGE] and book.is_sidechain_repeat(r[_MESSAGE], r[_KEY]))]
            stats.sidechain_repeats += len(batch.rows) - len(rows)
            book.execute_many(rows)
            book.add_cost_states(batch.cost_states)
            state = plan.state
            book.record_file(plan.path, plan.dev, plan.ino, state.offset if complete else -1, plan.mtime_ns,
                             state.offset, state.lines, plan.head, state.prompt_hash)
            stats.responses += len(rows)
            stats.cost_states += len(batch.cost_states)
            plan.stored_offset = state.offset
    return all_ours


# --------------------------------------------------------------------------- progress


def progress_bar(stream=None) -> Callable[[int, int, int], None] | None:
    """Files done and megabytes read, on stderr when it is a terminal."""
    from ..progress import progress_bar as bar

    show = bar("files", stream, PROGRESS_MIN_FILES)
    if show is None:
        return None
    return lambda done, total, nbytes: show(done, total, f", {nbytes / 1e6:,.1f} MB")
