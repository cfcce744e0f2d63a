"""Changes to the ledger's layout, as an ordered list of named functions.

Each migration runs once, in order, inside the transaction that records its name in
the `migrations` table; a new layout is a new function at the end of the list, never
an edit of an old one. `pragma user_version` counts the ones applied, so files from
before the table existed (versions 1 to 3) carry their place in the list too.
"""

from __future__ import annotations

from ...errors import ConfigError
from . import schema


def m001_entries_files_rollup(db) -> None:
    for statement in schema.statements(schema.ENTRIES):
        db.execute(statement)


def m002_rollup_by_statement(db) -> None:
    """Version 1 added rows to the rollup by trigger and kept two more indexes."""
    for statement in ("drop trigger if exists rollup_insert", "drop index if exists entries_message",
                      "drop index if exists entries_session"):
        db.execute(statement)
    schema.rebuild_rollup(db)


def m003_routing_log(db) -> None:
    for statement in schema.statements(schema.ROUTING):
        db.execute(statement)


def m004_baselines(db) -> None:
    """Savings count only what routing moved: entries know their subagent and how their baseline
    was found, the routing log knows which subagent a decision was for, sessions their main model."""
    columns = {row[1] for row in db.execute("pragma table_info(entries)")}
    for column in ("agent_id", "baseline_from"):
        if column not in columns:
            db.execute(f"alter table entries add column {column} text")
    routing = {row[1] for row in db.execute("pragma table_info(routing)")}
    for column in ("agent_id", "main", "why"):  # the subagent; the main model's tier; why nothing was set
        if column not in routing:
            db.execute(f"alter table routing add column {column} text")
    db.execute("create index if not exists routing_tool_use on routing(tool_use_id)")
    for statement in schema.statements(schema.SESSIONS):
        db.execute(statement)


MIGRATIONS = (m001_entries_files_rollup, m002_rollup_by_statement, m003_routing_log, m004_baselines)


def pending(db) -> list:
    """The migrations this file still needs; ConfigError when it is newer than this tec.

    `pragma user_version` counts the migrations applied (they only ever run in order),
    and the `migrations` table names them; a name this tec does not know means a newer one."""
    version = db.execute("pragma user_version").fetchone()[0]
    names = {m.__name__ for m in MIGRATIONS}
    has_table = db.execute("select 1 from sqlite_master where type = 'table' and name = 'migrations'").fetchone()
    unknown = {row[0] for row in db.execute("select name from migrations")} - names if has_table else set()
    if version > len(MIGRATIONS) or unknown:
        raise ConfigError(f"the ledger has schema v{version}, newer than this tec (v{len(MIGRATIONS)})",
                          "upgrade token-efficient-coding")
    return list(MIGRATIONS[version:])


def migrate(db, now_ms: int) -> None:
    """Apply what is pending, each with its name recorded (the caller holds the write lock).
    Every migration is safe to run again, as a file whose version was set back needs."""
    todo = pending(db)
    if not todo:
        return
    db.execute("create table if not exists migrations (name text primary key, applied integer not null)")
    for migration in MIGRATIONS:  # names of what an older file had before this table existed
        if migration in todo:
            break
        db.execute("insert or ignore into migrations values (?, ?)", (migration.__name__, now_ms))
    for migration in todo:
        migration(db)
        db.execute("insert or replace into migrations values (?, ?)", (migration.__name__, now_ms))
    db.execute(f"pragma user_version = {len(MIGRATIONS)}")
