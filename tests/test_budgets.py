"""Budgets: settings, periods on the local clock, reserve / settle / release, and concurrent callers.

Spend is put in the ledger as Opus output tokens, whose price is $20.00 per 1M:
$1.00 is 50,000 output tokens, so an amount of dollars is `usd * 50_000` tokens.
"""

from __future__ import annotations

import calendar
import multiprocessing
import os

import pytest

from helpers import utc_ms, write_config
from tec import config, registry, vocabulary
from tec.costs import budgets, store
from tec.costs.entries import Entry, make_entry
from tec.errors import ConfigError

# 2026-11-25 (a Wednesday) 12:07:30 UTC: never a local midnight in any zone in use.
NOW = calendar.timegm((2026, 11, 25, 12, 7, 30, 0, 0, 0))
OPUS_OUTPUT_PER_M = 20.00
TTL = budgets.RESERVATION_TTL_S




def spend_entry(usd: float, *, ts: int | None = None, source: str = "execute",
                session: str | None = None) -> Entry:
    """A ledger entry costing exactly `usd`: usd / $20 per 1M = usd * 50,000 Opus output tokens."""
    tokens = round(usd * 1_000_000 / OPUS_OUTPUT_PER_M)
    return make_entry(source, "claude-opus-5-5", {"output": tokens},
                             ts=(NOW - 60) * 1000 if ts is None else ts, session=session)


def reservation_count(book: store.Ledger) -> int:
    return book.db.execute("select count(*) from reservations").fetchone()[0]




@pytest.fixture
def utc(tz):
    tz("UTC")


@pytest.fixture
def book(utc):
    with store.Ledger() as opened:
        yield opened


# --------------------------------------------------------------------------- settings


def test_settings_defaults_without_a_config():
    assert budgets.settings() == {"limits": {}, "action": "warn", "warn_at": 0.8, "sources": None}


def test_settings_read_every_key():
    write_config('[budgets]\ndaily = 5\nweekly = 20.5\nmonthly = 60.0\nsession = 1.25\n'
                 'action = "refuse"\nwarn_at = 0.5\nsources = ["execute", "edit"]\n')
    conf = budgets.settings()
    assert conf == {"limits": {"daily": 5.0, "weekly": 20.5, "monthly": 60.0, "session": 1.25},
                    "action": "refuse", "warn_at": 0.5, "sources": ["execute", "edit"]}
    assert isinstance(conf["limits"]["daily"], float)


