"""The cost ledger: one local SQLite file that every part of tec appends to.

Why SQLite rather than a JSONL file: every append is a transaction, so
concurrent writers (hooks, `tec` in a terminal, batch workers) never tear or lose
an entry and a crash leaves no partial one; budgets reserve and settle inside
the same transactions; re-costing is an update, not a rewrite; and a grouped
report over a million entries is one indexed query instead of a million JSON
parses. It is in the standard library, so hooks can write it. `tec costs export`
prints the entries as JSONL for people and other tools.

This package is the only place that holds SQL: everyone else calls the named
methods of `Ledger`, grouped by the tables they touch (this module: entries;
`files`: transcript offsets; `reservations`: budgets; `queries`: reports;
`routing`: the hooks' spool).

Location: `$TEC_LEDGER`, else `ledger.sqlite3` under `config.tec_home()`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator

from ... import config
from ...errors import ConfigError, TecError
from ...vocabulary import TOKEN_KINDS
from ..entries import COLUMNS, Entry, Pricer, now_ms
from . import migrations, schema
from .files import TranscriptFiles
from .queries import Queries
from .reservations import Reservations
from .routing import RoutingLog
from .sql import time_filter

FILE_NAME = "ledger.sqlite3"
BUSY_TIMEOUT_S = 30.0
_REQUEST = COLUMNS.index("request")


class BadRows(TecError):
    """Rows the database cannot hold (a number too large for SQLite, say); the batch was rolled back."""


def ledger_path() -> str:
    override = os.environ.get("TEC_LEDGER")
    if override:
        return os.path.abspath(os.path.expanduser(override))
    return os.path.join(config.tec_home(), FILE_NAME)


class Ledger(TranscriptFiles, Reservations, Queries, RoutingLog):
    """An open ledger. Use as a context manager; writes go through `transaction()`."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or ledger_path()
        self.db = _connect(self.path)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> _Transaction:
        """`with ledger.transaction():` holds the write lock from the first statement (BEGIN IMMEDIATE)."""
        return _Transaction(self)

    # -- writing

    def append(self, entries: Iterable[Entry]) -> int:
        """Add entries in one transaction; entries with a `request` key already present
        replace it only when their usage is larger. Returns the number of rows given."""
        rows = [entry.row() for entry in entries]
        if not rows:
            return 0
        with self.transaction():
            self.execute_many(rows)
        return len(rows)

    def execute_many(self, rows: list[tuple]) -> None:
        """Insert rows inside an open transaction (keyed rows keep the largest usage)
        and add the new ones to the rollup."""
        if not rows:
            return
        keyed = [row for row in rows if row[_REQUEST] is not None]
        plain = [row for row in rows if row[_REQUEST] is None]
        # rowids only grow while this transaction holds the write lock
        last = self.db.execute("select coalesce(max(id), 0) from entries").fetchone()[0]
        try:
            if plain:
                self.db.executemany(schema.INSERT, plain)
            if keyed:
                self.db.executemany(schema.UPSERT, keyed)  # a replaced row goes through the update trigger
        except (OverflowError, sqlite3.DataError, sqlite3.IntegrityError) as exc:
            raise BadRows(f"the ledger cannot hold these rows: {exc}") from None
        self.db.execute(schema.ADD_ENTRIES, (last,))

    def recost(self, reg=None, baseline: str | None = None) -> dict:
        """Price every entry again with `reg` (default: the current registry).

        Returns counts: entries, changed (cost or baseline differs), unpriced.
        """
        pricer = Pricer(reg)
        new_baseline = pricer.reg.resolve(baseline) if baseline else None
        changed = unpriced = 0
        with self.transaction():
            rows = self.db.execute(f"select id, model, baseline_model, cost, baseline_cost, "
                                   f"{', '.join(TOKEN_KINDS)} from entries").fetchall()
            updates = []
            for row in rows:
                base_model = new_baseline or row[2] or pricer.baseline
                cost, base, savings = pricer.costs(pricer.model(row[1])[2], base_model,
                                                   dict(zip(TOKEN_KINDS, row[5:])))
                unpriced += cost is None
                changed += (cost, base) != (row[3], row[4]) or base_model != row[2]
                updates.append((cost, base_model, base, savings, pricer.reg.date, row[0]))
            # one rollup rebuild instead of a trigger per updated entry
            self.db.execute("drop trigger rollup_update")
            self.db.executemany("update entries set cost = ?, baseline_model = ?, baseline_cost = ?, "
                                "savings = ?, prices = ? where id = ?", updates)
            schema.rebuild_rollup(self.db)
            self.db.execute(schema.UPDATE_TRIGGER)
        return {"entries": len(rows), "changed": changed, "unpriced": unpriced, "prices": pricer.reg.date}

    # -- reading

    def entries(self, since: int | None = None, until: int | None = None) -> Iterator[Entry]:
        clause, params = time_filter(since, until)
        cursor = self.db.execute(f"select {', '.join(COLUMNS)} from entries {clause} order by ts, id", params)
        for row in cursor:
            yield Entry.from_row(row)

    def count(self) -> int:
        return self.db.execute("select count(*) from entries").fetchone()[0]

    def check_writable(self) -> None:
        """Take and release the write lock (what `tec doctor` checks)."""
        with self.transaction():
            pass


