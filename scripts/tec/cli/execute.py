"""`tec execute`: a prompt (or a batch of them) on a tier, with escalation and validation.

Exit codes: 0 success, 1 the model call failed or the answer was rejected, 2 bad input
or config, 3 refused by a budget.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InputError
from ..vocabulary import format_usd
from .common import command, force_flag, print_json, print_warnings, read_file, read_stdin, text_for_model

BUDGET_EXIT = 3


def add_parsers(commands) -> None:
    p = command(commands, "execute", "Run a prompt on a tier (Gemini Flash through google-genai, Claude through "
                "anthropic) and record its cost.", 'tec execute --model haiku --prompt "Write a docstring for f"',
                cmd_execute, needs_sdk=True)
    p.add_argument("--model", default="gemini-flash", metavar="MODEL",
                   help="gemini-flash, haiku, sonnet, opus or a model id (default gemini-flash)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--prompt", metavar="TEXT", help="the prompt; - reads it from stdin")
    source.add_argument("--prompt-file", metavar="FILE", help="read the prompt from FILE")
    source.add_argument("--batch", metavar="FILE", help='run each line {"id"?, "prompt", "model"?, "max_tokens"?} '
                        "of FILE (- for stdin); JSON lines out, in input order")
    p.add_argument("--max-tokens", type=int, metavar="N", help="output token limit (default from [execution])")
    p.add_argument("--escalate", action="store_true", help="move up one tier when a call fails or is rejected")
    p.add_argument("--validate", action="store_true", help="send the answer to the validation gate")
    p.add_argument("--concurrency", type=int, metavar="N", help="batch calls in flight (default 4)")
    force_flag(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def cmd_execute(args: argparse.Namespace) -> int:
    from ..run import execute, validation

    if args.batch:
        return _execute_batch(args)
    if args.prompt is None and args.prompt_file is None:
        raise InputError("no prompt given", "pass --prompt TEXT, --prompt-file FILE or --batch FILE")
    prompt = text_for_model(args.prompt_file, "prompt file", args.force) if args.prompt_file else (
        read_stdin() if args.prompt == "-" else args.prompt)
    judge = validation.gate(force=args.force) if args.validate else None
    result = execute.execute(args.model, prompt, args.max_tokens, escalate=args.escalate, judge=judge,
                             force=args.force)
    out = result.to_dict()
    print_warnings(out["warnings"])
    if args.json:
        print_json(out)
    else:
        if out["success"]:
            sys.stdout.write(out["output"].rstrip("\n") + "\n")
        for attempt in out["attempts"]:
            sys.stderr.write(describe_attempt(attempt) + "\n")
    return exit_code(out)


def describe_attempt(attempt: dict) -> str:
    tokens = attempt["tokens"]
    line = (f"{attempt['model'] or '?'} ({attempt['model_id']}): {tokens['input']:,} in + {tokens['output']:,} out"
            f" tokens, {format_usd(attempt['cost'])}, {attempt['latency_ms']:,.0f} ms")
    return line if attempt["success"] else f"{line}: {attempt['error']}"


def exit_code(out: dict) -> int:
    """0 on success, BUDGET_EXIT when a budget refused the last attempt, else 1."""
    if out["success"]:
        return 0
    attempts = out.get("attempts") or []
    return BUDGET_EXIT if attempts and attempts[-1]["error_kind"] == "budget" else 1


def _execute_batch(args: argparse.Namespace) -> int:
    from ..progress import progress_bar
    from ..run import execute

    items = []
    text = read_file(args.batch, "batch file")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except ValueError as exc:
            raise InputError(f"{args.batch}:{number}: not valid JSON ({exc.msg})",
                             'each line needs {"prompt": "..."}') from None
    results = execute.execute_batch(items, concurrency=args.concurrency, escalate=args.escalate,
                                      progress=progress_bar("tasks"))
    for out in results:
        sys.stdout.write(json.dumps(out) + "\n")
    failed = sum(not out["success"] for out in results)
    if failed:
        sys.stderr.write(f"tec: {failed} of {len(results)} tasks failed\n")
    return 1 if failed else 0
