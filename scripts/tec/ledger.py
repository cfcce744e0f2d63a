"""The cost ledger: one local SQLite file that every part of tec appends to.

Why SQLite rather than a JSONL file: every append is a transaction, so
concurrent writers (hooks, `tec` in a terminal, batch workers) never tear or lose
an entry and a crash leaves no partial one; budgets reserve and settle inside
the same transactions; re-costing is an update, not a rewrite; and a grouped
report over a million entries is one indexed query instead of a million JSON
parses. It is in the standard library, so hooks can write it. `tec costs export`
prints the entries as JSONL for people and other tools.

Location: `$TEC_LEDGER`, else `ledger.sqlite3` under `config.tec_home()`.
Prices are applied when an entry is written and the price table's date is
stored with it, so `recost()` can price history again after a price update.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator

from . import config
from .errors import ConfigError, InputError, TecError

SCHEMA_VERSION = 3  # the file's layout (pragma user_version)
ENTRY_VERSION = 1  # the exported entry's keys ("v")
FILE_NAME = "ledger.sqlite3"
TOKEN_KINDS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read", "thinking")
STATUSES = ("ok", "error")
BUSY_TIMEOUT_S = 30.0
PROMPT_HASH_CHARS = 16
DEFAULT_BASELINE = "session"  # the session's main model when known (SessionStart), else FALLBACK_BASELINE
FALLBACK_BASELINE = "opus"

_COLUMNS = ("ts", "source", "session", "project", "model", "tier", *TOKEN_KINDS, "cost", "prices",
            "baseline_model", "baseline_cost", "savings", "status", "prompt_hash", "prompt",
            "request", "message_id", "sidechain")
_INSERT = f"insert into entries({', '.join(_COLUMNS)}) values ({', '.join('?' * len(_COLUMNS))})"


def _total(table: str) -> str:
    return " + ".join(f"{table}.{kind}" for kind in TOKEN_KINDS)


# An API response seen again (one transcript line per content block, or an older
# transcript's placeholder first line) keeps the row with the largest usage.
_UPSERT = (
    f"{_INSERT} on conflict(request) do update set "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "request")
    + f" where {_total('excluded')} > {_total('entries')}"
)

BUCKET_MS = 900_000  # 15 minutes: every UTC offset in use is a multiple of it
_ROLLUP_KEY = ("bucket", "source", "session", "project", "model", "tier")
_ROLLUP_SUMS = ("calls", "unpriced", "cost", "baseline_cost", "savings", "compared", "input", "output",
                "cache_write", "cache_read", "thinking")


def _rollup_values(row: str) -> list[str]:
    """SQL expressions for the rollup columns of trigger row `row` (new or old)."""
    return [f"{row}.ts / {BUCKET_MS}", f"{row}.source", f"coalesce({row}.session, '')",
            f"coalesce({row}.project, '')", f"{row}.model", f"coalesce({row}.tier, '')",
            "1", f"{row}.cost is null", f"coalesce({row}.cost, 0)", f"coalesce({row}.baseline_cost, 0)",
            f"coalesce({row}.savings, 0)", f"case when {row}.savings is null then 0 else {row}.baseline_cost end",
            f"{row}.input", f"{row}.output", f"{row}.cache_write_5m + {row}.cache_write_1h", f"{row}.cache_read",
            f"{row}.thinking"]


_ADD_NEW = (f"insert into rollup values ({', '.join(_rollup_values('new'))}) on conflict do update set "
            + ", ".join(f"{c} = {c} + excluded.{c}" for c in _ROLLUP_SUMS) + ";")
_e = _rollup_values("e")
# New entries reach the rollup in one grouped statement per batch (see execute_many),
# which costs a fraction of a trigger per row; updates and deletes use triggers.
_ADD_ENTRIES = (f"insert into rollup select {', '.join(_e[:len(_ROLLUP_KEY)])}, "
                f"{', '.join(f'sum({v})' for v in _e[len(_ROLLUP_KEY):])} from entries e where e.id > ? "
                f"group by {', '.join(_e[:len(_ROLLUP_KEY)])} on conflict do update set "
                + ", ".join(f"{c} = {c} + excluded.{c}" for c in _ROLLUP_SUMS))
_old = _rollup_values("old")
_SUBTRACT_OLD = ("update rollup set "
                 + ", ".join(f"{c} = {c} - ({v})" for c, v in zip(_ROLLUP_SUMS, _old[len(_ROLLUP_KEY):]))
                 + " where " + " and ".join(f"{k} = {v}" for k, v in zip(_ROLLUP_KEY, _old)) + ";")

_UPDATE_TRIGGER = (f"create trigger if not exists rollup_update after update on entries begin "
                   f"{_SUBTRACT_OLD} {_ADD_NEW} end;")

_SCHEMA = f"""
create table if not exists entries (
    id integer primary key,
    ts integer not null,                 -- milliseconds since the epoch, UTC
    source text not null,                -- claude-code, execute, edit, validate, ...
    session text,
    project text,
    model text not null,
    tier text,
    {", ".join(f"{kind} integer not null default 0" for kind in TOKEN_KINDS)},
    cost real,                           -- USD, null when the model is unpriced
    prices text,                         -- date of the price table used
    baseline_model text,                 -- the counterfactual model
    baseline_cost real,                  -- the same tokens on it
    savings real,                        -- baseline_cost - cost, when both are priced
    status text not null default 'ok',
    prompt_hash text,
    prompt text,                         -- only when [ledger] store_prompts = true
    request text unique,                 -- message.id:requestId for Claude Code responses
    message_id text,
    sidechain integer not null default 0
);
create index if not exists entries_ts on entries(ts);
create table if not exists transcript_files (
    path text primary key,
    dev integer, ino integer, size integer, mtime_ns integer,
    offset integer not null,             -- bytes consumed (whole lines only)
    lines integer not null,              -- lines consumed, for line numbers in warnings
    head blob,                           -- the first bytes, to notice a replaced file
    prompt_hash text                     -- last user prompt seen, hashed
);
create table if not exists rollup (      -- entries summed per 15 minutes, kept by triggers: reports read this
    bucket integer not null,             -- ts / BUCKET_MS
    source text not null, session text not null, project text not null, model text not null,
    tier text not null,                  -- '' where the entry has none
    calls integer not null, unpriced integer not null,
    cost real not null, baseline_cost real not null, savings real not null,
    compared real not null,              -- baseline cost of the calls priced on both models
    input integer not null, output integer not null, cache_write integer not null,
    cache_read integer not null, thinking integer not null,
    primary key (bucket, source, session, project, model, tier)
) without rowid;
create trigger if not exists rollup_delete after delete on entries begin {_SUBTRACT_OLD} end;
{_UPDATE_TRIGGER}
create table if not exists reservations (
    id integer primary key,
    ts integer not null,
    expires integer not null,
    usd real not null,
    session text,
    label text
);
create table if not exists routing (     -- what the PreToolUse/PostToolUse hooks did with subagent calls
    ts integer not null,
    session text,
    tool_use_id text,
    event text not null,                 -- pre or post
    mode text, score real, recommended text, model text, explicit text, action text,
    resolved_model text                  -- from PostToolUse: the model the subagent ran on
);
create table if not exists spools (      -- bytes of the hooks' spool files already folded in
    path text primary key,
    offset integer not null
);
create table if not exists cost_states (
    session text primary key,
    ts integer,
    total_cost_usd real,
    model_usage text
);
"""


def ledger_path() -> str:
    override = os.environ.get("TEC_LEDGER")
    if override:
        return os.path.abspath(os.path.expanduser(override))
    return os.path.join(config.tec_home(), FILE_NAME)


# --------------------------------------------------------------------------- entries


class Entry:
    """One priced model call. `to_dict()` is the documented JSON of `tec costs export`."""

    __slots__ = _COLUMNS

    def __init__(self, **fields) -> None:
        for name in _COLUMNS:
            setattr(self, name, fields.pop(name, None))
        if fields:
            raise InputError(f"unknown ledger field(s): {', '.join(sorted(fields))}")

    @classmethod
    def from_row(cls, row: tuple) -> Entry:
        """An entry from a row in `_COLUMNS` order (a `Pricer.row` or a database row)."""
        return cls(**dict(zip(_COLUMNS, row)))

    def row(self) -> tuple:
        return tuple(getattr(self, name) for name in _COLUMNS)

    @property
    def tokens(self) -> dict:
        return {kind: getattr(self, kind) or 0 for kind in TOKEN_KINDS}

    def to_dict(self) -> dict:
        tokens = self.tokens
        out = {
            "v": ENTRY_VERSION,
            "time": iso_time(self.ts),
            "source": self.source,
            "session": self.session,
            "project": self.project,
            "model": self.model,
            "tier": self.tier,
            "tokens": {
                "input": tokens["input"],
                "output": tokens["output"],
                "cache_write": tokens["cache_write_5m"] + tokens["cache_write_1h"],
                "cache_write_5m": tokens["cache_write_5m"],
                "cache_write_1h": tokens["cache_write_1h"],
                "cache_read": tokens["cache_read"],
                "thinking": tokens["thinking"],
            },
            "cost": self.cost,
            "prices": self.prices,
            "baseline_model": self.baseline_model,
            "baseline_cost": self.baseline_cost,
            "savings": self.savings,
            "status": self.status,
            "prompt_hash": self.prompt_hash,
            "request": self.request,
        }
        if self.prompt is not None:
            out["prompt"] = self.prompt
        return out


def iso_time(ms: int) -> str:
    seconds, millis = divmod(int(ms), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def prompt_hash(text: str | None) -> str | None:
    if text is None:
        return None
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:PROMPT_HASH_CHARS]


def costs_settings() -> dict:
    """`[ledger]` from the user config, checked: store_prompts (bool) and baseline (tier or model id)."""
    raw = config.section("ledger")
    where = f"{config.config_path()}: [ledger]"
    store = raw.get("store_prompts", False)
    if not isinstance(store, bool):
        raise ConfigError(f"{where} store_prompts = {store!r} must be true or false")
    baseline = raw.get("baseline", DEFAULT_BASELINE)
    if not isinstance(baseline, str) or not baseline.strip():
        raise ConfigError(f"{where} baseline = {baseline!r} must be \"session\", a tier or a model id",
                          'e.g. baseline = "opus" or "claude-sonnet-5-5"')
    return {"store_prompts": store, "baseline": baseline}


def make_entry(
    source: str,
    model: str,
    tokens: dict,
    *,
    ts: int | None = None,
    session: str | None = None,
    project: str | None = None,
    tier: str | None = None,
    status: str = "ok",
    prompt: str | None = None,
    prompt_digest: str | None = None,
    baseline: str | None = None,
    request: str | None = None,
    message_id: str | None = None,
    sidechain: bool = False,
    reg=None,
    settings: dict | None = None,
) -> Entry:
    """An entry priced now with the current price table.

    `tokens` uses the registry's kinds (input, output, cache_write_5m,
    cache_write_1h, cache_read, thinking). The prompt is hashed; its text is kept
    only when the user opted in. `baseline` (a tier or model id) overrides the
    configured counterfactual model for this entry.
    """
    from . import registry

    if not isinstance(source, str) or not source:
        raise InputError("a ledger entry needs a source such as 'execute'")
    if not isinstance(model, str) or not model.strip():
        raise InputError("a ledger entry needs a model id")
    if status not in STATUSES:
        raise InputError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    counts = {kind: int(value) for kind, value in registry.token_counts(tokens).items()}
    row = Pricer(reg, settings).row(
        source, model, counts, ts=now_ms() if ts is None else int(ts), session=session, project=project,
        tier=tier, status=status, prompt=prompt, prompt_digest=prompt_digest, baseline=baseline,
        request=request, message_id=message_id, sidechain=sidechain)
    return Entry.from_row(row)


def _usd(value: float | None) -> float | None:
    """Rounded to a billionth of a dollar: exact enough, and free of float noise in exports."""
    return None if value is None else round(value, 9)


class Pricer:
    """Prices entries with one registry; each model is looked up once, so ingesting
    thousands of responses costs a dict lookup per response, not a registry search."""

    def __init__(self, reg=None, settings: dict | None = None) -> None:
        from . import registry

        self.reg = reg or registry.load_registry()
        self._price_counts = registry.price_counts
        self.settings = settings or costs_settings()
        setting = self.settings["baseline"]
        self.per_session = setting == "session"
        self.baseline = self.reg.resolve(FALLBACK_BASELINE if self.per_session else setting)
        self._models: dict[str, tuple] = {}
        self._sessions: dict[str, str] = {}

    def model(self, name: str) -> tuple:
        """(stored id, tier, price entry or None) for a model name as given."""
        found = self._models.get(name)
        if found is None:
            reg = self.reg
            stripped = name.strip()
            key = stripped.lower()
            # tier names and aliases become ids; ids are kept as reported (dated ids stay dated)
            stored = reg.resolve(stripped) if key in reg.tiers or key in reg.aliases else stripped
            found = self._models[name] = (stored, reg.tier_of(stored), reg.rates(stored))
        return found

    def session_model(self, session: str) -> str:
        """The main model SessionStart recorded for `session`, else the fallback baseline."""
        found = self._sessions.get(session)
        if found is None:
            found = config.read_session_model(session) or self.baseline
            self._sessions[session] = found = self.reg.resolve(found)
        return found

    def costs(self, rates: dict | None, baseline_model: str, counts: dict) -> tuple:
        """(cost, baseline cost, savings) in USD; None where a model is unpriced."""
        price_counts = self._price_counts
        base_rates = self.model(baseline_model)[2]
        cost = _usd(price_counts(rates, counts)) if rates is not None else None
        base = _usd(price_counts(base_rates, counts)) if base_rates is not None else None
        savings = _usd(base - cost) if cost is not None and base is not None else None
        return cost, base, savings

    def row(self, source: str, model: str, counts: dict, *, ts: int, session=None, project=None, tier=None,
            status: str = "ok", prompt=None, prompt_digest=None, baseline=None, request=None, message_id=None,
            sidechain: bool = False) -> tuple:
        """A ledger row (in `_COLUMNS` order) from checked counts: every kind an int >= 0."""
        stored, model_tier, rates = self.model(model)
        if baseline:
            baseline_model = self.reg.resolve(baseline)
        elif self.per_session and session:
            baseline_model = self.session_model(session)
        else:
            baseline_model = self.baseline
        cost, base, savings = self.costs(rates, baseline_model, counts)
        return (ts, source, session, project, stored, tier or model_tier,
                *(counts[kind] for kind in TOKEN_KINDS),
                cost, self.reg.date, baseline_model, base, savings, status,
                prompt_digest or prompt_hash(prompt), prompt if self.settings["store_prompts"] else None,
                request, message_id, int(bool(sidechain)))


# --------------------------------------------------------------------------- the file


class Ledger:
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
        keyed = [row for row in rows if row[_REQUEST] is not None]
        plain = [row for row in rows if row[_REQUEST] is None]
        if not rows:
            return
        # rowids only grow while this transaction holds the write lock
        last = self.db.execute("select coalesce(max(id), 0) from entries").fetchone()[0]
        if plain:
            self.db.executemany(_INSERT, plain)
        if keyed:
            self.db.executemany(_UPSERT, keyed)  # a replaced row goes through the update trigger
        self.db.execute(_ADD_ENTRIES, (last,))

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
            _rebuild_rollup(self.db)
            self.db.execute(_UPDATE_TRIGGER)
        return {"entries": len(rows), "changed": changed, "unpriced": unpriced, "prices": pricer.reg.date}

    # -- reading

    def entries(self, since: int | None = None, until: int | None = None) -> Iterator[Entry]:
        where, params = time_filter(since, until)
        cursor = self.db.execute(f"select {', '.join(_COLUMNS)} from entries {where} order by ts, id", params)
        for row in cursor:
            yield Entry.from_row(row)

    def count(self) -> int:
        return self.db.execute("select count(*) from entries").fetchone()[0]


_REQUEST = _COLUMNS.index("request")


class _Transaction:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def __enter__(self) -> sqlite3.Connection:
        _guard(self.ledger.path, self.ledger.db.execute, "begin immediate")
        return self.ledger.db

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            _guard(self.ledger.path, self.ledger.db.execute, "commit")
        else:
            self.ledger.db.execute("rollback")


def where(*conditions: tuple[str, object]) -> tuple[str, list]:
    """A `where` clause and its params from (sql, value) pairs; a pair whose value is
    None is left out, and a list value fills an `in (?)`."""
    clauses, params = [], []
    for sql, value in conditions:
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            clauses.append(sql.replace("(?)", f"({', '.join('?' * len(value))})"))
            params.extend(value)
        else:
            clauses.append(sql)
            params.append(value)
    return ("where " + " and ".join(clauses)) if clauses else "", params


def time_filter(since: int | None, until: int | None) -> tuple[str, list]:
    """A `where` clause on ts (milliseconds): since inclusive, until exclusive."""
    return where(("ts >= ?", None if since is None else int(since)), ("ts < ?", None if until is None else int(until)))


def append(entries: Iterable[Entry], path: str | None = None) -> int:
    """Open the ledger, add `entries` in one transaction, close it."""
    with Ledger(path) as ledger:
        return ledger.append(entries)


def _connect(path: str) -> sqlite3.Connection:
    fix = f"check that {os.path.dirname(path)} is writable, or set TEC_LEDGER to another file"
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    except OSError as exc:
        raise TecError(f"cannot create the ledger directory: {exc.strerror}", fix) from None
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


def _prepare(db: sqlite3.Connection) -> None:
    version = db.execute("pragma user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise ConfigError(f"the ledger has schema v{version}, newer than this tec (v{SCHEMA_VERSION})",
                          "upgrade token-efficient-coding")
    # WAL lets reports read while a hook writes; NORMAL sync keeps committed
    # entries across a process crash (a power loss may drop the last few).
    if db.execute("pragma journal_mode").fetchone()[0] != "wal":
        db.execute("pragma journal_mode = wal")
    db.execute("pragma synchronous = normal")
    if version < SCHEMA_VERSION:
        db.execute("begin immediate")
        try:
            for statement in _statements(_SCHEMA):
                db.execute(statement)
            if version == 1:  # v1 added rows to the rollup by trigger and indexed more
                for statement in ("drop trigger if exists rollup_insert", "drop index if exists entries_message",
                                  "drop index if exists entries_session"):
                    db.execute(statement)
                _rebuild_rollup(db)
            db.execute(f"pragma user_version = {SCHEMA_VERSION}")
            db.execute("commit")
        except BaseException:
            db.execute("rollback")
            raise


def _rebuild_rollup(db: sqlite3.Connection) -> None:
    db.execute("delete from rollup")
    db.execute(_ADD_ENTRIES, (0,))


def _statements(script: str) -> list[str]:
    """Split the schema on lines that end with a semicolon (a trigger, with its inner
    semicolons, is written on one line)."""
    out, current = [], []
    for line in script.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            out.append("\n".join(current))
            current = []
    return out


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
