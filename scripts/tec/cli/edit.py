"""`tec edit PATH "INSTRUCTION"`: a small edit on a cheap model, shown as a diff, written with --apply."""

from __future__ import annotations

import argparse
import sys

from .common import command, force_flag, print_json, print_warnings
from .execute import describe_attempt, exit_code


def add_parsers(commands) -> None:
    e = command(commands, "edit", "Make a small edit with Gemini Flash: search/replace blocks, applied in memory, "
                "syntax-checked, shown as a diff.", 'tec edit src/app.py "rename fetch_user to load_user" --apply',
                cmd_edit, needs_sdk=True)
    e.add_argument("path", metavar="PATH", help="the file to edit (inside the project)")
    e.add_argument("instruction", metavar="INSTRUCTION", help="what to change")
    e.add_argument("--apply", action="store_true", help="write the change (atomically, after a backup)")
    e.add_argument("--model", metavar="TIER", help="the first model (default [edit] model: gemini-flash)")
    force_flag(e)
    e.add_argument("--json", action="store_true", help="print the result as JSON")


def cmd_edit(args: argparse.Namespace) -> int:
    from ..run.edit import edit_file

    out = edit_file(args.path, args.instruction, apply=args.apply, model=args.model, force=args.force).to_dict()
    print_warnings(out["warnings"])
    if args.json:
        print_json(out)
    else:
        if out["diff"]:
            sys.stdout.write(out["diff"])
        for attempt in out["attempts"]:
            sys.stderr.write(describe_attempt(attempt) + "\n")
        if out["error"]:
            sys.stderr.write(f"tec: error: the edit failed: {out['error']}\n")
        elif out["applied"]:
            sys.stderr.write(f"applied to {out['path']}; backup: {out['backup']}\n")
        elif out["diff"]:
            sys.stderr.write("not applied (pass --apply to write it)\n")
    return exit_code(out)
