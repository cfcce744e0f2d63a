"""USD budgets per day, week, month and session: checked before a call, settled after.

A caller reserves the call's worst case (input tokens × input price + max_tokens ×
output price) inside one ledger transaction that also sums what is spent and
reserved, so concurrent callers cannot overspend together; after the call it
settles: the reservation goes and the real entry comes in, in one transaction.
Reservations of a process that died expire after `RESERVATION_TTL_S`.

Periods follow the local clock: the day from midnight, the week from Monday, the
month from the 1st. Config, `[budgets]` in the user config:

    daily = 5.0          # USD; any of daily, weekly, monthly, session
    action = "warn"      # at 100%: warn, downgrade (to a cheaper tier) or refuse
    warn_at = 0.8        # fraction that gives a warning
    sources = ["execute", "edit", "validate"]   # optional: which ledger sources count
"""

from __future__ import annotations

import time

from . import config, ledger
from .errors import ConfigError, TecError

PERIODS = ("daily", "weekly", "monthly", "session")
ACTIONS = ("warn", "downgrade", "refuse")
DEFAULT_WARN_AT = 0.8
RESERVATION_TTL_S = 600


class BudgetError(TecError):
    """A call refused by a budget."""

    exit_code = 3


def settings() -> dict:
    """`[budgets]` checked: limits (period → USD), action, warn_at, sources (None: all)."""
    raw = config.section("budgets")
    where = f"{config.config_path()}: [budgets]"
    limits = {}
    for period in PERIODS:
        value = raw.get(period)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ConfigError(f"{where} {period} = {value!r} must be a USD amount above 0",
                              f"e.g. {period} = 5.0, or remove the line for no {period} budget")
        limits[period] = float(value)
    unknown = sorted(set(raw) - {*PERIODS, "action", "warn_at", "sources"})
    if unknown:
        raise ConfigError(f"{where} has unknown key(s): {', '.join(unknown)}",
                          f"use {', '.join(PERIODS)}, action, warn_at, sources")
    action = raw.get("action", "warn")
    if action not in ACTIONS:
        raise ConfigError(f"{where} action = {action!r} is not one of {', '.join(ACTIONS)}")
    warn_at = raw.get("warn_at", DEFAULT_WARN_AT)
    if isinstance(warn_at, bool) or not isinstance(warn_at, (int, float)) or not 0 < warn_at <= 1:
        raise ConfigError(f"{where} warn_at = {warn_at!r} must be a fraction in (0, 1]", "e.g. warn_at = 0.8")
    sources = raw.get("sources")
    if sources is not None and (not isinstance(sources, list) or not all(isinstance(s, str) for s in sources)):
        raise ConfigError(f"{where} sources must be a list of ledger sources", 'e.g. sources = ["execute"]')
    return {"limits": limits, "action": action, "warn_at": float(warn_at), "sources": sources}


def period_start(period: str, now: float) -> int:
    """Milliseconds at which the local day, week (Monday) or month containing `now` began."""
    t = time.localtime(now)
    day = t.tm_mday
    if period == "weekly":
        day -= t.tm_wday
    elif period == "monthly":
        day = 1
    # mktime normalises a day of 0 or less into the previous month; -1: let it find DST
    return int(time.mktime((t.tm_year, t.tm_mon, day, 0, 0, 0, 0, 0, -1)) * 1000)


class BudgetState:
    """Spend against one budget."""

    __slots__ = ("limit", "period", "reserved", "since", "spent", "warn_at")

    def __init__(self, period: str, limit: float, spent: float, reserved: float, since: int | None,
                 warn_at: float) -> None:
        self.period = period
        self.limit = limit
        self.spent = spent
        self.reserved = reserved
        self.since = since
        self.warn_at = warn_at

    @property
    def fraction(self) -> float:
        return (self.spent + self.reserved) / self.limit

    @property
    def level(self) -> str:
        return "over" if self.fraction >= 1 else "warn" if self.fraction >= self.warn_at else "ok"

    def to_dict(self) -> dict:
        return {"period": self.period, "limit": self.limit, "spent": round(self.spent, 6),
                "reserved": round(self.reserved, 6), "fraction": round(self.fraction, 4),
                "level": self.level, "since": ledger.iso_time(self.since) if self.since is not None else None}

    def describe(self) -> str:
        text = f"{self.period} budget: {_usd(self.spent)} of {_usd(self.limit)} spent ({self.spent / self.limit:.0%})"
        if self.reserved:
            text += f", {_usd(self.reserved)} reserved"
        return text


class Decision:
    """What a budget check allows for one call. `action`: ok, warn, downgrade or refuse."""

    __slots__ = ("action", "estimate", "message", "reservation", "states")

    def __init__(self, action: str, estimate: float | None, states: list, message: str | None,
                 reservation: int | None) -> None:
        self.action = action
        self.estimate = estimate
        self.states = states
        self.message = message
        self.reservation = reservation

    @property
    def allowed(self) -> bool:
        return self.action in ("ok", "warn")

    def to_dict(self) -> dict:
        return {"action": self.action, "estimate": self.estimate, "message": self.message,
                "reservation": self.reservation, "budgets": [s.to_dict() for s in self.states]}


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.1 else f"${value:.4f}"


