"""`tec execute`, `tec edit` and `tec validate`: argument parsing and output only.

The SDKs load inside the commands, through `execution`, `validation` and `clients`.
Exit codes: 0 success (a validation passed), 1 the model call failed or the output
was rejected, 2 bad input or config, 3 refused by a budget.
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import InputError
from .units import format_usd

BUDGET_EXIT = 3


def add_parsers(commands, command) -> None:
    p = command(commands, "execute", "Run a prompt on a tier (Gemini Flash through google-genai, Claude through "
                "anthropic) and record its cost.", 'tec execute --model haiku --prompt "Write a docstring for f"')
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
    p.add_argument("--json", action="store_true", help="print the result as JSON")

    e = command(commands, "edit", "Make a small edit with Gemini Flash: search/replace blocks, applied in memory, "
                "syntax-checked, shown as a diff.", 'tec edit src/app.py "rename fetch_user to load_user" --apply')
    e.add_argument("path", metavar="PATH", help="the file to edit (inside the project)")
    e.add_argument("instruction", metavar="INSTRUCTION", help="what to change")
    e.add_argument("--apply", action="store_true", help="write the change (atomically, after a backup)")
    e.add_argument("--model", metavar="TIER", help="the first model (default [edit] model: gemini-flash)")
    e.add_argument("--force", action="store_true", help="send a file that looks like a secret anyway")
    e.add_argument("--json", action="store_true", help="print the result as JSON")

    v = command(commands, "validate", "Judge an output against its task with an LLM, or check files parse "
                "(--syntax, free).", "tec validate --task 'Add a retry' --output patch.diff")
    v.add_argument("--task", metavar="TEXT", help="the task the output was for")
    v.add_argument("--output", metavar="FILE", help="the output to judge; - reads stdin")
    v.add_argument("--model", metavar="MODEL", help="the judge (default [validate] model: sonnet)")
    v.add_argument("--syntax", nargs="+", metavar="PATH", help="only check that these files parse")
    v.add_argument("--json", action="store_true", help="print the verdict as JSON")


def _read_text(path: str, what: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", f"check the {what} path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory", f"pass a file as the {what}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text", "re-encode it as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


# --------------------------------------------------------------------------- execute


def cmd_execute(args: argparse.Namespace) -> int:
    from . import execution

    if args.batch:
        return _execute_batch(args)
    if args.prompt is None and args.prompt_file is None:
        raise InputError("no prompt given", "pass --prompt TEXT, --prompt-file FILE or --batch FILE")
    prompt = _read_text(args.prompt_file, "prompt") if args.prompt_file else (
        sys.stdin.read() if args.prompt == "-" else args.prompt)
    result = execution.execute(args.model, prompt, args.max_tokens, escalate=args.escalate, validate=args.validate)
    out = result.to_dict()
    for warning in out["warnings"]:
        sys.stderr.write(f"tec: warning: {warning}\n")
    if args.json:
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        if out["success"]:
            sys.stdout.write(out["output"].rstrip("\n") + "\n")
        for attempt in out["attempts"]:
            sys.stderr.write(describe_attempt(attempt) + "\n")
    return _exit_code(out)


def describe_attempt(attempt: dict) -> str:
    tokens = attempt["tokens"]
    line = (f"{attempt['model'] or '?'} ({attempt['model_id']}): {tokens['input']:,} in + {tokens['output']:,} out"
            f" tokens, {format_usd(attempt['cost'])}, {attempt['latency_ms']:,.0f} ms")
    return line if attempt["success"] else f"{line}: {attempt['error']}"


def _exit_code(out: dict) -> int:
    if out["success"]:
        return 0
    attempts = out.get("attempts") or []
    return BUDGET_EXIT if attempts and attempts[-1]["error_kind"] == "budget" else 1


def _execute_batch(args: argparse.Namespace) -> int:
    from . import execution
    from .progress import progress_bar

    items = []
    text = _read_text(args.batch, "batch file")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except ValueError as exc:
            raise InputError(f"{args.batch}:{number}: not valid JSON ({exc.msg})",
                             'each line needs {"prompt": "..."}') from None
    results = execution.execute_batch(items, concurrency=args.concurrency, escalate=args.escalate,
                                      progress=progress_bar("tasks"))
    for out in results:
        sys.stdout.write(json.dumps(out) + "\n")
    failed = sum(not out["success"] for out in results)
    if failed:
        sys.stderr.write(f"tec: {failed} of {len(results)} tasks failed\n")
    return 1 if failed else 0


# --------------------------------------------------------------------------- edit


def cmd_edit(args: argparse.Namespace) -> int:
    from . import execution

    out = execution.edit_file(args.path, args.instruction, apply=args.apply, model=args.model,
                              force=args.force).to_dict()
    for warning in out["warnings"]:
        sys.stderr.write(f"tec: warning: {warning}\n")
    if args.json:
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
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
    if out["error"]:
        attempts = out["attempts"]
        return BUDGET_EXIT if attempts and attempts[-1]["error_kind"] == "budget" else 1
    return 0


# --------------------------------------------------------------------------- validate


def cmd_validate(args: argparse.Namespace) -> int:
    if args.syntax:
        return _syntax(args)
    if not args.task or not args.output:
        raise InputError("tec validate needs --task and --output", "or --syntax PATH... to check files parse")
    from . import validation

    verdict = validation.validate(args.task, _read_text(args.output, "output"), args.model).to_dict()
    if args.json:
        sys.stdout.write(json.dumps(verdict, indent=2) + "\n")
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
    from . import syntax

    results = syntax.check_paths(args.syntax)
    if args.json:
        sys.stdout.write(json.dumps([r.to_dict() for r in results], indent=2) + "\n")
    else:
        for r in results:
            status = "ok" if r.ok and r.checked else ("not checked" if r.ok else "ERROR")
            sys.stdout.write(f"{status:<11} {r.path} ({r.language or 'unknown'})"
                             f"{': ' + r.error if r.error else ''}\n")
    return 0 if all(r.ok for r in results) else 1
