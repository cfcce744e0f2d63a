"""The HTML cost report: the SVG charts, the rendered page, and the page in headless Chromium.

Expected values come from the report itself, formatted with `vocabulary.format_usd` and
`units.compact`, never typed in. The browser tests need `/usr/bin/chromium`
(Debian package `chromium`); without it they skip, except under CI, where they fail.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from tec import units, vocabulary
from tec.costs import charts, reports, store
from tec.costs.entries import Entry, make_entry

SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM_TIMEOUT_S = 90
UNPRICED_MODEL = "acme-mystery-1"
GEOMETRY = {"x", "y", "width", "height", "cx", "cy", "r", "x1", "x2", "y1", "y2"}


# --------------------------------------------------------------------------- data


def noon(day: int) -> int:
    """Local noon of 2026-03-`day` in epoch ms: far from any day boundary, as the report groups by local day."""
    return int(time.mktime((2026, 3, day, 12, 0, 0, 0, 0, -1)) * 1000)


def entries(project: str = "web") -> list:
    def entry(day: int, model: str, inp: int, out: int, cache_read: int = 0, session: str = "s1") -> Entry:
        tokens = {"input": inp, "output": out, "cache_read": cache_read}
        return make_entry("execute", model, tokens, ts=noon(day), session=session, project=project)

    return [
        entry(2, "opus", 40_000, 6_000, 120_000),
        entry(2, "sonnet", 90_000, 12_000, 300_000),
        entry(2, "haiku", 200_000, 20_000, session="s2"),
        entry(3, "sonnet", 50_000, 8_000),
        entry(3, "gemini-flash", 500_000, 40_000, session="s2"),
        entry(5, "opus", 10_000, 2_000),
        entry(5, UNPRICED_MODEL, 3_000, 1_000, session="s3"),
    ]


def build(by: str = "day", project: str = "web", **window) -> dict:
    with store.Ledger() as book:
        book.append(entries(project))
        return reports.build(book, by=by, series=True, **window)


@pytest.fixture
def report() -> dict:
    return build()


# --------------------------------------------------------------------------- helpers


def svg_root(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def segments(root: ET.Element) -> list[dict]:
    """The stacked-bar rectangles as numbers."""
    return [{"day": r.get("data-day"), "tier": r.get("data-tier"), "fill": r.get("fill"),
             "y": float(r.get("y")), "h": float(r.get("height")), "title": r.find(f"{SVG}title").text}
            for r in root.iter(f"{SVG}rect") if r.get("class") == "seg"]


def bars(root: ET.Element) -> list[dict]:
    """The savings-chart rectangles as numbers."""
    return [{"day": r.get("data-day"), "fill": r.get("fill"), "x": float(r.get("x")), "y": float(r.get("y")),
             "w": float(r.get("width")), "h": float(r.get("height")), "title": r.find(f"{SVG}title").text}
            for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def zero_line(root: ET.Element) -> float:
    return next(float(t.get("y")) for t in labels(root, "y-label") if t.text == "$0.00")


def labels(root: ET.Element, cls: str) -> list[ET.Element]:
    return [t for t in root.iter(f"{SVG}text") if t.get("class") == cls]


class Page(HTMLParser):
    """An HTML document as: the text of each element with an id, and every element with its ancestors."""

    VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"))

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = text
        self.open: list[tuple[str, str | None]] = []
        self.text: dict[str, str] = {}
        self.elements: list[tuple[str, dict, tuple]] = []  # (tag, attrs, ancestors as (tag, id) pairs)
        self.feed(text)
        self.close()
        self.text = {key: " ".join(value.split()) for key, value in self.text.items()}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs, tuple(self.open)))
        if tag in self.VOID:
            return
        self.open.append((tag, attrs.get("id")))
        if attrs.get("id"):
            self.text.setdefault(attrs["id"], "")

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), tuple(self.open)))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for _, element_id in self.open:
            if element_id:
                self.text[element_id] += data

    def inside(self, tag: str, *ancestors: str) -> list[dict]:
        """Attributes of every `tag` element that has all of `ancestors` (tag names or #ids) around it."""
        def has(path, want):
            return any((want == f"#{i}") if want.startswith("#") else want == t for t, i in path)

        return [attrs for t, attrs, path in self.elements if t == tag and all(has(path, a) for a in ancestors)]

    def rows(self, section: str) -> list[list[str]]:
        """The cell texts of the #rows table's rows in `section` (thead, tbody, tfoot)."""
        out = []
        for row in TableRows(self.source, section).rows:
            out.append([" ".join(cell.split()) for cell in row])
        return out


class TableRows(HTMLParser):
    """Cell texts of the rows of one section of the table with id "rows"."""

    def __init__(self, text: str, section: str) -> None:
        super().__init__(convert_charrefs=True)
        self.section, self.depth, self.in_section, self.rows = section, 0, False, []
        self.cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == "rows":
            self.depth = 1
        elif self.depth and tag == self.section:
            self.in_section = True
        elif self.in_section and tag == "tr":
            self.rows.append([])
        elif self.in_section and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None
        elif tag == self.section:
            self.in_section = False
        elif tag == "table":
            self.depth = 0

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def expected_cells(key: str, t: dict) -> list[str]:
    """A table row as the terminal table shows it (`tec costs`), so the page and the terminal agree."""
    return reports._cells(key, t)


# --------------------------------------------------------------------------- charts


def test_empty_series_is_a_short_no_data_svg():
    for chart in (charts.stacked_bars, charts.savings_bars):
        markup = chart([])
        root = svg_root(markup)
        assert charts.NO_DATA in "".join(root.itertext())
        assert not segments(root) and not bars(root)
        assert hasattr(markup, "__html__"), "jinja must not escape the chart"


def test_one_day():
    series = [{"day": "2026-01-02", "cost": 0.3, "savings": 0.12, "by_tier": {"opus": 0.2, "haiku": 0.1}}]
    spend = svg_root(charts.stacked_bars(series))
    segs = segments(spend)
    assert sorted(s["tier"] for s in segs) == ["haiku", "opus"]
    assert all(s["h"] > 0 for s in segs)
    assert [t.text for t in labels(spend, "x-label")] == ["2026-01-02"]
    heights = {s["tier"]: s["h"] for s in segs}
    assert heights["opus"] / heights["haiku"] == pytest.approx(2, rel=1e-3)
    [bar] = bars(svg_root(charts.savings_bars(series)))  # a bar, not a lone dot
    assert "2026-01-02" in bar["title"] and vocabulary.format_usd(0.12) in bar["title"]
    assert bar["w"] == charts.BAR_MAX_PX and bar["h"] > 0


def test_all_zeros_divide_by_nothing():
    series = [{"day": f"2026-01-0{d}", "cost": 0.0, "savings": 0.0, "by_tier": {"opus": 0.0}} for d in (1, 2, 3)]
    for chart in (charts.stacked_bars, charts.savings_bars):
        root = svg_root(chart(series))
        numbers = [float(v) for e in root.iter() if e is not root for k, v in e.attrib.items() if k in GEOMETRY]
        assert numbers and all(math.isfinite(n) for n in numbers)
        assert len(labels(root, "y-label")) >= 2  # an axis, even with nothing on it
    assert not segments(svg_root(charts.stacked_bars(series)))
    assert not bars(svg_root(charts.savings_bars(series)))


def test_segments_stack_proportionally(report):
    series = report["series"]
    segs = segments(svg_root(charts.stacked_bars(series)))
    totals = {day["day"]: sum(day["by_tier"].values()) for day in series}
    peak_day = max(totals, key=totals.get)
    height = {day: sum(s["h"] for s in segs if s["day"] == day) for day in totals}
    assert height[peak_day] > 0
    bottoms = set()
    for day in series:
        mine = sorted((s for s in segs if s["day"] == day["day"]), key=lambda s: s["y"])
        assert {s["tier"] for s in mine} == {tier for tier, cost in day["by_tier"].items() if cost > 0}
        assert height[day["day"]] / height[peak_day] == pytest.approx(totals[day["day"]] / totals[peak_day], abs=1e-3)
        for s in mine:
            assert s["h"] / height[day["day"]] == pytest.approx(day["by_tier"][s["tier"]] / totals[day["day"]],
                                                                abs=1e-3)
            assert vocabulary.format_usd(day["by_tier"][s["tier"]]) in s["title"] and day["day"] in s["title"]
        for upper, lower in zip(mine, mine[1:]):  # no gaps, no overlaps
            assert upper["y"] + upper["h"] == pytest.approx(lower["y"], abs=0.02)
        bottoms.add(round(mine[-1]["y"] + mine[-1]["h"], 1))
    assert len(bottoms) == 1  # every bar stands on the same zero line


def test_tiers_in_fixed_order_one_colour_each():
    days = [{"day": "d1", "cost": 4.0, "savings": 0.0, "by_tier": {"opus": 1.0, "sonnet": 1.0, "haiku": 1.0,
                                                                   "gemini-flash": 1.0}},
            {"day": "d2", "cost": 2.0, "savings": 0.0, "by_tier": {"haiku": 1.0, "opus": 1.0}}]
    root = svg_root(charts.stacked_bars(days))
    segs = segments(root)
    for day in ("d1", "d2"):
        bottom_up = [s["tier"] for s in sorted((s for s in segs if s["day"] == day), key=lambda s: -s["y"])]
        assert bottom_up == [t for t in charts.known_tiers() if t in bottom_up]
    fills = {}
    for s in segs:
        fills.setdefault(s["tier"], set()).add(s["fill"])
    assert all(len(f) == 1 for f in fills.values())
    assert len({next(iter(f)) for f in fills.values()}) == len(fills)
    legend = [t.text for t in labels(root, "legend")]
    assert legend == [t for t in charts.known_tiers() if t in fills]


def test_text_is_escaped():
    tier, day = '<b onclick="x">tier</b> & co', "2026-01-01<script>"
    series = [{"day": day, "cost": 1.0, "savings": -0.5, "by_tier": {tier: 1.0}}]
    for chart in (charts.stacked_bars, charts.savings_bars):
        markup = str(chart(series))
        assert "<b " not in markup and "<script>" not in markup
        root = svg_root(markup)  # still well-formed
        assert day in [t.text for t in labels(root, "x-label")]
    segs = segments(svg_root(charts.stacked_bars(series)))
    assert [s["tier"] for s in segs] == [tier]
    assert [t.text for t in labels(svg_root(charts.stacked_bars(series)), "legend")] == [tier]


def test_negative_savings_go_below_zero():
    series = [{"day": d, "cost": 1.0, "savings": s, "by_tier": {"opus": 1.0}}
              for d, s in (("d1", 0.5), ("d2", 0.0), ("d3", -0.25))]
    root = svg_root(charts.savings_bars(series))
    up, down = bars(root)  # d2 saved nothing: no bar
    zero = zero_line(root)
    assert up["y"] + up["h"] == pytest.approx(zero, abs=0.02) and up["y"] < zero
    assert down["y"] == pytest.approx(zero, abs=0.02) and down["h"] == pytest.approx(up["h"] / 2, rel=1e-3)
    assert up["fill"] == charts.SAVINGS_COLOUR and down["fill"] == charts.EXTRA_SPEND_COLOUR
    assert "spent above the baseline" in down["title"] and "spent above the baseline" in [
        t.text for t in labels(root, "legend")]
    assert any(t.text.startswith("−") for t in labels(root, "y-label"))


def test_missing_days_are_zero_days():
    first, last = datetime.date(2026, 2, 27), datetime.date(2026, 3, 2)  # across a month end
    series = [{"day": d.isoformat(), "cost": 1.0, "savings": 0.5, "by_tier": {"haiku": 1.0}} for d in (first, last)]
    every_day = [(first + datetime.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    spend = svg_root(charts.stacked_bars(series))
    assert [t.text for t in labels(spend, "x-label")] == every_day
    assert [s["day"] for s in segments(spend)] == [first.isoformat(), last.isoformat()]
    saved = svg_root(charts.savings_bars(series))
    assert [t.text for t in labels(saved, "x-label")] == every_day
    assert [b["day"] for b in bars(saved)] == [first.isoformat(), last.isoformat()]


def day_series(days: list[datetime.date], cost: float = 1.0) -> list[dict]:
    return [{"day": d.isoformat(), "cost": cost, "savings": cost / 2, "by_tier": {"haiku": cost}} for d in days]


def test_days_a_year_apart_are_two_readable_bars_with_a_break():
    first = datetime.date(2025, 3, 1)
    series = day_series([first, first + datetime.timedelta(days=365)])
    for chart, found in ((charts.stacked_bars, segments), (charts.savings_bars, bars)):
        root = svg_root(chart(series))
        drawn = found(root)
        assert len(drawn) == 2
        widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("class") in ("seg", "bar")]
        assert min(widths) == charts.BAR_MAX_PX  # not 1-pixel slivers at the edges
        assert [t.text for t in labels(root, "x-label")] == [s["day"] for s in series]
        gaps = [line for line in root.iter(f"{SVG}line") if line.get("class") == "gap"]
        assert len(gaps) == 1


def test_sparse_days_keep_only_days_with_data():
    start = datetime.date(2026, 1, 1)
    days = [start + datetime.timedelta(days=9 * n) for n in range(12)]  # 12 days over 100: mostly empty
    shown, unit = charts.slots(day_series(days))
    assert unit == "day" and [s["day"] for s in shown] == [d.isoformat() for d in days]
    assert sum(1 for s in shown if s.get("after_gap")) == 11
    dense = [start + datetime.timedelta(days=n) for n in range(0, 30, 2)]  # every other day: filled in
    assert len(charts.slots(day_series(dense))[0]) == 29


def test_more_days_than_fit_are_summed_by_week_and_no_bar_is_too_thin():
    start = datetime.date(2025, 1, 6)  # a Monday
    days = [start + datetime.timedelta(days=n) for n in range(500)]
    series = day_series(days)
    shown, unit = charts.slots(series)
    assert unit == "week" and len(shown) == math.ceil(500 / 7)
    assert sum(s["cost"] for s in shown) == pytest.approx(500.0)
    assert shown[0]["day"] == start.isoformat() and shown[0]["cost"] == pytest.approx(7.0)
    root = svg_root(charts.stacked_bars(series))
    assert "per week" in root.find(f"{SVG}title").text
    assert min(s["w"] for s in bars(svg_root(charts.savings_bars(series)))) >= charts.BAR_MIN_PX


def test_x_labels_are_a_readable_subset():
    series = [{"day": f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}", "cost": 1.0 + i % 3, "savings": 0.1,
               "by_tier": {"sonnet": 1.0 + i % 3}} for i in range(90)]
    for chart in (charts.stacked_bars, charts.savings_bars):
        shown = labels(svg_root(chart(series)), "x-label")
        assert 2 <= len(shown) < 20
        assert shown[0].text == series[0]["day"]
        xs = [float(t.get("x")) for t in shown]
        assert min(b - a for a, b in zip(xs, xs[1:])) >= charts.X_LABEL_PX - 0.01


# --------------------------------------------------------------------------- the page


def test_page_headline_figures_and_table(report):
    page = Page(reports.render_html(report))
    total = report["total"]
    assert total["unpriced_calls"] == 1 and total["savings"] > 0  # the data exercises what follows
    assert page.text["total-cost"] == vocabulary.format_usd(total["cost"]) + "*"
    assert page.text["total-savings"].startswith(vocabulary.format_usd(total["savings"]))
    assert f"{total['savings_pct']:.1f}%" in page.text["total-savings"]
    assert page.text["total-calls"].startswith(f"{total['calls']:,}")
    assert vocabulary.format_usd(total["baseline_cost"]) in page.text["total-baseline"]
    assert page.text["total-tokens"].startswith(units.compact(sum(total["tokens"].values())))
    parts = re.findall(r"([\d.]+[kMB]?) (in|out|cache write|cache read)", page.text["total-tokens"])
    tokens = total["tokens"]
    assert dict((kind, n) for n, kind in parts) == {  # the breakdown adds up to the total shown
        "in": units.compact(tokens["input"]), "out": units.compact(tokens["output"] + tokens["thinking"]),
        "cache write": units.compact(tokens["cache_write"]), "cache read": units.compact(tokens["cache_read"])}
    assert sum(tokens.values()) == tokens["input"] + tokens["output"] + tokens["thinking"] + tokens[
        "cache_write"] + tokens["cache_read"]
    assert page.rows("tbody") == [expected_cells(row["key"], row) for row in report["rows"]]
    assert page.rows("tfoot") == [expected_cells("total", total)]
    assert page.rows("thead")[0][0] == report["by"] and len(page.rows("thead")[0]) == 9
    assert UNPRICED_MODEL in page.text["unpriced"]


def test_page_embeds_both_charts_as_svg(report):
    page = Page(reports.render_html(report))
    positive = sum(1 for day in report["series"] for cost in day["by_tier"].values() if cost > 0)
    assert len([a for a in page.inside("rect", "#spend-chart") if a.get("class") == "seg"]) == positive
    saved = [a["data-day"] for a in page.inside("rect", "#savings-chart") if a.get("class") == "bar"]
    assert saved == [day["day"] for day in report["series"] if day["savings"]]
    first, last = (datetime.date.fromisoformat(report["series"][i]["day"]) for i in (0, -1))
    days = [a for a in page.inside("text", "#savings-chart") if a.get("class") == "x-label"]
    assert len(days) == (last - first).days + 1  # one slot a day, days without calls included


def test_page_period_and_generated_time(report):
    html = reports.render_html(report)
    assert "all time" in html and f'datetime="{report["generated"]}"' in html
    windowed = build(since=noon(3), until=noon(5))
    html = reports.render_html(windowed)
    assert f'datetime="{windowed["since"]}"' in html and f'datetime="{windowed["until"]}"' in html
    assert "all time" not in html
    assert [row["key"] for row in windowed["rows"]] == [row["key"] for row in report["rows"][1:2]]


def test_page_without_unpriced_models_has_no_note():
    with store.Ledger() as book:
        book.append([e for e in entries() if e.model != UNPRICED_MODEL])
        report = reports.build(book, by="day", series=True)
    page = Page(reports.render_html(report))
    assert "unpriced" not in page.text
    assert page.text["total-cost"] == vocabulary.format_usd(report["total"]["cost"])


def test_empty_ledger_page():
    with store.Ledger() as book:
        report = reports.build(book, by="day", series=True)
    page = Page(reports.render_html(report))
    assert charts.NO_DATA in page.text["spend-chart"] and charts.NO_DATA in page.text["savings-chart"]
    assert page.rows("tfoot") == []
    assert [len(row) for row in page.rows("tbody")] == [1]  # one cell saying there is nothing
    assert page.text["total-cost"] == vocabulary.format_usd(report["total"]["cost"])


def test_page_escapes_keys():
    project = '<script>alert("x")</script> & <b>co</b>'
    report = build(by="project", project=project)
    html = reports.render_html(report)
    assert project not in html and "<b>co</b>" not in html
    assert Page(html).rows("tbody")[0][0] == project


def test_page_has_no_external_resources(report):
    html = reports.render_html(report)
    assert not re.search(r"""<(link|script|img|iframe|object|embed)\b[^>]*\b(src|href)\s*=""", html, re.I)
    assert not re.search(r"""\b(src|href|action|poster)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"""url\(|@import""", html, re.I)


# --------------------------------------------------------------------------- the page in Chromium


def chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: apt-get install chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


class Run:
    """One headless Chromium run on a file: its stdout, its console messages, the requests the page made."""

    def __init__(self, page: str, workdir, *args: str) -> None:
        work = tempfile.mkdtemp(dir=workdir)
        netlog = os.path.join(work, "netlog.json")
        cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={work}/profile",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-extensions", "--hide-scrollbars",
               "--enable-logging=stderr", "--v=0", "--host-resolver-rules=MAP * ~NOTFOUND",
               f"--log-net-log={netlog}", *args, f"file://{page}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_S)
        assert proc.returncode == 0, proc.stderr[-3000:]
        self.stdout = proc.stdout
        # console.* calls and uncaught exceptions: `...:INFO:CONSOLE:1] "Uncaught Error: x", source: file://...`
        self.console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
        self.requests = page_requests(netlog)


def page_requests(netlog: str) -> list[str]:
    """URLs other than file:/data: that the page (not the browser's own services) asked the network for."""
    with open(netlog, encoding="utf-8") as f:
        text = f.read().rstrip().rstrip(",")
    log = json.loads(text if text.endswith("}") else text + "]}")
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] != start or re.match(r"(file|data|about|blob):", params.get("url", "")):
            continue
        if "file://" in params.get("network_isolation_key", "") + params.get("site_for_cookies", ""):
            urls.append(params["url"])
    return urls


def write_page(tmp_path, html: str, name: str = "report.html") -> str:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return str(path)


def test_chromium_detectors_catch_errors_and_requests(tmp_path, report):
    """The checks below would see a script error or a network request: a page with both trips them."""
    canary = ('<img src="http://canary.invalid/pixel.png" alt="">'
              '<script>throw new Error("deliberate-canary")</script></body>')
    page = write_page(tmp_path, reports.render_html(report).replace("</body>", canary), "broken.html")
    run = Run(page, tmp_path, "--dump-dom")
    assert any("Uncaught" in line and "deliberate-canary" in line for line in run.console), run.console
    assert any("canary.invalid/pixel.png" in url for url in run.requests), run.requests


def test_page_in_chromium(tmp_path, report):
    run = Run(write_page(tmp_path, reports.render_html(report)), tmp_path, "--dump-dom")
    assert run.console == []
    assert run.requests == []
    dom = Page(run.stdout)
    total = report["total"]
    assert dom.text["total-cost"] == vocabulary.format_usd(total["cost"]) + ("*" if total["unpriced_calls"] else "")
    assert dom.text["total-savings"].startswith(vocabulary.format_usd(total["savings"]))
    assert dom.text["total-calls"].startswith(f"{total['calls']:,}")
    assert dom.rows("tbody") == [expected_cells(row["key"], row) for row in report["rows"]]
    segs = [a for a in dom.inside("rect", "#spend-chart", "svg") if a.get("class") == "seg"]
    assert len(segs) == sum(1 for day in report["series"] for cost in day["by_tier"].values() if cost > 0)


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshot(tmp_path, report, scheme):
    shot = tmp_path / f"report-{scheme}.png"
    args = ["--force-dark-mode"] if scheme == "dark" else []
    run = Run(write_page(tmp_path, reports.render_html(report)), tmp_path, f"--screenshot={shot}",
              "--window-size=1200,1600", *args)
    assert run.console == [] and run.requests == []
    assert shot.exists() and shot.stat().st_size > 20_000
    assert png_size(str(shot)) == (1200, 1600)


def ledger_on(days: list[datetime.date]) -> dict:
    """A report over one sonnet call at noon of each day."""
    with store.Ledger() as book:
        book.append([make_entry("execute", "sonnet", {"input": 20_000, "output": 2_000},
                                ts=int(time.mktime((*d.timetuple()[:3], 12, 0, 0, 0, 0, -1)) * 1000), session="s1")
                     for d in days])
        return reports.build(book, by="day", series=True)


MEASURE = """<pre id="measured"></pre><script>
document.getElementById("measured").textContent = JSON.stringify(
  [...document.querySelectorAll("rect.seg, rect.bar")].map(r => r.getBoundingClientRect().width));
</script></body>"""
SHAPES = {
    "one day": [datetime.date(2026, 3, 2)],
    "a year apart": [datetime.date(2025, 3, 2), datetime.date(2026, 3, 2)],
    "sparse": [datetime.date(2026, 1, 1) + datetime.timedelta(days=9 * n) for n in range(12)],
    "500 days": [datetime.date(2025, 1, 1) + datetime.timedelta(days=n) for n in range(500)],
}


@pytest.mark.parametrize("shape", SHAPES)
def test_sparse_and_long_data_render_readable_bars_in_chromium(tmp_path, shape):
    html = reports.render_html(ledger_on(SHAPES[shape]))
    run = Run(write_page(tmp_path, html.replace("</body>", MEASURE)), tmp_path, "--window-size=1200,1600",
              "--dump-dom")
    assert run.console == [] and run.requests == []
    widths = json.loads(re.search(r'<pre id="measured">(.*?)</pre>', run.stdout, re.S).group(1))
    assert widths and min(widths) >= charts.BAR_MIN_PX  # as drawn on screen, in CSS pixels
    shot = tmp_path / "shape.png"
    Run(write_page(tmp_path, html, "shape.html"), tmp_path, f"--screenshot={shot}", "--window-size=1200,1600")
    assert png_size(str(shot)) == (1200, 1600)


def test_missing_chromium_skips_locally_and_fails_under_ci(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        chromium()


def test_footer_says_how_savings_were_counted(report):
    note = Page(reports.render_html(report)).text["baseline-note"]
    assert "default opus" not in note
    counted = {k: n for k, n in report["baselines"].items() if k not in ("own model", "unrecorded")}
    assert counted, "the fixture has calls with a baseline"
    for key, n in counted.items():
        assert f"{n:,} {reports.BASELINE_LABELS[key]}" in note
