"""Inline SVG charts for the HTML cost report: spend per day stacked by tier, savings per day.

Pure functions of the report's `series` (see `reports.build(series=True)`), standard
library only. They return SVG markup marked safe for jinja (`markupsafe.Markup`,
imported lazily); every piece of text in it is escaped. The SVG scales with its
container (viewBox, width 100%) and inherits the page's text colour.
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
MAX_DAYS = 1000  # gaps between days are filled with zero days up to this many days
TIER_COLOURS = ("#4c8df6", "#17a398", "#e8a33d", "#8e6ad8")  # the tiers' colours, cheapest first
NO_TIER, NO_TIER_COLOUR = "(none)", "#9aa0a6"
EXTRA_COLOURS = ("#d9597a", "#5aa653", "#c77c48", "#4fb3d9")  # for names that are not tiers, in turn
SAVINGS_COLOUR = "#2e9e5b"
NO_DATA = "no data"


def stacked_bars(series: list[dict]):
    """Spend per day as vertical bars stacked by tier, with a legend and a USD axis."""
    if not series:
        return _no_data("spend per day")
    series = _daily(series)
    stack = _tier_order(series)
    extra = itertools.cycle(EXTRA_COLOURS)
    known = {**dict(zip(tiers(), TIER_COLOURS)), NO_TIER: NO_TIER_COLOUR}
    colour = {tier: known.get(tier) or next(extra) for tier in stack}
    totals = [sum(max(0.0, cost) for cost in day["by_tier"].values()) for day in series]
    axes = _Axes([day["day"] for day in series], 0.0, max(totals))
    width = min(BAR_MAX_PX, axes.slot * 0.7)
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
    return _svg("Spend per day, stacked by tier", parts)


def savings_line(series: list[dict]):
    """Savings per day (baseline minus cost) as a line over a shaded area, with a USD axis."""
    if not series:
        return _no_data("savings per day")
    series = _daily(series)
    values = [day["savings"] or 0.0 for day in series]
    axes = _Axes([day["day"] for day in series], min(values), max(values))
    points = [(axes.x(i), axes.y(value)) for i, value in enumerate(values)]
    line = " ".join(f"{x:.2f},{y:.2f}" for x, y in points)
    zero = axes.y(0.0)
    area = f"{points[0][0]:.2f},{zero:.2f} {line} {points[-1][0]:.2f},{zero:.2f}"
    radius = max(1.5, min(3.5, axes.slot / 4))
    parts = axes.frame()
    parts.append(f'<polygon points="{area}" fill="{SAVINGS_COLOUR}" fill-opacity="0.18"/>')
    parts.append(f'<polyline points="{line}" fill="none" stroke="{SAVINGS_COLOUR}" stroke-width="2" '
                 'stroke-linejoin="round"/>')
    for day, value, (x, y) in zip(series, values, points):
        label = escape(f"{day['day']} · saved {format_usd(value)}")
        parts.append(f'<circle class="point" data-day="{escape(day["day"])}" cx="{x:.2f}" cy="{y:.2f}" '
                     f'r="{radius:.1f}" fill="{SAVINGS_COLOUR}"><title>{label}</title></circle>')
    parts += _legend([("saved (baseline − cost)", SAVINGS_COLOUR)])
    return _svg("Savings per day", parts)


# --------------------------------------------------------------------------- shared


class _Axes:
    """The frame both charts share: a USD y scale over [low, high] (zero always in it) and one slot per day."""

    def __init__(self, days: list[str], low: float, high: float) -> None:
        self.days = days
        self.ticks, self.step = _ticks(min(0.0, low), max(0.0, high))
        self.low, self.high = self.ticks[0], self.ticks[-1]  # high > low always
        self.slot = PLOT_W / len(days)

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


def _daily(series: list[dict]) -> list[dict]:
    """The series with a zero day for each day missing between its first and last, so the x axis is even time."""
    try:
        dates = [datetime.date.fromisoformat(day["day"]) for day in series]
    except (TypeError, ValueError):
        return series  # not dates: keep the slots as given
    span = (dates[-1] - dates[0]).days + 1
    if span <= len(series) or span > MAX_DAYS:
        return series
    given = dict(zip(dates, series))
    days = (dates[0] + datetime.timedelta(days=n) for n in range(span))
    return [given.get(day) or {"day": day.isoformat(), "cost": 0.0, "savings": 0.0, "by_tier": {}} for day in days]


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
