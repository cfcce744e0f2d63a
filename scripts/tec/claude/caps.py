"""The spend cap and the turn's cost, as Claude Code shows them.

At a turn's end (`after_turn`, called by the Stop hook with the ledger open, after the turn's
transcript lines are in it) every budget is checked against the ledger's totals and written to
two small files: `$TEC_HOME/status.json` (day, week and month budgets, today's spend) and
`$TEC_HOME/sessions/<id>.status.json` (the session's cost, savings and budget). The prompt hook
(`blocked`) and the statusline read only those files, never the database.

A `refuse` budget over its limit stops the turn (`continue: false`) and blocks every later
prompt until its period rolls over or the limit is raised. Other crossings (`warn_at`, or 100%
under `warn` and `downgrade`) are announced once each, as a `systemMessage` to the user.
"""

from __future__ import annotations

import time

from .. import config
from ..vocabulary import format_usd as _format_usd
from . import state

STATUS = "status.json"
SESSION_STATUS = ".status.json"
PROMPT = ".prompt.json"  # written by the prompt hook: when the turn began, and the router's tier for it
PREFIX = "token-efficient-coding: "
ANNOUNCED_KEPT = 16  # crossings remembered, so each is told once; older periods are long over


def format_usd(usd: float) -> str:
    return _format_usd(usd, cents_from=0.1)  # $0.50, not $0.5; $0.0042 stays exact


def budgets_set() -> bool:
    """Whether any budget is configured (cheap: the cached config, no database)."""
    conf = config.settings("budgets", lenient=True)
    return any(conf.get(period) is not None for period in ("daily", "weekly", "monthly", "session"))


def needs_answer(hooks: dict) -> bool:
    """Whether the Stop hook may have something to say, so it must run before the turn ends."""
    return bool(hooks["turn_cost"]) or budgets_set()


# --------------------------------------------------------------------------- at a turn's end


def after_turn(book, session: str | None, hooks: dict, now: float | None = None) -> dict | None:
    """Check the budgets, write the status files, and say what the user must hear (or None)."""
    from ..costs import budgets

    now = time.time() if now is None else now
    action = budgets.settings()["action"]
    states = budgets.status(book, session=session, now=now)
    shared = state.read_json(config.home_path(STATUS))
    session_path = config.session_file(session, SESSION_STATUS)
    mine = state.read_json(session_path)
    records = [_record(s, now, action) for s in states]
    cost, saved = book.session_totals(session) if session else (0.0, 0.0)
    today = book.spend(budgets.period_start("daily", now), None, None)
    messages, stop = [], None
    for record in records:
        told = (mine if record["period"] == "session" else shared).setdefault("announced", [])
        key = f"{record['period']}:{record['since']}:{record['level']}"  # one crossing of one period
        if record["level"] == "over" and action == "refuse":
            stop = stop or refusal(record)
        elif record["level"] != "ok" and key not in told:
            messages.append(_crossing(record, action))
        if record["level"] != "ok" and key not in told:
            told.append(key)
            del told[:-ANNOUNCED_KEPT]
    shared.update(v=1, ts=int(now * 1000), action=action, today=round(today, 6),
                  budgets=[r for r in records if r["period"] != "session"])
    state.write_small(config.home_path(STATUS), shared)
    if session_path:
        mine.update(v=1, ts=int(now * 1000), cost=round(cost, 6), saved=round(saved, 6),
                    budgets=[r for r in records if r["period"] == "session"])
        state.write_small(session_path, mine)
    if hooks["turn_cost"] and session:
        messages.append(_turn_line(book, session, cost, saved))
    out: dict = {}
    if messages:
        out["systemMessage"] = PREFIX + " ".join(messages)
    if stop:
        out.update({"continue": False, "stopReason": PREFIX + stop})
    return out or None


def _record(s, now: float, action: str) -> dict:
    from ..costs import budgets

    return {"period": s.period, "limit": s.limit, "spent": round(s.spent, 6), "level": s.level,
            "since": s.since, "until": budgets.period_end(s.period, now), "action": action}


