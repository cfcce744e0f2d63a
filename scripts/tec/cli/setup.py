"""`tec install`, `tec uninstall`, `tec doctor` and `tec config`: parsing and output only."""

from __future__ import annotations

import argparse
import json
import sys

from .common import command, print_json


def add_parsers(commands) -> None:
    p = command(commands, "install", "Set up the skill and hooks in Claude Code (and the SDKs' environment).",
                "tec install --scope user", cmd_install)
    p.add_argument("--scope", choices=("user", "project"), default="user",
                   help="user: ~/.claude (default); project: ./.claude")
    p.add_argument("--mode", choices=("plugin", "settings"), default="plugin",
                   help="plugin: link as a skills-directory plugin (default); settings: merge the hooks into "
                        "settings.json")
    p.add_argument("--no-venv", action="store_true", help="do not create the private environment for the SDKs")
    p.add_argument("--sdk-only", action="store_true", help="only set up the interpreter model commands run on "
                   "(for a marketplace install)")
    p.add_argument("--statusline", action="store_true", help="also show cost, budget and savings in Claude Code's "
                   "status bar (settings.json statusLine)")
    p.add_argument("--replace", action="store_true", help="with --statusline: replace a statusLine you already have "
                   "(uninstall puts it back)")
    u = command(commands, "uninstall", "Undo what tec install did (its link, its hook entries).",
                "tec uninstall", cmd_uninstall)
    u.add_argument("--scope", choices=("user", "project"), help="only this scope (default: all)")
    d = command(commands, "doctor", "Check python, dependencies, API keys, hooks, the ledger and the price table.",
                "tec doctor", cmd_doctor)
    d.add_argument("--json", action="store_true", help="print the checks as JSON")
    c = command(commands, "config", "Print the effective configuration and where each value comes from.",
                "tec config --json", cmd_config)
    c.add_argument("--json", action="store_true", help="print the settings as JSON")


def cmd_install(args: argparse.Namespace) -> int:
    from ..claude import install

    for line in install.install(args.scope, args.mode, venv=not args.no_venv, sdk_only=args.sdk_only,
                                statusline=args.statusline, replace=args.replace):
        sys.stdout.write(line + "\n")
    return 0


def cmd_uninstall(args: argparse.Namespace) -> int:
    from ..claude import install

    for line in install.uninstall(args.scope):
        sys.stdout.write(line + "\n")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from ..claude import doctor

    results = doctor.checks()
    if args.json:
        print_json([c.to_dict() for c in results])
    else:
        for c in results:
            sys.stdout.write(f"{c.level:<4}  {c.name:<13} {c.detail}\n")
            if c.fix and c.level != "ok":
                sys.stdout.write(f"{'':<19} fix: {c.fix}\n")
    return 1 if any(c.level == "fail" for c in results) else 0


def effective() -> list[tuple[str, str, object, str]]:
    """(table, key, value, source) for every setting, the routing data's main keys and the tiers."""
    from .. import config, registry
    from ..routing.rules import load_rules

    rows = config.effective()
    user = config.load_config()

    def source(table: str, key: str) -> str:
        given = user.get(table)
        return config.config_path() if isinstance(given, dict) and key in given else "default"

    rules = load_rules()
    rows += [("routing", key, value, source("routing", key))
             for key, value in (("default_tier", rules.default_tier), ("thresholds", rules.thresholds))]
    rows += [("tiers", tier, mid, source("tiers", tier)) for tier, mid in registry.load_registry().tiers.items()]
    return rows


def cmd_config(args: argparse.Namespace) -> int:
    rows = effective()
    if args.json:
        out: dict = {}
        for table, key, value, source in rows:
            out.setdefault(table, {})[key] = {"value": value, "source": source}
        print_json(out)
        return 0
    table_now = None
    for table, key, value, source in rows:
        if table != table_now:
            sys.stdout.write(f"{'' if table_now is None else chr(10)}[{table}]\n")
            table_now = table
        setting = f"# {key} is not set" if value is None else f"{key} = {json.dumps(value)}"
        sys.stdout.write(f"{setting}{'':<4}# {source}\n")
    return 0
