"""`tec validate`: an LLM judge of an output against its task, or the free syntax check."""

from __future__ import annotations

import argparse
import sys

from ..errors import InputError
from ..vocabulary import format_usd
from .common import command, force_flag, print_json, text_for_model


def add_parsers(commands) -> None:
    v = command(commands, "validate", "Judge an output against its task with an LLM, or check files parse "
                "(--syntax, free).", "tec validate --task 'Add a retry' --output patch.diff", cmd_validate,
                needs_sdk=True)
    v.add_argument("--task", metavar="TEXT", help="the task the output was for")
    v.add_argument("--output", metavar="FILE", help="the output to judge; - reads stdin")
    v.add_argument("--model", metavar="MODEL", help="the judge (default [validate] model: sonnet)")
    v.add_argument("--syntax", nargs="+", metavar="PATH", help="only check that these files parse")
    force_flag(v)
    v.add_argument("--json", action="store_true", help="print the verdict as JSON")


def cmd_validate(args: argparse.Namespace) -> int:
    if args.syntax:
        return _syntax(args)
    if not args.task or not args.output:
        raise InputError("tec validate needs --task and --output", "or --syntax PATH... to check files parse")
    from ..run import validation

    output = text_for_model(args.output, "output", args.force)
    verdict = validation.validate(args.task, output, args.model, force=args.force).to_dict()
    if args.json:
        print_json(verdict)
    elif verdict["error"]:
        sys.stderr.write(f"tec: error: validation failed: {verdict['error']}\n")
    else:
        word = "pass" if verdict["pass"] else "FAIL"
        sys.stdout.write(f"{word} (confidence {verdict['confidence']:.2f}"
                         f"{', escalate' if verdict['escalate'] else ''}; {verdict['model_id']}, "
                         f"{format_usd(verdict['cost'])})\n")
        for issue in verdict["issues"]:
            sys.stdout.write(f"- {issue}\n")
    return 0 if verdict["pass"] else 1


def _syntax(args: argparse.Namespace) -> int:
    from ..run import syntax

    results = syntax.check_paths(args.syntax)
    if args.json:
        print_json([r.to_dict() for r in results])
    else:
        for r in results:
            status = "ok" if r.ok and r.checked else ("not checked" if r.ok else "ERROR")
            sys.stdout.write(f"{status:<11} {r.path} ({r.language or 'unknown'})"
                             f"{': ' + r.error if r.error else ''}\n")
    return 0 if all(r.ok for r in results) else 1
