"""`tec pricing`: the dated price table, and `tec pricing import FILE` (LiteLLM's prices)."""

from __future__ import annotations

import argparse
import sys

from ..vocabulary import PRICE_KINDS
from .common import command, print_json, print_warnings


def add_parsers(commands) -> None:
    p = command(commands, "pricing", "Show each model's prices per 1M tokens and the model each tier uses.",
                "tec pricing --json", cmd_pricing)
    p.add_argument("--json", action="store_true", help="print the registry as JSON")
    actions = p.add_subparsers(dest="pricing_command", metavar="ACTION")
    imp = command(actions, "import", "Merge Claude and Gemini prices from LiteLLM's price file into your overlay.",
                  "tec pricing import model_prices_and_context_window.json", cmd_pricing_import)
    imp.add_argument("file", metavar="FILE", help="LiteLLM's model_prices_and_context_window.json")


def cmd_pricing(args: argparse.Namespace) -> int:
    from .. import registry

    reg = registry.load_registry()
    if args.json:
        print_json(reg.to_dict())
    else:
        sys.stdout.write(format_pricing(reg) + "\n")
    return 0


def cmd_pricing_import(args: argparse.Namespace) -> int:
    from ..litellm import import_litellm

    summary = import_litellm(args.file)
    refused = summary["refused"]
    if refused:
        shown = ", ".join(refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
        print_warnings([f"refused {len(refused)} model(s) with an unbelievable price: {shown}"])
    sys.stdout.write(
        f"imported {args.file}: {summary['added']} added, {summary['updated']} updated, "
        f"{summary['unchanged']} unchanged, {summary['skipped']} skipped; "
        f"overlay {summary['path']}\n"
    )
    return 0


def _price(value: float) -> str:
    s = f"{value:.6f}".rstrip("0")
    whole, _, frac = s.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def format_pricing(reg) -> str:
    """A table for people: one row per model, prices in USD per 1M tokens."""
    header = f"Model prices, USD per 1M tokens; table date {reg.date}"
    if reg.overlay:
        header += f"; imported prices from {reg.overlay}"
        if reg.imported_at:
            header += f" ({reg.imported_at})"
    cols = ("tier", "model", "in", "out", "write 5m", "write 1h", "read", "status")
    rows = []
    for mid, entry in reg.models.items():
        tiers = ",".join(reg.tiers_of(mid))
        prices = [_price(entry[k]) for k in PRICE_KINDS]
        rows.append((tiers, mid, *prices, entry.get("status", "unknown")))
        lc = entry.get("long_context")
        if lc is not None:
            label = f"  prompt > {lc['threshold_tokens'] // 1000}k"
            rows.append(("", label, *[_price(lc[k]) for k in PRICE_KINDS], ""))
    widths = [max(len(str(r[i])) for r in [cols, *rows]) for i in range(len(cols))]

    def line(row: tuple) -> str:
        cells = []
        for i, cell in enumerate(row):
            text = str(cell)
            right = 2 <= i <= 6
            cells.append(text.rjust(widths[i]) if right else text.ljust(widths[i]))
        return "  ".join(cells).rstrip()

    out = [header, "", line(cols)]
    out.extend(line(r) for r in rows)
    notes = []
    if any(entry.get("long_context") for entry in reg.models.values()):
        notes.append(
            "prompt > Nk: above N thousand prompt tokens (input + cache), these rates apply "
            "to the whole request."
        )
    for tier, target in reg.tiers.items():
        if target not in reg.models:
            notes.append(f"tier {tier} -> {target} is unpriced.")
    if notes:
        out.append("")
        out.extend(notes)
    return "\n".join(out)
