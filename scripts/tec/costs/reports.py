"""Cost reports from the ledger: grouped totals, a table with bars, JSON, an HTML page.

One grouped query does the work. Time groupings (hour, day, week, month) group by
15-minute UTC buckets in SQL and fold the buckets into local days in Python, so
days follow the local clock, daylight saving and half-hour zones included,
without a date function evaluated per row.

`build()` returns the documented JSON of `tec costs --json` (schema
"tec.costs/1"): keys are only ever added within a schema version.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .. import registry
from ..units import bar, compact, printable
from ..vocabulary import PUBLIC_TOKENS
from ..vocabulary import format_usd as usd
from .entries import iso_time, now_ms
from .store.queries import GROUP_COLUMNS
from .store.schema import BUCKET_MS

SCHEMA = "tec.costs/1"
BY_TIME = ("hour", "day", "week", "month")
BY_COLUMN = GROUP_COLUMNS
BY = (*BY_TIME, *BY_COLUMN)
NO_VALUE = "(none)"
BASELINE_LABELS = {  # entries.baseline_from -> how a report line names it
    "routed": "calls of subagents the hook routed, against the session's main model",
    "session": "tec calls, against the session's main model",
    "top tier": "tec calls outside a session, against the top tier",
    "config": "calls against [ledger] baseline",
    "given": "calls against a baseline named for them",
}


@dataclass
class Totals:
    """Sums for one report row."""

    cost: float = 0.0
    baseline: float = 0.0
    savings: float = 0.0
    compared: float = 0.0
    calls: int = 0
    unpriced: int = 0
    tokens: dict = field(default_factory=lambda: dict.fromkeys(PUBLIC_TOKENS, 0))
    by_tier: dict = field(default_factory=dict)
    unpriced_models: set = field(default_factory=set)

    def add(self, tier: str | None, sums: tuple) -> None:
        cost, baseline, savings, compared, calls, unpriced, *tokens, unpriced_models = sums
        self.cost += cost or 0.0
        self.baseline += baseline or 0.0
        self.savings += savings or 0.0
        self.compared += compared or 0.0
        self.calls += calls
        self.unpriced += unpriced or 0
        for kind, value in zip(PUBLIC_TOKENS, tokens):
            self.tokens[kind] += value or 0
        key = tier or NO_VALUE
        self.by_tier[key] = self.by_tier.get(key, 0.0) + (cost or 0.0)
        if unpriced_models:
            self.unpriced_models.update(unpriced_models.split(","))

    def merge(self, other: Totals) -> None:
        self.cost += other.cost
        self.baseline += other.baseline
        self.savings += other.savings
        self.compared += other.compared
        self.calls += other.calls
        self.unpriced += other.unpriced
        for kind in PUBLIC_TOKENS:
            self.tokens[kind] += other.tokens[kind]
        for tier, cost in other.by_tier.items():
            self.by_tier[tier] = self.by_tier.get(tier, 0.0) + cost
        self.unpriced_models |= other.unpriced_models

    def to_dict(self) -> dict:
        # savings_pct: of the baseline cost of the calls priced on both models, the ones savings covers
        return {
            "calls": self.calls,
            "unpriced_calls": self.unpriced,
            "tokens": dict(self.tokens),
            "cost": round(self.cost, 6),
            "baseline_cost": round(self.baseline, 6),
            "savings": round(self.savings, 6),
            "savings_pct": round(100 * self.savings / self.compared, 1) if self.compared > 0 else None,
            "by_tier": {tier: round(cost, 6) for tier, cost in sorted(self.by_tier.items())},
        }


def _label(by: str, bucket: int, cache: dict) -> str:
    label = cache.get(bucket)
    if label is None:
        t = time.localtime(bucket * BUCKET_MS / 1000)
        if by == "hour":
            label = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} {t.tm_hour:02d}:00"
        elif by == "day":
            label = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
        elif by == "month":
            label = f"{t.tm_year:04d}-{t.tm_mon:02d}"
        else:
            year, week = _iso_week(t)
            label = f"{year:04d}-W{week:02d}"
        cache[bucket] = label
    return label


def _iso_week(t: time.struct_time) -> tuple[int, int]:
    import datetime

    iso = datetime.date(t.tm_year, t.tm_mon, t.tm_mday).isocalendar()
    return iso[0], iso[1]


def _grouped(book, by: str, since: int | None, until: int | None) -> dict[str, Totals]:
    groups: dict[str, Totals] = {}
    labels: dict[int, str] = {}
    for value, tier, *row in book.grouped(None if by in BY_TIME else by, since, until):
        if row[4] == 0:  # calls: a group emptied by deletions
            continue
        label = _label(by, value, labels) if by in BY_TIME else (value or NO_VALUE)
        totals = groups.get(label)
        if totals is None:
            totals = groups[label] = Totals()
        totals.add(tier, row)
    return groups


def build(book, by: str = "day", since: int | None = None, until: int | None = None,
          series: bool = False) -> dict:
    """The report as the documented JSON. `since`/`until` are epoch milliseconds
    (until exclusive). `series` adds spend per day stacked by tier, for charts."""
    if by not in BY:
        from ..errors import InputError

        raise InputError(f"cannot group by {by!r}", f"use one of: {', '.join(BY)}")
    groups = _grouped(book, by, since, until)
    keys = sorted(groups) if by in BY_TIME else sorted(groups, key=lambda k: (-groups[k].cost, k))
    total = Totals()
    for totals in groups.values():
        total.merge(totals)
    rows = [{"key": key, **groups[key].to_dict()} for key in keys]
    if by == "session":
        _add_cross_check(book, rows)
    extra = {"routing": routing_summary(book, since, until)} if by == "tier" else {}
    report = {
        "schema": SCHEMA,
        "by": by,
        "since": iso_time(since) if since is not None else None,
        "until": iso_time(until) if until is not None else None,
        "generated": iso_time(now_ms()),
        "ledger": book.path,
        "currency": "USD",
        "rows": rows,
        "total": total.to_dict(),
        "unpriced_models": sorted(total.unpriced_models),
        "baselines": book.baseline_counts(since, until),
        **extra,
    }
    if series:
        days = groups if by == "day" else _grouped(book, "day", since, until)
        report["series"] = [{"day": day, "cost": round(days[day].cost, 6), "savings": round(days[day].savings, 6),
                             "by_tier": days[day].to_dict()["by_tier"]} for day in sorted(days)]
    return report


def routing_summary(book, since: int | None, until: int | None) -> dict:
    """What the PreToolUse hook did with subagent calls (action → model → count) and which
    tiers the subagents really ran on (from PostToolUse's resolved model)."""
    actions: dict[str, dict[str, int]] = {}
    for action, model, n in book.routing_actions(since, until):
        actions.setdefault(action or NO_VALUE, {})[model or NO_VALUE] = n
    reg = registry.load_registry()
    resolved: dict[str, int] = {}
    for model, n in book.resolved_models(since, until):
        tier = (reg.tier_of(model) if model else None) or NO_VALUE
        resolved[tier] = resolved.get(tier, 0) + n
    return {"subagent_calls": sum(sum(m.values()) for m in actions.values()), "actions": actions,
            "resolved_tiers": resolved}


def _add_cross_check(book, rows: list[dict]) -> None:
    """Claude Code's own running estimate for each session (its `cost-state` lines), beside ours."""
    states = book.cost_states()
    for row in rows:
        row["claude_code_cost"] = states.get(row["key"])


# --------------------------------------------------------------------------- text


def format_table(report: dict) -> str:
    """The table for people: one row per group, a total row, bars for spend over time."""
    rows = report["rows"]
    if not rows:
        return "no ledger entries" + (" in that period" if report["since"] or report["until"] else
                                      "; run `tec costs ingest` to read Claude Code's transcripts")
    header = [report["by"], "calls", "input", "output", "cache w", "cache r", "cost", "baseline", "saved"]
    body = [_cells(row["key"], row) for row in rows]
    total = _cells("total", report["total"])
    cells = [header, *body, total]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    key_width = min(widths[0], 40)
    widths[0] = key_width

    def line(r: list[str]) -> str:
        key = r[0] if len(r[0]) <= key_width else r[0][: key_width - 1] + "…"
        return "  ".join([key.ljust(key_width), *(c.rjust(w) for c, w in zip(r[1:], widths[1:]))])

    peak = max(row["cost"] for row in rows)
    show_bars = report["by"] in BY_TIME
    out = [line(header).rstrip()]
    for r, row in zip(body, rows):
        text = line(r)
        out.append(f"{text}  {bar(row['cost'], peak)}".rstrip() if show_bars else text)
    out.append("─" * len(line(total)))
    out.append(line(total))
    notes = _notes(report)
    return "\n".join(out + [printable(note) for note in notes])


def _cells(key: str, t: dict) -> list[str]:
    tokens = t["tokens"]
    saved = usd(t["savings"]) + (f" ({t['savings_pct']:.0f}%)" if t["savings_pct"] is not None else "")
    cost = usd(t["cost"]) + ("*" if t["unpriced_calls"] else "")
    return [printable(str(key)), f"{t['calls']:,}", compact(tokens["input"]),
            compact(tokens["output"] + tokens["thinking"]), compact(tokens["cache_write"]),
            compact(tokens["cache_read"]), cost, usd(t["baseline_cost"]), saved]


def _notes(report: dict) -> list[str]:
    notes = []
    total = report["total"]
    if total["unpriced_calls"]:
        n = total["unpriced_calls"]
        notes.append(f"* {n:,} call{'' if n == 1 else 's'} unpriced (not in the costs): "
                     f"{', '.join(report['unpriced_models'])}; add prices with `tec pricing import FILE` "
                     "or [prices] in the config, then `tec costs recost`")
    routing = report.get("routing")
    if routing and routing["subagent_calls"]:
        parts = [f"{action} {', '.join(f'{m} {n}' for m, n in sorted(models.items()))}"
                 for action, models in sorted(routing["actions"].items())]
        ran = ", ".join(f"{t} {n}" for t, n in sorted(routing["resolved_tiers"].items()))
        notes.append(f"subagents routed by the hook: {routing['subagent_calls']} ({'; '.join(parts)})"
                     + (f"; ran on: {ran}" if ran else ""))
    notes.append("saved: " + baseline_note(report.get("baselines", {})))
    return notes


def baseline_note(counts: dict[str, int]) -> str:
    """How the baselines were found, in one line: savings count only what routing moved."""
    moved = {key: n for key, n in counts.items() if key not in ("own model", "unrecorded")}
    parts = [f"{n:,} {BASELINE_LABELS.get(key, key)}" for key, n in sorted(moved.items(), key=lambda kv: -kv[1])]
    own = counts.get("own model", 0) + counts.get("unrecorded", 0)
    text = "it counts " + ("; ".join(parts) if parts else "nothing: nothing was routed")
    return text + (f"; {own:,} calls routing did not move are their own baseline" if own else "")


# --------------------------------------------------------------------------- html


def render_html(report: dict) -> str:
    """A self-contained page: totals, spend per day stacked by tier, savings, the table. No network."""
    import jinja2

    from . import charts

    env = jinja2.Environment(loader=jinja2.PackageLoader("tec", "templates/report"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), keep_trailing_newline=True)
    template = env.get_template("report.html.j2")
    series = report.get("series", [])
    return template.render(report=report, usd=usd, compact=compact, baseline_note=baseline_note(report["baselines"]),
                           spend_chart=charts.stacked_bars(series), savings_chart=charts.savings_bars(series),
                           unit=charts.unit_of(series))
