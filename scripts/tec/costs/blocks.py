"""Billing blocks: spend in the windows Claude's subscription limits count.

A block starts at the whole UTC hour of its first entry and lasts `[ledger]
block_hours` (5); the first entry at or after its end starts the next block. Rollup
buckets are 15 minutes and hours are whole buckets, so blocks built from buckets
are exact. The block that contains the present moment is active: it carries the
burn rate since its start and the cost projected to its end at that rate.

`build()` returns the documented JSON of `tec costs blocks --json` (schema "tec.blocks/1").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..units import compact, printable
from ..vocabulary import format_usd as usd
from .entries import iso_time, now_ms
from .reports import Totals
from .store.schema import BUCKET_MS

SCHEMA = "tec.blocks/1"
HOUR_MS = 3_600_000


@dataclass
class Block:
    start: int  # epoch ms
    end: int
    totals: Totals = field(default_factory=Totals)
    models: set = field(default_factory=set)
    last: int = 0  # end of the last bucket with activity

    def to_dict(self, now: int) -> dict:
        active = self.start <= now < self.end
        out = {"start": iso_time(self.start), "end": iso_time(self.end), "active": active,
               "models": sorted(self.models), **self.totals.to_dict()}
        if active:
            hours = max(now - self.start, 60_000) / HOUR_MS  # a minute at least: no rate from an instant
            rate = self.totals.cost / hours
            tokens = sum(self.totals.tokens.values())
            out.update(elapsed_minutes=round((now - self.start) / 60_000),
                       remaining_minutes=round((self.end - now) / 60_000),
                       burn_rate_per_hour=round(rate, 6), tokens_per_hour=round(tokens / hours),
                       projected_cost=round(self.totals.cost + rate * (self.end - now) / HOUR_MS, 6))
        return out


def blocks(book, since: int | None, until: int | None, hours: float, sources: list[str] | None) -> list[Block]:
    """The blocks over [since, until), oldest first."""
    length = int(hours * HOUR_MS)
    rows = sorted(book.grouped("model", since, until, sources=sources, per_bucket=True), key=lambda r: r[0])
    out: list[Block] = []
    for bucket, model, tier, *sums in rows:
        if sums[4] == 0:  # calls: a group emptied by deletions
            continue
        ms = bucket * BUCKET_MS
        if not out or ms >= out[-1].end:
            start = ms - ms % HOUR_MS
            out.append(Block(start, start + length))
        block = out[-1]
        block.totals.add(tier, sums)
        block.models.add(model)
        block.last = max(block.last, ms + BUCKET_MS)
    return out


def build(book, since: int | None = None, until: int | None = None, now: int | None = None) -> dict:
    """The blocks as the documented JSON; `now` (epoch ms) decides which block is active."""
    from ..config import settings

    conf = settings("ledger")
    now = now_ms() if now is None else now
    found = blocks(book, since, until, conf["block_hours"], conf["block_sources"])
    rows = [b.to_dict(now) for b in found]
    return {"schema": SCHEMA, "block_hours": conf["block_hours"], "sources": conf["block_sources"],
            "since": iso_time(since) if since is not None else None,
            "until": iso_time(until) if until is not None else None,
            "generated": iso_time(now), "ledger": book.path, "currency": "USD", "blocks": rows,
            "active": next((r for r in rows if r["active"]), None)}


def _local(iso: str) -> str:
    import datetime

    moment = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def format_table(report: dict) -> str:
    """One line per block (local times), the active block marked, its burn rate and projection below."""
    rows = report["blocks"]
    if not rows:
        return f"no {'/'.join(report['sources'] or ['ledger'])} entries" + (
            " in that period" if report["since"] or report["until"] else "; run `tec costs ingest` first")
    header = ["block (local)", "calls", "tokens", "cost", "models"]
    cells = [header] + [[f"{_local(r['start'])}–{_local(r['end'])[11:]}" + (" *" if r["active"] else ""),
                         f"{r['calls']:,}", compact(sum(r["tokens"].values())),
                         usd(r["cost"]) + ("+" if r["unpriced_calls"] else ""),
                         printable(", ".join(r["models"]))] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    out = ["  ".join([c[0].ljust(widths[0]), *(v.rjust(w) for v, w in zip(c[1:4], widths[1:])), c[4]]).rstrip()
           for c in cells]
    active = report["active"]
    if active:
        out.append(f"* active: {active['elapsed_minutes'] // 60}h{active['elapsed_minutes'] % 60:02d}m in, "
                   f"{active['remaining_minutes'] // 60}h{active['remaining_minutes'] % 60:02d}m left; "
                   f"burn {usd(active['burn_rate_per_hour'])}/h, {compact(active['tokens_per_hour'])} tokens/h; "
                   f"projected {usd(active['projected_cost'])} at block end")
    if any(r["unpriced_calls"] for r in rows):
        out.append("+ some calls are unpriced and not in the cost; see `tec costs --by model`")
    return "\n".join(out)


def render_html(report: dict) -> str:
    """A self-contained page: one bar per block, the active block's projection, the table. No network."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("tec", "templates/report"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), keep_trailing_newline=True)
    peak = max([r.get("projected_cost", r["cost"]) for r in report["blocks"]] + [0.0])
    return env.get_template("blocks.html.j2").render(report=report, usd=usd, compact=compact, local=_local,
                                                     peak=peak)