def _crossing(record: dict, action: str) -> str:
    share = record["spent"] / record["limit"]
    then = {"warn": "calls still run", "downgrade": "model calls use a cheaper tier"}.get(action, "")
    if record["level"] == "over":
        return f"{_name(record)} budget {format_usd(record['limit'])} passed ({format_usd(record['spent'])}); {then}."
    return f"{_name(record)} budget at {share:.0%} ({format_usd(record['spent'])} of {format_usd(record['limit'])})."


def refusal(record: dict) -> str:
    """Why prompts are blocked, and how to lift it."""
    resets = " or wait for it to reset" if record["until"] is not None else ""
    return (f"{_name(record)} budget {format_usd(record['limit'])} reached ({format_usd(record['spent'])} spent); "
            f"raise [budgets] {record['period']} in {config.config_path()}, set action = \"warn\"{resets}.")


def _name(record: dict) -> str:
    return "this session's" if record["period"] == "session" else record["period"]


def _turn_line(book, session: str, cost: float, saved: float) -> str:
    began = state.read_json(config.session_file(session, PROMPT)).get("ts")
    turn = book.session_totals(session, since=int(began))[0] if isinstance(began, (int, float)) else None
    parts = [f"turn {format_usd(turn)}"] if turn is not None else []
    parts.append(f"session {format_usd(cost)}")
    if saved:
        parts.append(f"routing saved {format_usd(saved)}" if saved > 0 else f"routing cost {format_usd(-saved)} more")
    return " · ".join(parts) + "."


# --------------------------------------------------------------------------- before a prompt


def blocked(session: object, now: float | None = None) -> str | None:
    """The reason to block a prompt: a `refuse` budget the last turn left over its limit that is
    still over by the current config (a raised limit or another action lifts it at once) and whose
    period has not rolled over. None otherwise."""
    conf = config.settings("budgets", lenient=True)
    if conf["action"] != "refuse":
        return None
    now_ms = int((time.time() if now is None else now) * 1000)
    for record in _records(session):
        if not isinstance(record, dict) or record.get("level") != "over":
            continue
        limit = conf.get(record.get("period"))
        spent = record.get("spent")
        until = record.get("until")
        if not isinstance(limit, (int, float)) or not isinstance(spent, (int, float)) or spent < limit:
            continue
        if isinstance(until, (int, float)) and now_ms >= until:
            continue
        return refusal({**record, "limit": limit})
    return None


def warning(session: object) -> str | None:
    """A budget at its warning level or over, as the last turn left it, for Claude to know (short)."""
    near = [r for r in _records(session) if isinstance(r, dict) and r.get("level") in ("warn", "over") and _numbers(r)]
    if not near:
        return None
    worst = max(near, key=lambda r: r["spent"] / r["limit"])
    return f"{_name(worst)} budget at {worst['spent'] / worst['limit']:.0%} ({format_usd(worst['spent'])} " \
           f"of {format_usd(worst['limit'])})"


def downgrade(session: object) -> bool:
    """Whether a budget is over under `action = "downgrade"`: strict mode then picks a cheaper tier."""
    return any(isinstance(r, dict) and r.get("level") == "over" and r.get("action") == "downgrade"
               for r in _records(session))


def _records(session: object) -> list:
    shared = state.read_json(config.home_path(STATUS)).get("budgets")
    mine = state.read_json(config.session_file(session, SESSION_STATUS)).get("budgets")
    return [*(shared if isinstance(shared, list) else ()), *(mine if isinstance(mine, list) else ())]


def _numbers(record: dict) -> bool:
    return all(isinstance(record.get(k), (int, float)) and not isinstance(record.get(k), bool)
               for k in ("spent", "limit")) and record["limit"] > 0


def remember_prompt(session: object, tier: str | None, score: float | None) -> None:
    """When this turn began (for its cost) and what the router made of its prompt (for the statusline)."""
    path = config.session_file(session, PROMPT)
    if path:
        state.write_small(path, {"ts": time.time_ns() // 1_000_000, "tier": tier, "score": score})

