"""Cost reports from the ledger: grouped totals, a table with bars, JSON, an HTML page.

One grouped query does the work. Time groupings (day, week, month) group by
15-minute UTC buckets in SQL and fold the buckets into local days in Python, so
days follow the local clock, daylight saving and half-hour zones included,
without a date function evaluated per row.

`build()` returns the documented JSON of `tec costs --json` (schema
"tec.costs/1"): keys are only ever added within a schema version.
"""

from __future__ import annotations

import time

from . import ledger
from .units import compact
from .units import format_usd as usd

SCHEMA = "tec.costs/1"
BY_TIME = ("day", "week", "month")
BY_COLUMN = ("session", "model", "tier", "project", "source")
BY = (*BY_TIME, *BY_COLUMN)
BUCKET_MS = ledger.BUCKET_MS
TOKEN_FIELDS = ("input", "output", "cache_write", "cache_read", "thinking")
BAR_WIDTH = 24
_EIGHTHS = " ▏▎▍▌▋▊▉█"
NO_VALUE = "(none)"

# The same sums over raw entries (for the edges of a period that cut a bucket) and
# over the rollup the ledger keeps per 15 minutes (for everything else).
_ENTRY_SUMS = ("sum(cost), sum(baseline_cost), sum(savings), "
               "sum(case when savings is not null then baseline_cost end), count(*), sum(cost is null), "
               "sum(input), sum(output), sum(cache_write_5m + cache_write_1h), sum(cache_read), sum(thinking), "
               "group_concat(distinct case when cost is null then model end)")
_ROLLUP_SUMS = ("sum(cost), sum(baseline_cost), sum(savings), sum(compared), sum(calls), sum(unpriced), sum(input), "
                "sum(output), sum(cache_write), sum(cache_read), sum(thinking), "
                "group_concat(distinct case when unpriced > 0 then model end)")


class Totals:
    """Sums for one report row."""

    __slots__ = ("baseline", "by_tier", "calls", "compared", "cost", "savings", "tokens", "unpriced",
                 "unpriced_models")

    def __init__(self) -> None:
        self.cost = self.baseline = self.savings = self.compared = 0.0
        self.calls = self.unpriced = 0
        self.tokens = dict.fromkeys(TOKEN_FIELDS, 0)
        self.by_tier: dict[str, float] = {}
        self.unpriced_models: set[str] = set()

    def add(self, tier: str | None, sums: tuple) -> None:
        cost, baseline, savings, compared, calls, unpriced, *tokens, unpriced_models = sums
        self.cost += cost or 0.0
        self.baseline += baseline or 0.0
        self.savings += savings or 0.0
        self.compared += compared or 0.0
        self.calls += calls
        self.unpriced += unpriced or 0
        for field, value in zip(TOKEN_FIELDS, tokens):
            self.tokens[field] += value or 0
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
        for field in TOKEN_FIELDS:
            self.tokens[field] += other.tokens[field]
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
        if by == "day":
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


