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
from dataclasses import dataclass

from .. import config
from ..errors import TecError
from ..vocabulary import format_usd
from .entries import iso_time

PERIODS = ("daily", "weekly", "monthly", "session")
RESERVATION_TTL_S = 600


def _usd(value: float) -> str:
    return format_usd(value, cents_from=0.1)


class BudgetError(TecError):
    """A call refused by a budget."""

    exit_code = 3


def settings() -> dict:
    """`[budgets]` checked: limits (period → USD), action, warn_at, sources (None: all)."""
    conf = config.settings("budgets")
    return {"limits": {p: conf[p] for p in PERIODS if p in conf}, "action": conf["action"],
            "warn_at": conf["warn_at"], "sources": conf.get("sources")}


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


def period_end(period: str, now: float) -> int | None:
    """Milliseconds at which the period containing `now` ends; None for a session, which does not roll over."""
    if period == "session":
        return None
    t = time.localtime(now)
    if period == "daily":
        end = (t.tm_year, t.tm_mon, t.tm_mday + 1)
    elif period == "weekly":
        end = (t.tm_year, t.tm_mon, t.tm_mday - t.tm_wday + 7)
    else:
        end = (t.tm_year, t.tm_mon + 1, 1)
    return int(time.mktime((*end, 0, 0, 0, 0, 0, -1)) * 1000)  # mktime normalises day and month overflow


@dataclass
class BudgetState:
    """Spend against one budget."""

    period: str
    limit: float
    spent: float
    reserved: float
    since: int | None
    warn_at: float

    @property
    def fraction(self) -> float:
        return (self.spent + self.reserved) / self.limit

    @property
    def level(self) -> str:
        return "over" if self.fraction >= 1 else "warn" if self.fraction >= self.warn_at else "ok"

    def to_dict(self) -> dict:
        return {"period": self.period, "limit": self.limit, "spent": round(self.spent, 6),
                "reserved": round(self.reserved, 6), "fraction": round(self.fraction, 4),
                "level": self.level, "since": iso_time(self.since) if self.since is not None else None}

    def describe(self) -> str:
        text = (f"{self.period} budget: {_usd(self.spent)} of {_usd(self.limit)} spent "
                f"({self.spent / self.limit:.0%})")
        if self.reserved:
            text += f", {_usd(self.reserved)} reserved"
        return text


@dataclass
class Decision:
    """What a budget check allows for one call. `action`: ok, warn, downgrade or refuse."""

    action: str
    estimate: float | None
    states: list
    message: str | None
    reservation: int | None

    @property
    def allowed(self) -> bool:
        return self.action in ("ok", "warn")

    def to_dict(self) -> dict:
        return {"action": self.action, "estimate": self.estimate, "message": self.message,
                "reservation": self.reservation, "budgets": [s.to_dict() for s in self.states]}


def _states(book, conf: dict, session: str | None, now: float) -> list[BudgetState]:
    now_ms = int(now * 1000)
    out = []
    for period, limit in conf["limits"].items():
        if period == "session":
            if session is None:
                continue
            since, spent = None, book.spend(None, session, conf["sources"])
            reserved = book.reserved(now_ms, session)
        else:
            since = period_start(period, now)
            spent = book.spend(since, None, conf["sources"])
            reserved = book.reserved(now_ms, None)
        out.append(BudgetState(period, limit, spent, reserved, since, conf["warn_at"]))
    return out


def status(book, session: str | None = None, now: float | None = None) -> list[BudgetState]:
    """Spend against every configured budget (the session budget only when `session` is given)."""
    return _states(book, settings(), session, time.time() if now is None else now)


def reserve(book, usd: float | None, *, session: str | None = None, label: str | None = None,
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
    with book.transaction():
        book.drop_expired(now_ms)
        states = _states(book, conf, session, now)
        if usd is None:
            return Decision("warn", None, states, "unpriced model: the call's cost cannot be checked against "
                            "budgets; add its prices with `tec pricing import FILE`", None)
        over = [s for s in states if s.spent + s.reserved + usd > s.limit]
        if over and conf["action"] != "warn":
            return Decision(conf["action"], usd, states, _over_message(over[0], usd, conf["action"]), None)
        reservation = book.add_reservation(now_ms, now_ms + RESERVATION_TTL_S * 1000, usd, session, label)
    if over:
        return Decision("warn", usd, states, _over_message(over[0], usd, "warn"), reservation)
    warned = [s for s in states if (s.spent + s.reserved + usd) / s.limit >= s.warn_at]
    if warned:
        return Decision("warn", usd, states, warned[0].describe(), reservation)
    return Decision("ok", usd, states, None, reservation)


def _over_message(state: BudgetState, usd: float, action: str) -> str:
    verb = {"warn": "allowed anyway", "downgrade": "use a cheaper tier", "refuse": "refused"}[action]
    head = f"{state.period} budget {_usd(state.limit)}: {_usd(state.spent)} spent"
    if state.spent + usd <= state.limit:  # only calls still in flight stand in the way
        return (f"{head} + {_usd(state.reserved)} reserved by calls still running (their worst case) "
                f"+ up to {_usd(usd)} for this call would pass it; {verb}. "
                "Retry when they finish (unused reservations are released)")
    return (f"{head}, {_usd(state.reserved)} reserved, this call up to {_usd(usd)}: over the limit; {verb}. "
            f"Raise [budgets] {state.period} in {config.config_path()}")


def settle(book, reservation: int | None, entries: list) -> None:
    """Replace the reservation with the call's real entries, in one transaction."""
    rows = [entry.row() for entry in entries]
    with book.transaction():
        if reservation is not None:
            book.drop_reservation(reservation)
        book.execute_many(rows)


def release(book, reservation: int | None) -> None:
    """Drop a reservation whose call never ran."""
    if reservation is not None:
        with book.transaction():
            book.drop_reservation(reservation)


def worst_case(reg, model: str, input_tokens: int, max_tokens: int) -> float | None:
    """The most a call can cost: every input token at the input price, `max_tokens` at the output price."""
    return reg.cost(model, {"input": input_tokens, "output": max_tokens})
