"""Inline SVG charts for the HTML cost report: spend per day stacked by tier, savings per day.

Pure functions of the report's `series` (see `reports.build(series=True)`), standard
library only. They return SVG markup marked safe for jinja (`markupsafe.Markup`,
imported lazily); every piece of text in it is escaped. The SVG scales with its
container (viewBox, width 100%) and inherits the page's text colour.

The x axis adapts to the data (`slots`): days without spend are shown as empty days when
that keeps bars readable, left out (with a break mark where days are skipped) when the
data is sparse, and long ranges are summed by week, so no bar is ever thinner than
BAR_MIN_PX and a single day is a bar, not a dot.
"""

from __future__ import annotations

import datetime
import itertools
import math
from html import escape

from ..vocabulary import format_usd, tiers

WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 68, 28, 36, 30  # plot margins; the legend sits in the top one
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
TICKS = 4  # about this many steps on the y axis
X_LABEL_PX = 84  # room for one "2026-11-05" x label
BAR_MAX_PX = 48
BAR_MIN_PX = 4
SLOT_MIN_PX = BAR_MIN_PX / 0.7  # bars take 70% of their slot
MAX_SLOTS = int(PLOT_W / SLOT_MIN_PX)  # more slots than this are summed by week
TIER_COLOURS = ("#4c8df6", "#17a398", "#e8a33d", "#8e6ad8")  # the tiers' colours, cheapest first
NO_TIER, NO_TIER_COLOUR = "(none)", "#9aa0a6"
EXTRA_COLOURS = ("#d9597a", "#5aa653", "#c77c48", "#4fb3d9")  # for names that are not tiers, in turn
SAVINGS_COLOUR, EXTRA_SPEND_COLOUR = "#2e9e5b", "#d0473d"  # saved, and spent above the baseline
NO_DATA = "no data"


def stacked_bars(series: list[dict]):
    """Spend per day as vertical bars stacked by tier, with a legend and a USD axis."""
    if not series:
        return _no_data("spend per day")
    series, unit = slots(series)
    stack = _tier_order(series)
    extra = itertools.cycle(EXTRA_COLOURS)
    known = {**dict(zip(tiers(), TIER_COLOURS)), NO_TIER: NO_TIER_COLOUR}
    colour = {tier: known.get(tier) or next(extra) for tier in stack}
    totals = [sum(max(0.0, cost) for cost in day["by_tier"].values()) for day in series]
    axes = _Axes(series, 0.0, max(totals))
    width = axes.bar_width()
    parts = axes.frame()
    for i, day in enumerate(series):
        x, below = axes.x(i) - width / 2, 0.0
        for tier in stack:
            cost = max(0.0, day["by_tier"].get(tier, 0.0))
            if cost <= 0:
                continue
            top, bottom = axes.y(below + cost), axes.y(below)
            below += cost
            label = escape(f"{day['day']} · {tier}: {format_usd(cost)}")
            parts.append(f'<rect class="seg" data-day="{escape(day["day"])}" data-tier="{escape(tier)}" '
                         f'x="{x:.2f}" y="{top:.2f}" width="{width:.2f}" height="{bottom - top:.2f}" '
                         f'fill="{colour[tier]}"><title>{label}</title></rect>')
    parts += _legend([(tier, colour[tier]) for tier in stack])
    return _svg(f"Spend per {unit}, stacked by tier", parts)


def savings_bars(series: list[dict]):
    """Savings per day (baseline minus cost) as bars up from zero, and spend above the
    baseline (an upgrade) as bars down from it in another colour, with a USD axis."""
    if not series:
        return _no_data("savings per day")
    series, unit = slots(series)
    values = [day["savings"] or 0.0 for day in series]
    axes = _Axes(series, min(values), max(values))
    width = axes.bar_width()
    parts = axes.frame()
    zero = axes.y(0.0)
    for i, (day, value) in enumerate(zip(series, values)):
        if not value:
            continue
        y = axes.y(value)
        top, height = min(y, zero), abs(zero - y)
        fill, what = (SAVINGS_COLOUR, "saved") if value > 0 else (EXTRA_SPEND_COLOUR, "spent above the baseline")
        label = escape(f"{day['day']} · {what} {format_usd(abs(value))}")
        parts.append(f'<rect class="bar" data-day="{escape(day["day"])}" x="{axes.x(i) - width / 2:.2f}" '
                     f'y="{top:.2f}" width="{width:.2f}" height="{height:.2f}" fill="{fill}">'
                     f"<title>{label}</title></rect>")
    legend = [("saved (baseline − cost)", SAVINGS_COLOUR)]
    if min(values) < 0:
        legend.append(("spent above the baseline", EXTRA_SPEND_COLOUR))
    parts += _legend(legend)
    return _svg(f"Savings per {unit}", parts)


def unit_of(series: list[dict]) -> str:
    """"day" or "week": what one bar of the charts covers."""
    return slots(series)[1] if series else "day"


# --------------------------------------------------------------------------- shared


