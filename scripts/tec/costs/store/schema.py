"""The ledger's tables and the SQL that keeps the rollup in step with the entries.

The rollup sums entries per 15-minute UTC bucket and key, so a report over a million
entries reads a few thousand rows. New entries reach it in one grouped statement per
batch (see `Ledger.execute_many`), which costs a fraction of a trigger per row;
updates and deletes go through triggers.
"""

from ...vocabulary import TOKEN_KINDS
from ..entries import COLUMNS

BUCKET_MS = 900_000  # 15 minutes: every UTC offset in use is a multiple of it

INSERT = f"insert into entries({', '.join(COLUMNS)}) values ({', '.join('?' * len(COLUMNS))})"


def _total(table: str) -> str:
    return " + ".join(f"{table}.{kind}" for kind in TOKEN_KINDS)


# An API response seen again (one transcript line per content block, or an older
# transcript's placeholder first line) keeps the row with the largest usage.
UPSERT = (
    f"{INSERT} on conflict(request) do update set "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "request")
    + f" where {_total('excluded')} > {_total('entries')}"
)

ROLLUP_KEY = ("bucket", "source", "session", "project", "model", "tier")
ROLLUP_SUMS = ("calls", "unpriced", "cost", "baseline_cost", "savings", "compared", "input", "output",
               "cache_write", "cache_read", "thinking")


def _rollup_values(row: str) -> list[str]:
    """SQL expressions for the rollup columns of row `row` (a trigger's new or old, or an alias)."""
    return [f"{row}.ts / {BUCKET_MS}", f"{row}.source", f"coalesce({row}.session, '')",
            f"coalesce({row}.project, '')", f"{row}.model", f"coalesce({row}.tier, '')",
            "1", f"{row}.cost is null", f"coalesce({row}.cost, 0)", f"coalesce({row}.baseline_cost, 0)",
            f"coalesce({row}.savings, 0)", f"case when {row}.savings is null then 0 else {row}.baseline_cost end",
            f"{row}.input", f"{row}.output", f"{row}.cache_write_5m + {row}.cache_write_1h", f"{row}.cache_read",
            f"{row}.thinking"]


ADD_NEW = (f"insert into rollup values ({', '.join(_rollup_values('new'))}) on conflict do update set "
            + ", ".join(f"{c} = {c} + excluded.{c}" for c in ROLLUP_SUMS) + ";")
_e = _rollup_values("e")
ADD_ENTRIES = (f"insert into rollup select {', '.join(_e[:len(ROLLUP_KEY)])}, "
               f"{', '.join(f'sum({v})' for v in _e[len(ROLLUP_KEY):])} from entries e where e.id > ? "
               f"group by {', '.join(_e[:len(ROLLUP_KEY)])} on conflict do update set "
               + ", ".join(f"{c} = {c} + excluded.{c}" for c in ROLLUP_SUMS))
_old = _rollup_values("old")
_SUBTRACT_OLD = ("update rollup set "
                 + ", ".join(f"{c} = {c} - ({v})" for c, v in zip(ROLLUP_SUMS, _old[len(ROLLUP_KEY):]))
                 + " where " + " and ".join(f"{k} = {v}" for k, v in zip(ROLLUP_KEY, _old)) + ";")

UPDATE_TRIGGER = (f"create trigger if not exists rollup_update after update on entries begin "
                  f"{_SUBTRACT_OLD} {ADD_NEW} end;")
DELETE_TRIGGER = f"create trigger if not exists rollup_delete after delete on entries begin {_SUBTRACT_OLD} end;"

ENTRIES = f"""
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
create table if not exists rollup (      -- entries summed per 15 minutes: reports read this
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
{DELETE_TRIGGER}
{UPDATE_TRIGGER}
create table if not exists reservations (
    id integer primary key,
    ts integer not null,
    expires integer not null,
    usd real not null,
    session text,
    label text
);
create table if not exists cost_states (
    session text primary key,
    ts integer,
    total_cost_usd real,
    model_usage text
);
"""

ROUTING = """
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
"""


SESSIONS = """
create table if not exists sessions (    -- one row per Claude Code session
    session text primary key,
    main_model text,                     -- the main thread's model, as its latest response recorded it
    main_ts integer                      -- that response's time
);
create index if not exists entries_agent on entries(agent_id) where agent_id is not null;
"""


def statements(script: str) -> list[str]:
    """Split a script on lines that end with a semicolon (a trigger, with its inner
    semicolons, is written on one line)."""
    out, current = [], []
    for line in script.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            out.append("\n".join(current))
            current = []
    return out


def rebuild_rollup(db) -> None:
    db.execute("delete from rollup")
    db.execute(ADD_ENTRIES, (0,))