def _spans(since: int | None, until: int | None) -> list[tuple[str, str, list]]:
    """(table, where clause, params) pieces that together cover [since, until): whole
    15-minute buckets from the rollup, the cut buckets at either end from the entries."""
    lo = None if since is None else -(-since // BUCKET_MS)  # first whole bucket
    hi = None if until is None else until // BUCKET_MS  # first bucket not wholly inside
    if lo is not None and hi is not None and lo >= hi:
        return [("entries", *ledger.time_filter(since, until))]
    spans = [("rollup", *ledger.where(("bucket >= ?", lo), ("bucket < ?", hi)))]
    if since is not None and since < lo * BUCKET_MS:
        spans.append(("entries", *ledger.time_filter(since, lo * BUCKET_MS)))
    if until is not None and hi * BUCKET_MS < until:
        spans.append(("entries", *ledger.time_filter(hi * BUCKET_MS, until)))
    return spans


def _grouped(db, by: str, since: int | None, until: int | None) -> dict[str, Totals]:
    groups: dict[str, Totals] = {}
    labels: dict[int, str] = {}
    for table, where, params in _spans(since, until):
        time_key = "bucket" if table == "rollup" else f"ts / {BUCKET_MS}"
        key = time_key if by in BY_TIME else by
        sums = _ROLLUP_SUMS if table == "rollup" else _ENTRY_SUMS
        query = f"select {key}, tier, {sums} from {table} {where} group by 1, 2"
        for value, tier, *row in db.execute(query, params):
            if row[4] == 0:  # calls: a group emptied by deletions
                continue
            label = _label(by, value, labels) if by in BY_TIME else (value or NO_VALUE)
            totals = groups.get(label)
            if totals is None:
                totals = groups[label] = Totals()
            totals.add(tier, row)
    return groups


def build(book: ledger.Ledger, by: str = "day", since: int | None = None, until: int | None = None,
          series: bool = False) -> dict:
    """The report as the documented JSON. `since`/`until` are epoch milliseconds
    (until exclusive). `series` adds spend per day stacked by tier, for charts."""
    if by not in BY:
        from .errors import InputError

        raise InputError(f"cannot group by {by!r}", f"use one of: {', '.join(BY)}")
    groups = _grouped(book.db, by, since, until)
    keys = sorted(groups) if by in BY_TIME else sorted(groups, key=lambda k: (-groups[k].cost, k))
    total = Totals()
    for totals in groups.values():
        total.merge(totals)
    rows = [{"key": key, **groups[key].to_dict()} for key in keys]
    if by == "session":
        _add_cross_check(book.db, rows)
    extra = {"routing": routing_summary(book.db, since, until)} if by == "tier" else {}
    report = {
        "schema": SCHEMA,
        "by": by,
        "since": ledger.iso_time(since) if since is not None else None,
        "until": ledger.iso_time(until) if until is not None else None,
        "generated": ledger.iso_time(ledger.now_ms()),
        "ledger": book.path,
        "currency": "USD",
        "rows": rows,
        "total": total.to_dict(),
        "unpriced_models": sorted(total.unpriced_models),
        **extra,
    }
    if series:
        days = groups if by == "day" else _grouped(book.db, "day", since, until)
        report["series"] = [{"day": day, "cost": round(days[day].cost, 6), "savings": round(days[day].savings, 6),
                             "by_tier": days[day].to_dict()["by_tier"]} for day in sorted(days)]
    return report


def routing_summary(db, since: int | None, until: int | None) -> dict:
    """What the PreToolUse hook did with subagent calls (action → model → count) and which
    tiers the subagents really ran on (from PostToolUse's resolved model)."""
    from . import registry

    clause, params = ledger.where(("ts >= ?", since), ("ts < ?", until))
    joiner = "and" if clause else "where"
    actions: dict[str, dict[str, int]] = {}
    for action, model, n in db.execute(f"select action, model, count(*) from routing {clause} {joiner} "
                                       "event = 'pre' group by 1, 2", params):
        actions.setdefault(action or NO_VALUE, {})[model or NO_VALUE] = n
    reg = registry.load_registry()
    resolved: dict[str, int] = {}
    for model, n in db.execute(f"select resolved_model, count(*) from routing {clause} {joiner} "
                               "event = 'post' group by 1", params):
        tier = (reg.tier_of(model) if model else None) or NO_VALUE
        resolved[tier] = resolved.get(tier, 0) + n
    return {"subagent_calls": sum(sum(m.values()) for m in actions.values()), "actions": actions,
            "resolved_tiers": resolved}


def _add_cross_check(db, rows: list[dict]) -> None:
    """Claude Code's own running estimate for each session (its `cost-state` lines), beside ours."""
    states = dict(db.execute("select session, total_cost_usd from cost_states"))
    for row in rows:
        row["claude_code_cost"] = states.get(row["key"])


# --------------------------------------------------------------------------- text


def bar(value: float, peak: float, width: int = BAR_WIDTH) -> str:
    """A unicode bar of `value` against `peak`, in eighths of a cell."""
    if peak <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / peak))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


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
    return "\n".join(out + notes)


def _cells(key: str, t: dict) -> list[str]:
    tokens = t["tokens"]
    saved = usd(t["savings"]) + (f" ({t['savings_pct']:.0f}%)" if t["savings_pct"] is not None else "")
    cost = usd(t["cost"]) + ("*" if t["unpriced_calls"] else "")
    return [str(key), f"{t['calls']:,}", compact(tokens["input"]), compact(tokens["output"] + tokens["thinking"]),
            compact(tokens["cache_write"]), compact(tokens["cache_read"]), cost, usd(t["baseline_cost"]), saved]


def _notes(report: dict) -> list[str]:
    notes = []
    total = report["total"]
    if total["unpriced_calls"]:
        notes.append(f"* {total['unpriced_calls']:,} calls unpriced (not in the costs): "
                     f"{', '.join(report['unpriced_models'])}; add prices with `tec pricing import FILE` "
                     "or [prices] in the config, then `tec costs recost`")
    routing = report.get("routing")
    if routing and routing["subagent_calls"]:
        parts = [f"{action} {', '.join(f'{m} {n}' for m, n in sorted(models.items()))}"
                 for action, models in sorted(routing["actions"].items())]
        ran = ", ".join(f"{t} {n}" for t, n in sorted(routing["resolved_tiers"].items()))
        notes.append(f"subagents routed by the hook: {routing['subagent_calls']} ({'; '.join(parts)})"
                     + (f"; ran on: {ran}" if ran else ""))
    notes.append("baseline: the same tokens on the session's main model, else opus ([ledger] baseline)")
    return notes


# --------------------------------------------------------------------------- html


def render_html(report: dict) -> str:
    """A self-contained page: totals, spend per day stacked by tier, savings, the table. No network."""
    import jinja2

    from . import charts

    env = jinja2.Environment(loader=jinja2.PackageLoader("tec", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), keep_trailing_newline=True)
    template = env.get_template("report.html.j2")
    series = report.get("series", [])
    return template.render(report=report, usd=usd, compact=compact,
                           spend_chart=charts.stacked_bars(series), savings_chart=charts.savings_line(series))