@pytest.mark.parametrize(("line", "key"), [
    ("daily = -1.0", "daily"),
    ("weekly = 0", "weekly"),
    ('monthly = "5"', "monthly"),
    ("session = true", "session"),
    ("daily = [5.0]", "daily"),
    ("dayly = 5.0", "dayly"),
    ('action = "explode"', "action"),
    ("action = 1", "action"),
    ("warn_at = 1.5", "warn_at"),
    ("warn_at = 0", "warn_at"),
    ('warn_at = "high"', "warn_at"),
    ('sources = "execute"', "sources"),
    ("sources = [1, 2]", "sources"),
])
def test_bad_settings_name_the_key_and_the_config_path(line, key):
    path = write_config(f"[budgets]\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        budgets.settings()
    message = caught.value.message
    assert key in message
    assert path in message
    assert "[budgets]" in message
    assert caught.value.exit_code == 2


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(("zone", "now", "daily", "weekly", "monthly"), [
    # Kolkata is UTC+5:30 all year. 2026-11-25 10:00 IST (04:30Z), a Wednesday:
    # local midnight 00:00 IST = 2026-11-24 18:30Z; Monday the 23rd = 11-22 18:30Z; the 1st = 10-31 18:30Z.
    ("Asia/Kolkata", (2026, 11, 25, 4, 30), (2026, 11, 24, 18, 30), (2026, 11, 22, 18, 30), (2026, 10, 31, 18, 30)),
    # 00:10 IST on Wednesday the 25th is still the 24th in UTC (18:40Z): the local day wins.
    ("Asia/Kolkata", (2026, 11, 24, 18, 40), (2026, 11, 24, 18, 30), (2026, 11, 22, 18, 30), (2026, 10, 31, 18, 30)),
    # 2026-12-02 is a Wednesday; its week began on Monday 2026-11-30, in the previous month.
    ("Asia/Kolkata", (2026, 12, 2, 6, 0), (2026, 12, 1, 18, 30), (2026, 11, 29, 18, 30), (2026, 11, 30, 18, 30)),
    # A Monday is its own week's first day: 2026-11-23 12:00 IST (06:30Z).
    ("Asia/Kolkata", (2026, 11, 23, 6, 30), (2026, 11, 22, 18, 30), (2026, 11, 22, 18, 30), (2026, 10, 31, 18, 30)),
    # A Sunday belongs to the week that began six days earlier: 2026-11-29 12:00 IST -> Monday the 23rd.
    ("Asia/Kolkata", (2026, 11, 29, 6, 30), (2026, 11, 28, 18, 30), (2026, 11, 22, 18, 30), (2026, 10, 31, 18, 30)),
    # New York on 2026-11-25 is EST (UTC-5): 12:00 EST = 17:00Z; midnight EST = 05:00Z;
    # Monday the 23rd 00:00 EST = 05:00Z; November the 1st began at 00:00 EDT (UTC-4) = 04:00Z.
    ("America/New_York", (2026, 11, 25, 17, 0), (2026, 11, 25, 5, 0), (2026, 11, 23, 5, 0), (2026, 11, 1, 4, 0)),
    ("UTC", (2026, 11, 25, 12, 7, 30), (2026, 11, 25), (2026, 11, 23), (2026, 11, 1)),
])
def test_period_start_follows_the_local_clock(tz, zone, now, daily, weekly, monthly):
    tz(zone)
    seconds = utc_ms(*now) / 1000
    assert budgets.period_start("daily", seconds) == utc_ms(*daily)
    assert budgets.period_start("weekly", seconds) == utc_ms(*weekly)
    assert budgets.period_start("monthly", seconds) == utc_ms(*monthly)


# --------------------------------------------------------------------------- reserve: levels


def test_reserve_below_warn_at_is_ok(book):
    write_config("[budgets]\ndaily = 5.0\n")
    store.append([spend_entry(1.0)])
    decision = budgets.reserve(book, 0.5, now=NOW)
    # (1.00 spent + 0.50) / 5.00 = 30% < 80%
    assert decision.action == "ok"
    assert decision.allowed
    assert decision.message is None
    assert decision.reservation is not None
    assert decision.estimate == 0.5
    [state] = decision.states
    assert state.period == "daily"
    assert state.spent == pytest.approx(1.0)
    assert state.reserved == 0
    assert reservation_count(book) == 1


def test_reserve_just_under_warn_at_is_ok(book):
    write_config("[budgets]\ndaily = 5.0\n")
    store.append([spend_entry(3.5)])
    # (3.50 + 0.45) / 5.00 = 79% < 80%
    assert budgets.reserve(book, 0.45, now=NOW).action == "ok"


def test_reserve_at_warn_at_warns_naming_budget_and_spend(book):
    write_config("[budgets]\ndaily = 5.0\naction = \"refuse\"\n")
    store.append([spend_entry(3.5)])
    decision = budgets.reserve(book, 0.5, now=NOW)
    # (3.50 + 0.50) / 5.00 = 80% >= warn_at 0.8: a warning, and still reserved
    assert decision.action == "warn"
    assert decision.allowed
    assert decision.reservation is not None
    assert "daily" in decision.message
    assert "$3.50" in decision.message
    assert "$5.00" in decision.message
    assert reservation_count(book) == 1


def test_custom_warn_at(book):
    write_config("[budgets]\ndaily = 10.0\nwarn_at = 0.5\n")
    store.append([spend_entry(4.0)])
    assert budgets.reserve(book, 0.5, now=NOW).action == "ok"  # 4.50 / 10 = 45%
    assert budgets.reserve(book, 0.5, now=NOW).action == "warn"  # 4.00 + 0.50 reserved + 0.50 = 50%


def test_exactly_100_percent_is_not_over(book):
    write_config("[budgets]\ndaily = 5.0\naction = \"refuse\"\n")
    store.append([spend_entry(4.5)])
    decision = budgets.reserve(book, 0.5, now=NOW)  # 4.50 + 0.50 = 5.00: at the limit, not past it
    assert decision.action == "warn"
    assert decision.reservation is not None


@pytest.mark.parametrize("action", ["refuse", "downgrade"])
def test_over_budget_refuse_and_downgrade_reserve_nothing(book, action):
    path = write_config(f'[budgets]\ndaily = 5.0\naction = "{action}"\n')
    store.append([spend_entry(4.5)])
    decision = budgets.reserve(book, 1.0, now=NOW)  # 4.50 + 1.00 = 5.50 > 5.00
    assert decision.action == action
    assert not decision.allowed
    assert decision.reservation is None
    assert reservation_count(book) == 0
    message = decision.message
    assert "daily budget" in message
    assert "$5.00" in message  # the limit
    assert "$4.50 spent" in message
    assert "$1.00" in message  # this call
    assert "[budgets] daily" in message
    assert path in message
    assert config.config_path() == path


def test_over_budget_with_warn_still_reserves(book):
    path = write_config("[budgets]\ndaily = 5.0\n")  # action defaults to warn
    store.append([spend_entry(4.5)])
    decision = budgets.reserve(book, 1.0, now=NOW)
    assert decision.action == "warn"
    assert decision.allowed
    assert decision.reservation is not None
    assert reservation_count(book) == 1
    assert "daily budget" in decision.message
    assert "$4.50 spent" in decision.message
    assert "[budgets] daily" in decision.message and path in decision.message


def test_the_budget_that_is_over_is_named(book):
    write_config('[budgets]\ndaily = 50.0\nweekly = 6.0\naction = "refuse"\n')
    store.append([spend_entry(5.5)])
    decision = budgets.reserve(book, 1.0, now=NOW)  # daily 6.50 / 50 fine; weekly 6.50 > 6.00
    assert decision.action == "refuse"
    assert "weekly budget" in decision.message
    assert "[budgets] weekly" in decision.message
    assert "daily budget" not in decision.message


def test_reserved_amounts_count_against_later_reservations(book):
    write_config('[budgets]\ndaily = 5.0\naction = "refuse"\n')
    first = budgets.reserve(book, 3.0, now=NOW)  # 3.00 / 5.00 = 60%
    assert first.action == "ok"
    second = budgets.reserve(book, 1.5, now=NOW)  # 3.00 reserved + 1.50 = 90%
    assert second.action == "warn"
    assert second.states[0].reserved == pytest.approx(3.0)
    third = budgets.reserve(book, 1.0, now=NOW)  # 4.50 reserved + 1.00 = 5.50 > 5.00
    assert third.action == "refuse"
    # nothing is spent: the message must blame the reservations, not claim the budget is reached
    assert "$4.50 reserved by calls still running" in third.message
    assert "reached" not in third.message and "Retry when they finish" in third.message
    [state] = budgets.status(book, now=NOW)
    assert state.spent == 0
    assert state.reserved == pytest.approx(4.5)
    assert state.fraction == pytest.approx(0.9)
    assert state.level == "warn"


def test_settle_replaces_the_estimate_with_the_real_cost(book):
    write_config("[budgets]\ndaily = 5.0\n")
    decision = budgets.reserve(book, 2.0, now=NOW)
    assert budgets.status(book, now=NOW)[0].reserved == pytest.approx(2.0)
    # The call really cost 15,000 Opus output tokens * $20 / 1M = $0.30.
    budgets.settle(book, decision.reservation, [spend_entry(0.3, ts=NOW * 1000)])
    [state] = budgets.status(book, now=NOW)
    assert state.reserved == 0
    assert state.spent == pytest.approx(0.3)
    assert reservation_count(book) == 0
    assert [entry.cost for entry in book.entries()] == [pytest.approx(0.3)]


def test_settle_without_a_reservation_still_records(book):
    write_config("[budgets]\ndaily = 5.0\n")
    budgets.settle(book, None, [spend_entry(0.25)])
    assert budgets.status(book, now=NOW)[0].spent == pytest.approx(0.25)


def test_release_drops_the_reservation(book):
    write_config('[budgets]\ndaily = 5.0\naction = "refuse"\n')
    decision = budgets.reserve(book, 4.0, now=NOW)
    assert budgets.reserve(book, 2.0, now=NOW).action == "refuse"  # 4 + 2 > 5
    budgets.release(book, decision.reservation)
    assert reservation_count(book) == 0
    assert budgets.status(book, now=NOW)[0].reserved == 0
    assert budgets.reserve(book, 2.0, now=NOW).action == "ok"  # 2 / 5 = 40%
    budgets.release(book, None)  # a call that never reserved: nothing to do
    assert reservation_count(book) == 1


def test_expired_reservations_stop_counting(book):
    write_config('[budgets]\ndaily = 5.0\naction = "refuse"\n')
    assert budgets.reserve(book, 4.0, now=NOW).allowed
    # Still held a second before the TTL runs out: 4 + 2 > 5.
    assert budgets.reserve(book, 2.0, now=NOW + TTL - 1).action == "refuse"
    assert budgets.status(book, now=NOW + TTL - 1)[0].reserved == pytest.approx(4.0)
    # At NOW + TTL the reservation has expired.
    assert budgets.status(book, now=NOW + TTL)[0].reserved == 0
    later = budgets.reserve(book, 2.0, now=NOW + TTL + 1)
    assert later.action == "ok"  # 2 / 5 = 40%
    assert later.states[0].reserved == 0
    assert reservation_count(book) == 1  # the expired one was deleted


def test_spend_before_the_period_does_not_count(book):
    write_config('[budgets]\ndaily = 5.0\nmonthly = 100.0\naction = "refuse"\n')
    # Yesterday (2026-11-24 12:00Z) counts for the month but not for today (UTC zone).
    store.append([spend_entry(4.9, ts=utc_ms(2026, 11, 24, 12)), spend_entry(0.5)])
    daily, monthly = budgets.status(book, now=NOW)
    assert daily.period == "daily" and daily.spent == pytest.approx(0.5)
    assert monthly.period == "monthly" and monthly.spent == pytest.approx(5.4)
    assert daily.since == utc_ms(2026, 11, 25)
    assert monthly.since == utc_ms(2026, 11, 1)
    assert budgets.reserve(book, 1.0, now=NOW).action == "ok"  # (0.50 + 1.00) / 5.00 = 30%


def test_session_budget_counts_only_that_session(book):
    write_config('[budgets]\nsession = 1.0\naction = "refuse"\n')
    store.append([spend_entry(0.9, session="a"), spend_entry(5.0, session="b"), spend_entry(3.0)])
    # No session given: the session budget does not apply at all.
    assert budgets.status(book, now=NOW) == []
    assert budgets.reserve(book, 10.0, now=NOW).action == "ok"
    # Session c has spent nothing; the $10 reserved above has no session and does not count for it.
    assert budgets.reserve(book, 0.2, session="c", now=NOW).action == "ok"
    # Session a: 0.90 + 0.05 = 95% -> warn, still allowed.
    warned = budgets.reserve(book, 0.05, session="a", now=NOW)
    assert warned.action == "warn"
    [state] = warned.states
    assert state.period == "session"
    assert state.spent == pytest.approx(0.9)
    assert state.since is None
    # Session a again: 0.90 + 0.05 reserved + 0.20 = 1.15 > 1.00.
    refused = budgets.reserve(book, 0.2, session="a", now=NOW)
    assert refused.action == "refuse"
    assert "session budget" in refused.message and "[budgets] session" in refused.message
    # Session b is over on its own.
    assert budgets.reserve(book, 0.01, session="b", now=NOW).action == "refuse"
    [a_state] = budgets.status(book, session="a", now=NOW)
    assert a_state.spent == pytest.approx(0.9)
    assert a_state.reserved == pytest.approx(0.05)


def test_sources_restrict_what_counts(book):
    write_config('[budgets]\ndaily = 5.0\naction = "refuse"\nsources = ["execute", "edit"]\n')
    store.append([spend_entry(10.0, source="claude-code"), spend_entry(1.0, source="execute"),
                   spend_entry(0.5, source="edit"), spend_entry(7.0, source="validate")])
    [state] = budgets.status(book, now=NOW)
    assert state.spent == pytest.approx(1.5)  # execute 1.00 + edit 0.50
    assert budgets.reserve(book, 1.0, now=NOW).action == "ok"  # (1.50 + 1.00) / 5.00 = 50%


def test_without_sources_everything_counts(book):
    write_config('[budgets]\ndaily = 5.0\naction = "refuse"\n')
    store.append([spend_entry(4.0, source="claude-code"), spend_entry(0.5, source="execute")])
    assert budgets.status(book, now=NOW)[0].spent == pytest.approx(4.5)
    assert budgets.reserve(book, 1.0, now=NOW).action == "refuse"


def test_unpriced_estimate_is_allowed_with_a_warning(book):
    write_config('[budgets]\ndaily = 5.0\naction = "refuse"\n')
    store.append([spend_entry(6.0)])  # already over
    decision = budgets.reserve(book, None, now=NOW)
    assert decision.action == "warn"
    assert decision.allowed
    assert decision.estimate is None
    assert decision.reservation is None
    assert "unpriced" in decision.message
    assert reservation_count(book) == 0


def test_no_budgets_always_ok(book):
    store.append([spend_entry(1000.0)])
    decision = budgets.reserve(book, 50.0, now=NOW)
    assert decision.action == "ok"
    assert decision.states == []
    assert decision.reservation is not None


def test_decision_and_state_json(book):
    write_config("[budgets]\ndaily = 4.0\n")
    store.append([spend_entry(1.0)])
    decision = budgets.reserve(book, 2.0, now=NOW, label="execute")
    data = decision.to_dict()
    assert set(data) == {"action", "estimate", "message", "reservation", "budgets"}
    assert data["action"] == "ok"  # (1 + 2) / 4 = 75%
    [state] = data["budgets"]
    assert state == {"period": "daily", "limit": 4.0, "spent": 1.0, "reserved": 0.0, "fraction": 0.25,
                     "level": "ok", "since": "2026-11-25T00:00:00.000Z"}
    label = book.db.execute("select label from reservations").fetchone()[0]
    assert label == "execute"


# --------------------------------------------------------------------------- estimates


def test_worst_case():
    reg = registry.load_registry()
    # Opus 5.5: 10,000 in * $4 / 1M + 2,000 out * $20 / 1M = 0.04 + 0.04
    assert budgets.worst_case(reg, "claude-opus-5-5", 10_000, 2_000) == pytest.approx(0.08)
    # Sonnet (by tier name): 1,000 * $2 / 1M + 1,000 * $10 / 1M = 0.002 + 0.01
    assert budgets.worst_case(reg, "sonnet", 1_000, 1_000) == pytest.approx(0.012)
    # Haiku 5.5: 50,000 * $0.10 / 1M + 4,000 * $0.50 / 1M = 0.005 + 0.002
    assert budgets.worst_case(reg, "claude-haiku-5-5", 50_000, 4_000) == pytest.approx(0.007)
    # Haiku 5.5 past its 100k-token long-context threshold: every token at $0.50 / $2.50
    # 200,000 * 0.50 / 1M + 1,000 * 2.50 / 1M = 0.1 + 0.0025
    assert budgets.worst_case(reg, "claude-haiku-5-5", 200_000, 1_000) == pytest.approx(0.1025)
    assert budgets.worst_case(reg, "claude-mystery-1", 1_000, 1_000) is None


def test_cheaper_tier():
    assert vocabulary.cheaper("opus") == "sonnet"
    assert vocabulary.cheaper("sonnet") == "haiku"
    assert vocabulary.cheaper("haiku") == "gemini-flash"
    assert vocabulary.cheaper("gemini-flash") is None
    assert vocabulary.cheaper("no-such-tier") is None


# --------------------------------------------------------------------------- concurrency

CONTENDERS = 8


def _contender(home: str, config_path: str, barrier, results, index: int) -> None:
    """One process: reserve $1.00, hold it until every process has tried, then settle."""
    os.environ["TEC_HOME"] = home
    os.environ["TEC_CONFIG"] = config_path
    try:
        with store.Ledger() as book:
            barrier.wait(timeout=30)  # start together, so the reservations race
            decision = budgets.reserve(book, 1.0, label=f"worker-{index}")
            barrier.wait(timeout=30)  # hold every reservation until all have tried
            if decision.allowed:
                # 50,000 Opus output tokens * $20 / 1M = $1.00, the whole estimate
                entry = make_entry("execute", "claude-opus-5-5", {"output": 50_000})
                budgets.settle(book, decision.reservation, [entry])
        results.put((index, decision.action, decision.reservation))
    except BaseException as exc:  # report it to the parent rather than hang it
        results.put((index, "crash", repr(exc)))


def test_concurrent_reservations_never_overspend(tec_home, utc):
    path = write_config('[budgets]\ndaily = 5.0\naction = "refuse"\n')
    with store.Ledger():
        pass  # create the file and schema before the race
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    barrier = ctx.Barrier(CONTENDERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_contender, args=(str(tec_home), path, barrier, results, i))
             for i in range(CONTENDERS)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    crashes = [o for o in outcomes if o[1] == "crash"]
    assert not crashes, crashes
    allowed = [o for o in outcomes if o[1] in ("ok", "warn")]
    refused = [o for o in outcomes if o[1] == "refuse"]
    # 5 x $1.00 fit in $5.00 exactly; the 6th would make $6.00.
    assert len(allowed) == 5, outcomes
    assert len(refused) == CONTENDERS - 5
    assert all(reservation is not None for _, _, reservation in allowed)
    assert all(reservation is None for _, _, reservation in refused)
    with store.Ledger() as book:
        [state] = budgets.status(book)
        assert state.spent == pytest.approx(5.0)
        assert state.spent <= 5.0 + 1e-9
        assert state.reserved == 0
        assert book.count() == 5
        assert reservation_count(book) == 0
