"""`tec costs`: the report, and its actions ingest, budget, recost and export.

Argument parsing and output only; the `costs` package does the work and is imported
when a command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from ..errors import InputError
from .common import command, print_warnings

WATCH_SECONDS = 10.0
DATE_HINT = "use YYYY-MM-DD, YYYY-MM-DDTHH:MM, today, yesterday, or an age such as 7d or 12h"


def add_parsers(commands) -> None:
    p = command(commands, "costs",
                "Report spend, tokens and savings from the ledger (Claude Code transcripts are read first).",
                "tec costs --by model --since 7d", cmd_report)
    p.add_argument("--by", default="day", metavar="GROUP",
                   help="hour, day (default), week, month, session, model, tier, project or source")
    _report_flags(p, "the report", "tec.costs/1", "--watch")
    actions = p.add_subparsers(dest="costs_command", metavar="ACTION")

    ingest = command(actions, "ingest", "Read new Claude Code transcript lines into the ledger.",
                     "tec costs ingest --claude-dir ~/.claude", cmd_ingest)
    ingest.add_argument("--claude-dir", metavar="DIR", help="default $CLAUDE_CONFIG_DIR (comma-separated) "
                        "or ~/.claude")
    ingest.add_argument("--json", action="store_true", help="print what was read as JSON")

    budget = command(actions, "budget", "Show spend against each budget in [budgets] of the config.",
                     "tec costs budget --json", cmd_budget)
    budget.add_argument("--session", metavar="ID", help="also show the per-session budget for this session")
    budget.add_argument("--json", action="store_true", help="print the budgets as JSON")

    recost = command(actions, "recost", "Price every ledger entry again with the current price table.",
                     "tec costs recost --baseline opus", cmd_recost)
    recost.add_argument("--baseline", metavar="MODEL",
                        help="also change the counterfactual model (a tier or model id)")

    blocks = command(actions, "blocks", "Spend per 5-hour billing block, with the active block's burn rate.",
                     "tec costs blocks --live", cmd_blocks)
    _report_flags(blocks, "the blocks", "tec.blocks/1", "--live")

    export = command(actions, "export", "Print ledger entries as JSON lines.", "tec costs export --since 2026-11-01",
                     cmd_export)
    _period_flags(export)


def _report_flags(p, what: str, schema: str, refresh: str) -> None:
    """The flags every report shares: period, output forms, ingest, and the refresh loop."""
    _period_flags(p)
    p.add_argument("--json", action="store_true", help=f'print {what} as JSON (schema "{schema}")')
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page")
    _ingest_flags(p)
    p.add_argument(refresh, nargs="?", type=float, const=WATCH_SECONDS, metavar="SECONDS",
                   help=f"read new lines and print {what} again every {WATCH_SECONDS:g} s (Ctrl-C stops)")


def _period_flags(p) -> None:
    p.add_argument("--since", metavar="WHEN", help="from this local date or time (" + DATE_HINT + ")")
    p.add_argument("--until", metavar="WHEN", help="up to this date (the whole day) or time")


def _ingest_flags(p) -> None:
    p.add_argument("--no-ingest", action="store_true", help="report the ledger as it is, without reading "
                   "new Claude Code transcript lines first")
    p.add_argument("--claude-dir", metavar="DIR", help="Claude Code's config dir (default $CLAUDE_CONFIG_DIR "
                   "or ~/.claude)")


# --------------------------------------------------------------------------- dates


def parse_when(text: str, *, end: bool = False, now: float | None = None) -> int:
    """A local date, date-time, `today`, `yesterday` or an age (`7d`, `12h`, `30m`) → epoch ms.

    Date-times may carry `Z` or an offset; without one they are local. With `end`, a
    bare date means the end of that day (the start of the next), so `--until
    2026-11-25` includes the 25th.
    """
    import datetime

    now = time.time() if now is None else now
    s = text.strip()
    low = s.lower()
    if low in ("today", "yesterday"):
        day = datetime.date.fromtimestamp(now) - datetime.timedelta(days=low == "yesterday")
        return _local_midnight(day + datetime.timedelta(days=end))
    if len(low) >= 2 and low[-1] in "dhm" and low[:-1].isdigit():
        seconds = int(low[:-1]) * {"d": 86400, "h": 3600, "m": 60}[low[-1]]
        if seconds > now:
            raise InputError(f"{text!r} reaches back before 1970", "use a smaller age or a date")
        return int((now - seconds) * 1000)
    try:
        if len(s) == 10:
            day = datetime.date.fromisoformat(s)
            return _local_midnight(day + datetime.timedelta(days=end))
        if s[-1:] in "Zz":
            s = s[:-1] + "+00:00"  # Python 3.10's fromisoformat does not read Z
        moment = datetime.datetime.fromisoformat(s)
        return int(moment.timestamp() * 1000)  # a naive date-time is taken as local time
    except (ValueError, OverflowError, OSError):
        raise InputError(f"cannot read the date or time {text!r}", DATE_HINT) from None


def _local_midnight(day) -> int:
    import datetime

    return int(datetime.datetime(day.year, day.month, day.day).timestamp() * 1000)


def _period(args: argparse.Namespace) -> tuple[int | None, int | None]:
    since = parse_when(args.since) if args.since else None
    until = parse_when(args.until, end=True) if args.until else None
    if since is not None and until is not None and since >= until:
        raise InputError(f"--since {args.since} is not before --until {args.until}")
    return since, until


# --------------------------------------------------------------------------- commands


def _ingest(book, claude_dir: str | None, quiet_if_missing: bool):
    """Read new transcript lines, fold the hooks' routing spool, settle what routing saved.
    Returns (stats or None when no Claude Code dir exists, the dirs looked in)."""
    import os

    from ..costs import ingest, savings, transcripts

    dirs = transcripts.claude_dirs(claude_dir)
    found = [d for d in dirs if os.path.isdir(d)] if quiet_if_missing else dirs
    stats = None
    if found:
        stats = ingest.ingest(transcripts.transcript_files(found), book, progress=ingest.progress_bar())
    savings.refresh(book)
    return stats, dirs


def _print_ingest_warnings(stats) -> None:
    print_warnings(stats.warnings)
    hidden = stats.malformed - sum("malformed line" in w for w in stats.warnings)
    if hidden > 0:
        sys.stderr.write(f"tec: warning: {hidden} more malformed lines skipped\n")


def cmd_ingest(args: argparse.Namespace) -> int:
    from ..costs.store import Ledger

    with Ledger() as book:
        stats, _dirs = _ingest(book, args.claude_dir, quiet_if_missing=False)
    _print_ingest_warnings(stats)
    if args.json:
        sys.stdout.write(json.dumps(stats.to_dict(), indent=2) + "\n")
        return 0
    line = (f"read {stats.files_read} of {stats.files} transcript files ({stats.bytes / 1e6:,.1f} MB new): "
            f"{stats.responses:,} responses recorded, {stats.skipped:,} synthetic or error lines skipped")
    if stats.sidechain_repeats:
        line += f", {stats.sidechain_repeats:,} sidechain repeats dropped"
    if stats.malformed:
        line += f", {stats.malformed:,} malformed lines skipped"
    if stats.incomplete:
        line += f", {stats.incomplete} incomplete last line(s) left for the next run"
    sys.stdout.write(line + f" in {stats.elapsed_ms / 1000:.2f} s\n")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ..costs import reports

    since, until = _period(args)

    def once() -> str:
        looked, report = _read(args, lambda book: reports.build(book, by=args.by, since=since, until=until,
                                                                  series=bool(args.html)))
        if args.html:
            _write_html(args.html, reports.render_html(report))
        if args.json:
            return json.dumps(report, indent=2)
        if not report["rows"] and looked is not None and not (args.since or args.until):
            return (f"no ledger entries: no Claude Code transcripts found in {', '.join(looked)} "
                    "(pass --claude-dir DIR or set CLAUDE_CONFIG_DIR)")
        return reports.format_table(report)

    return _show(once, args.watch)


def cmd_blocks(args: argparse.Namespace) -> int:
    from ..costs import blocks

    since, until = _period(args)

    def once() -> str:
        _looked, report = _read(args, lambda book: blocks.build(book, since=since, until=until))
        if args.html:
            _write_html(args.html, blocks.render_html(report))
        return json.dumps(report, indent=2) if args.json else blocks.format_table(report)

    return _show(once, args.live)


def _read(args: argparse.Namespace, build):
    """Ingest new transcript lines unless told not to, then build a report from the ledger.
    Returns (the dirs looked in when none had transcripts, else None; the report)."""
    from ..costs.store import Ledger

    looked = None
    with Ledger() as book:
        if not args.no_ingest:
            stats, dirs = _ingest(book, args.claude_dir, quiet_if_missing=args.claude_dir is None)
            if stats is not None:
                _print_ingest_warnings(stats)
            if not stats or not stats.files:
                looked = dirs
        return looked, build(book)


def _write_html(path: str, page: str) -> None:
    from ..config import write_atomic

    try:
        write_atomic(path, page)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}", "pick a writable path for --html") from None
    sys.stderr.write(f"wrote {path}\n")


def _show(render, every: float | None) -> int:
    """Print render() once, or again every `every` seconds until Ctrl-C (which is how a watch ends: exit 0)."""
    if every is None:
        sys.stdout.write(render() + "\n")
        return 0
    if every <= 0:
        raise InputError(f"cannot refresh every {every:g} s", "give a positive number of seconds")
    clear = "\x1b[H\x1b[2J" if sys.stdout.isatty() else ""
    try:
        while True:
            text = render()
            if not text.startswith("{"):  # JSON stays one document per refresh
                text += f"\n(refreshed {time.strftime('%H:%M:%S')}, every {every:g} s; Ctrl-C stops)"
            sys.stdout.write(f"{clear}{text}\n")
            sys.stdout.flush()
            time.sleep(every)
    except KeyboardInterrupt:
        sys.stdout.write("\n")
        return 0


def cmd_budget(args: argparse.Namespace) -> int:
    from .. import config
    from ..costs import budgets
    from ..costs.store import Ledger
    from ..units import bar

    conf = budgets.settings()
    with Ledger() as book:
        states = budgets.status(book, session=args.session)
    if args.json:
        out = {"action": conf["action"], "warn_at": conf["warn_at"], "budgets": [s.to_dict() for s in states]}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return 0
    if not states:
        sys.stdout.write(f"no budgets set; add e.g. `daily = 5.0` under [budgets] in {config.config_path()}\n")
        return 0
    for state in states:
        mark = {"ok": "  ", "warn": "! ", "over": "!!"}[state.level]
        gauge = bar(min(state.fraction, 1.0), 1.0, 20).ljust(20, "·")
        sys.stdout.write(f"{mark} {state.period:<8} {gauge} {state.describe()}\n")
    sys.stdout.write(f"at 100%: {conf['action']} (config: {config.config_path()})\n")
    return 0


def cmd_recost(args: argparse.Namespace) -> int:
    from ..costs.store import Ledger

    with Ledger() as book:
        result = book.recost(baseline=args.baseline)
    sys.stdout.write(f"re-priced {result['entries']:,} entries with the {result['prices']} price table: "
                     f"{result['changed']:,} changed, {result['unpriced']:,} unpriced\n")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..costs.store import Ledger

    since, until = _period(args)
    out = sys.stdout
    with Ledger() as book:
        for entry in book.entries(since, until):
            out.write(json.dumps(entry.to_dict(), separators=(",", ":")) + "\n")
    return 0