def _spend(db, since: int | None, session: str | None, sources: list | None) -> float:
    """USD spent since `since` (the entries, by their time index) or in `session` (the
    ledger's rollup, which is kept per session), from `sources` only when given."""
    clause, params = ledger.where(("ts >= ?", since), ("session = ?", session), ("source in (?)", sources))
    table = "rollup" if since is None and session is not None else "entries"
    return db.execute(f"select coalesce(sum(cost), 0) from {table} {clause}", params).fetchone()[0]


def _reserved(db, now_ms: int, session: str | None) -> float:
    clause, params = ledger.where(("expires > ?", now_ms), ("session = ?", session))
    return db.execute(f"select coalesce(sum(usd), 0) from reservations {clause}", params).fetchone()[0]


def _states(db, conf: dict, session: str | None, now: float) -> list[BudgetState]:
    now_ms = int(now * 1000)
    out = []
    for period, limit in conf["limits"].items():
        if period == "session":
            if session is None:
                continue
            since, spent = None, _spend(db, None, session, conf["sources"])
            reserved = _reserved(db, now_ms, session)
        else:
            since = period_start(period, now)
            spent = _spend(db, since, None, conf["sources"])
            reserved = _reserved(db, now_ms, None)
        out.append(BudgetState(period, limit, spent, reserved, since, conf["warn_at"]))
    return out


def status(book: ledger.Ledger, session: str | None = None, now: float | None = None) -> list[BudgetState]:
    """Spend against every configured budget (the session budget only when `session` is given)."""
    return _states(book.db, settings(), session, time.time() if now is None else now)


def reserve(book: ledger.Ledger, usd: float | None, *, session: str | None = None, label: str | None = None,
            now: float | None = None) -> Decision:
    """Check a call costing at most `usd` against every budget and, when allowed, reserve it.

    At `warn_at` of a budget the decision is "warn"; when the call would take a
    budget past 100% it is the configured action ("warn" still reserves;
    "downgrade" and "refuse" reserve nothing). An unpriced call (`usd` None) is
    allowed with a warning, since nothing can be checked.
    """
    conf = settings()
    now = time.time() if now is None else now
    now_ms = int(now * 1000)
    with book.transaction() as db:
        db.execute("delete from reservations where expires <= ?", (now_ms,))
        states = _states(db, conf, session, now)
        if usd is None:
            return Decision("warn", None, states, "unpriced model: the call's cost cannot be checked against "
                            "budgets; add its prices with `tec pricing import FILE`", None)
        over = [s for s in states if s.spent + s.reserved + usd > s.limit]
        if over and conf["action"] != "warn":
            return Decision(conf["action"], usd, states, _over_message(over[0], usd, conf["action"]), None)
        cursor = db.execute("insert into reservations(ts, expires, usd, session, label) values (?, ?, ?, ?, ?)",
                            (now_ms, now_ms + RESERVATION_TTL_S * 1000, usd, session, label))
        reservation = cursor.lastrowid
    if over:
        return Decision("warn", usd, states, _over_message(over[0], usd, "warn"), reservation)
    warned = [s for s in states if (s.spent + s.reserved + usd) / s.limit >= s.warn_at]
    if warned:
        return Decision("warn", usd, states, warned[0].describe(), reservation)
    return Decision("ok", usd, states, None, reservation)


def _over_message(state: BudgetState, usd: float, action: str) -> str:
    verb = {"warn": "allowed anyway", "downgrade": "use a cheaper tier", "refuse": "refused"}[action]
    return (f"{state.period} budget {_usd(state.limit)} reached: {_usd(state.spent)} spent, "
            f"{_usd(state.reserved)} reserved, this call up to {_usd(usd)}; {verb}. "
            f"Raise [budgets] {state.period} in {config.config_path()}")


def settle(book: ledger.Ledger, reservation: int | None, entries: list) -> None:
    """Replace the reservation with the call's real entries, in one transaction."""
    rows = [entry.row() for entry in entries]
    with book.transaction() as db:
        if reservation is not None:
            db.execute("delete from reservations where id = ?", (reservation,))
        book.execute_many(rows)


def release(book: ledger.Ledger, reservation: int | None) -> None:
    """Drop a reservation whose call never ran."""
    if reservation is not None:
        with book.transaction() as db:
            db.execute("delete from reservations where id = ?", (reservation,))


def worst_case(reg, model: str, input_tokens: int, max_tokens: int) -> float | None:
    """The most a call can cost: every input token at the input price, `max_tokens` at the output price."""
    return reg.cost(model, {"input": input_tokens, "output": max_tokens})


def cheaper_tier(reg, tier: str) -> str | None:
    """The next tier down in the registry's order (gemini-flash < haiku < sonnet < opus), or None."""
    order = list(reg.tiers)
    if tier not in order or order.index(tier) == 0:
        return None
    return order[order.index(tier) - 1]