class _Transaction:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def __enter__(self) -> sqlite3.Connection:
        _guard(self.ledger.path, self.ledger.db.execute, "begin immediate")
        return self.ledger.db

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            _guard(self.ledger.path, self.ledger.db.execute, "commit")
        elif self.ledger.db.in_transaction:
            self.ledger.db.execute("rollback")


def append(entries: Iterable[Entry], path: str | None = None) -> int:
    """Open the ledger, add `entries` in one transaction, close it."""
    with Ledger(path) as ledger:
        return ledger.append(entries)


def _connect(path: str) -> sqlite3.Connection:
    _create_private(path)
    fix = f"check that {os.path.dirname(path)} is writable, or set TEC_LEDGER to another file"
    try:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise TecError(f"{path}: cannot open the ledger: {exc}", fix) from None
    try:
        _guard(path, _prepare, db)
    except BaseException:
        db.close()
        raise
    return db


def _create_private(path: str) -> None:
    """Make sure `path` is (or can become) a ledger file, created 0600: SQLite would make it
    0644, and its WAL files take the database file's mode."""
    other = "set TEC_LEDGER to a file path such as ~/ledger.sqlite3"
    if os.path.isdir(path):
        raise TecError(f"{path}: TEC_LEDGER names a directory, not a file", other)
    if os.path.exists(path) and not os.path.isfile(path):
        raise TecError(f"{path}: the ledger must be a regular file", other)
    directory = os.path.dirname(path) or "."
    try:
        config.make_dirs(directory)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError as exc:
        raise TecError(f"{path}: cannot create the ledger: {exc.strerror}",
                       f"check that {directory} is writable, or set TEC_LEDGER to another file") from None


def _prepare(db: sqlite3.Connection) -> None:
    if not migrations.pending(db):
        _tune(db)
        return
    _tune(db)
    db.execute("begin immediate")
    try:
        migrations.migrate(db, now_ms())
        db.execute("commit")
    except BaseException:
        db.execute("rollback")
        raise


def _tune(db: sqlite3.Connection) -> None:
    # WAL lets reports read while a hook writes; NORMAL sync keeps committed
    # entries across a process crash (a power loss may drop the last few).
    if db.execute("pragma journal_mode").fetchone()[0] != "wal":
        db.execute("pragma journal_mode = wal")
    db.execute("pragma synchronous = normal")


def _guard(path: str, func, *args):
    """Run a sqlite call; turn its expected failures into TecErrors that name the fix."""
    try:
        return func(*args)
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise TecError(f"{path}: the ledger stayed locked for {BUSY_TIMEOUT_S:.0f} s",
                           "another tec process is writing; try again") from None
        if "readonly" in text or "unable to open" in text or "disk" in text:
            raise TecError(f"{path}: cannot write the ledger: {text}",
                           "check free space and permissions, or set TEC_LEDGER") from None
        raise TecError(f"{path}: ledger error: {text}") from None
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"{path}: not a usable ledger ({exc})",
                          "move the file aside; `tec costs ingest` rebuilds Claude Code history") from None
