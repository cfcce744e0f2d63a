"""`tec install`, `tec uninstall`, `tec doctor` and `tec config`: parsing and output only."""

from __future__ import annotations

import argparse
import json
import sys


def add_parsers(commands, command) -> None:
    p = command(commands, "install", "Set up the skill and hooks in Claude Code (and the SDKs' environment).",
                "tec install --scope user")
    p.add_argument("--scope", choices=("user", "project"), default="user",
                   help="user: ~/.claude (default); project: ./.claude")
    p.add_argument("--mode", choices=("plugin", "settings"), default="plugin",
                   help="plugin: link as a skills-directory plugin (default); settings: merge the hooks into "
                        "settings.json")
    p.add_argument("--no-venv", action="store_true", help="do not create the private environment for the SDKs")
    u = command(commands, "uninstall", "Undo what tec install did (its link, its hook entries).",
                "tec uninstall")
    u.add_argument("--scope", choices=("user", "project"), help="only this scope (default: all)")
    d = command(commands, "doctor", "Check python, dependencies, API keys, hooks, the ledger and the price table.",
                "tec doctor")
    d.add_argument("--json", action="store_true", help="print the checks as JSON")
    c = command(commands, "config", "Print the effective configuration and where each value comes from.",
                "tec config --json")
    c.add_argument("--json", action="store_true", help="print the settings as JSON")


def cmd_install(args: argparse.Namespace) -> int:
    from . import install

    for line in install.install(args.scope, args.mode, venv=not args.no_venv):
        sys.stdout.write(line + "\n")
    return 0


def cmd_uninstall(args: argparse.Namespace) -> int:
    from . import install

    for line in install.uninstall(args.scope):
        sys.stdout.write(line + "\n")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from . import doctor

    results = doctor.checks()
    if args.json:
        sys.stdout.write(json.dumps([c.to_dict() for c in results], indent=2) + "\n")
    else:
        for c in results:
            sys.stdout.write(f"{c.level:<4}  {c.name:<13} {c.detail}\n")
            if c.fix and c.level != "ok":
                sys.stdout.write(f"{'':<19} fix: {c.fix}\n")
    return 1 if any(c.level == "fail" for c in results) else 0


def cmd_config(args: argparse.Namespace) -> int:
    from . import doctor

    rows = doctor.effective()
    if args.json:
        out: dict = {}
        for table, key, value, source in rows:
            out.setdefault(table, {})[key] = {"value": value, "source": source}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return 0
    table_now = None
    for table, key, value, source in rows:
        if table != table_now:
            sys.stdout.write(f"{'' if table_now is None else chr(10)}[{table}]\n")
            table_now = table
        sys.stdout.write(f"{key} = {json.dumps(value)}{'':<4}# {source}\n")
    return 0