class _Axes:
    """The frame both charts share: a USD y scale over [low, high] (zero always in it) and one slot per day."""

    def __init__(self, series: list[dict], low: float, high: float) -> None:
        self.days = [day["day"] for day in series]
        self.breaks = [i for i, day in enumerate(series) if day.get("after_gap")]
        self.ticks, self.step = _ticks(min(0.0, low), max(0.0, high))
        self.low, self.high = self.ticks[0], self.ticks[-1]  # high > low always
        self.slot = PLOT_W / len(series)

    def bar_width(self) -> float:
        return max(min(BAR_MAX_PX, self.slot * 0.7), min(BAR_MIN_PX, self.slot))

    def x(self, i: int) -> float:
        """The centre of day `i`'s slot."""
        return LEFT + self.slot * (i + 0.5)

    def y(self, value: float) -> float:
        return TOP + PLOT_H * (self.high - value) / (self.high - self.low)

    def frame(self) -> list[str]:
        """Grid lines with USD labels, the zero line, and x labels for a readable subset of days."""
        parts = []
        for tick in self.ticks:
            y = self.y(tick)
            opacity = 0.5 if tick == 0 else 0.15
            parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.2f}" y2="{y:.2f}" stroke="currentColor" '
                         f'stroke-opacity="{opacity}"/>')
            parts.append(f'<text class="y-label" x="{LEFT - 6}" y="{y:.2f}" text-anchor="end" '
                         f'dominant-baseline="middle">{escape(_usd_tick(tick, self.step))}</text>')
        every = max(1, math.ceil(len(self.days) * X_LABEL_PX / PLOT_W))
        for i in range(0, len(self.days), every):
            parts.append(f'<text class="x-label" x="{self.x(i):.2f}" y="{HEIGHT - BOTTOM + 18}" '
                         f'text-anchor="middle">{escape(self.days[i])}</text>')
        for i in self.breaks:  # days left out between slot i-1 and slot i
            x = LEFT + self.slot * i
            parts.append(f'<line class="gap" x1="{x:.2f}" x2="{x:.2f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
                         'stroke="currentColor" stroke-opacity="0.35" stroke-dasharray="3 3">'
                         "<title>days without spend left out</title></line>")
        return parts


def _ticks(low: float, high: float) -> tuple[list[float], float]:
    """Round tick values from at most `low` to at least `high`, and their step; [0, 1] when both are zero."""
    span = high - low
    if not span > 0 or not math.isfinite(span):
        low, high, span = 0.0, 1.0, 1.0
    raw = span / TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    last = max(last, first + 1)
    return [round(n * step, 12) for n in range(first, last + 1)], step


def _usd_tick(value: float, step: float) -> str:
    """An axis label: as many decimals as the step needs, at least two ($0.25, $0.0050, $1,500.00)."""
    decimals = next((d for d in range(2, 9) if abs(round(step, d) - step) < step * 1e-6), 8)
    text = f"${abs(value):,.{decimals}f}"
    return f"−{text}" if value < 0 and round(value, decimals) else text


def slots(series: list[dict]) -> tuple[list[dict], str]:
    """The bars to draw and what one covers ("day" or "week").

    Days with empty days filled in between when that keeps a slot at least SLOT_MIN_PX wide
    and at least a quarter of the slots have data; otherwise only the days with data, each
    after a skip marked `after_gap`; more of those than fit are summed by ISO week (the same
    rules then apply to weeks). Series whose keys are not dates are drawn as given.
    """
    try:
        dates = [datetime.date.fromisoformat(day["day"]) for day in series]
    except (TypeError, ValueError):
        return series, "day"
    unit, step = "day", 1
    if len(series) > MAX_SLOTS:
        series, dates = _weekly(series, dates)
        unit, step = "week", 7
    span = (dates[-1] - dates[0]).days // step + 1
    if span <= MAX_SLOTS and span <= 4 * len(series):
        given = dict(zip(dates, series))
        every = (dates[0] + datetime.timedelta(days=n * step) for n in range(span))
        return [given.get(day) or _empty(day.isoformat()) for day in every], unit
    return [dict(day, after_gap=True) if i and (dates[i] - dates[i - 1]).days > step else day
            for i, day in enumerate(series)], unit


def _empty(day: str) -> dict:
    return {"day": day, "cost": 0.0, "savings": 0.0, "by_tier": {}}


def _weekly(series: list[dict], dates: list[datetime.date]) -> tuple[list[dict], list[datetime.date]]:
    """Days summed into weeks, each keyed by its Monday, and those Mondays."""
    weeks: dict[datetime.date, dict] = {}
    for date, day in zip(dates, series):
        monday = date - datetime.timedelta(days=date.weekday())
        week = weeks.setdefault(monday, _empty(monday.isoformat()))
        week["cost"] += day.get("cost") or 0.0
        week["savings"] += day.get("savings") or 0.0
        for tier, cost in day["by_tier"].items():
            week["by_tier"][tier] = week["by_tier"].get(tier, 0.0) + cost
    return list(weeks.values()), list(weeks)


def known_tiers() -> list[str]:
    """Tiers from the bottom of a stack to its top, then entries without a tier."""
    return [*tiers(), NO_TIER]


def _tier_order(series: list[dict]) -> list[str]:
    """The tiers with spend, known ones in order, others after them alphabetically."""
    present = {tier for day in series for tier, cost in day["by_tier"].items() if cost > 0}
    order = known_tiers()
    return [t for t in order if t in present] + sorted(present - set(order))


def _legend(items: list[tuple[str, str]]) -> list[str]:
    parts, x = [], LEFT
    for name, colour in items:
        parts.append(f'<rect class="key" x="{x:.1f}" y="8" width="11" height="11" rx="2" fill="{colour}"/>')
        parts.append(f'<text class="legend" x="{x + 16:.1f}" y="17">{escape(name)}</text>')
        x += 16 + 6.2 * len(name) + 14  # about 6.2px a character at font size 12
    return parts


def _svg(title: str, parts: list[str], height: int = HEIGHT):
    from markupsafe import Markup

    body = "".join(parts)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
                  f'role="img" aria-label="{escape(title)}" font-size="12" fill="currentColor">'
                  f"<title>{escape(title)}</title>{body}</svg>")


def _no_data(title: str):
    text = f'<text x="{WIDTH / 2:.0f}" y="26" text-anchor="middle" fill-opacity="0.6">{escape(NO_DATA)}</text>'
    return _svg(f"{title}: {NO_DATA}", [text], height=44)
