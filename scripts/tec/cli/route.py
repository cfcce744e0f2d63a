"""`tec route`: one task, a JSON lines file of them, or the bundled examples."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable

from .. import bundled
from ..errors import ConfigError, InputError
from ..vocabulary import format_usd
from .common import check_utf8, command, print_warnings, read_file, read_stdin

FLUSH_EVERY = 1000  # --jsonl output lines buffered between writes
TASK_PREVIEW = 60  # characters of task text shown in the --examples table
EXAMPLES_PATH = bundled.path("examples.jsonl")
CONTEXT_FLAGS = ("files_count", "requires_tests", "external_apis", "subsystems", "security_critical")


def add_parsers(commands) -> None:
    p = command(commands, "route", "Score a task's complexity and recommend a model tier, with its estimated cost.",
                'tec route "Add OAuth2 login" --files 8 --tests --api OAuth2 --subsystem auth', cmd_route)
    p.add_argument("task", nargs="?", metavar="TASK", help="the task text; - reads it from stdin")
    p.add_argument("--files", type=int, dest="files_count", metavar="N",
                   help="how many files the task touches")
    # --no-tests / --no-security let a caller overrule what the text suggests.
    p.add_argument("--tests", action=argparse.BooleanOptionalAction, dest="requires_tests",
                   help="the task needs tests written or changed")
    p.add_argument("--api", action="append", dest="external_apis", metavar="NAME",
                   help="an external API involved (repeatable)")
    p.add_argument("--subsystem", action="append", dest="subsystems", metavar="NAME",
                   help="a subsystem involved (repeatable)")
    p.add_argument("--security", action=argparse.BooleanOptionalAction,
                   dest="security_critical", help="the change is security-critical")
    p.add_argument("--cwd", metavar="DIR", help="repository to check the files the task names")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--jsonl", metavar="FILE",
                   help='route each line {"id", "text", "context"?} of FILE (- for stdin)')
    p.add_argument("--examples", action="store_true",
                   help="route the bundled example tasks and show a table")


def cmd_route(args: argparse.Namespace) -> int:
    _check_route_args(args)
    if args.examples:
        return _route_examples(args)
    if args.jsonl is not None:
        return _route_jsonl(args)
    return _route_one(args)


def _check_route_args(args: argparse.Namespace) -> None:
    given = [args.task is not None, args.jsonl is not None, args.examples]
    if sum(given) != 1:
        raise InputError("give exactly one of TASK, --jsonl FILE or --examples",
                         'e.g. tec route "Fix typo in README"')
    if args.task is None and _flag_context(args):
        raise InputError("--files, --tests, --api, --subsystem and --security describe one TASK",
                         'with --jsonl, give each line its own "context" object')
    if args.cwd is not None and not os.path.isdir(args.cwd):
        raise InputError(f"--cwd {args.cwd}: no such directory")


def _flag_context(args: argparse.Namespace) -> dict:
    """Only the flags given, so the scorer infers the rest from the text."""
    context = {key: getattr(args, key) for key in CONTEXT_FLAGS}
    return {key: value for key, value in context.items() if value is not None}


def _route_one(args: argparse.Namespace) -> int:
    from ..routing.recommend import route

    if args.task == "-":
        task = read_stdin()
        if not task.strip():
            raise InputError("stdin held no task text",
                             "pipe the task in, e.g. echo 'fix typo' | tec route -")
    else:
        task = args.task
        check_utf8(task, "the TASK argument")
    context = _flag_context(args)
    for name in (*context.get("external_apis", ()), *context.get("subsystems", ())):
        check_utf8(name, f"--api/--subsystem {name!a}")
    result = route(task, context, args.cwd).to_dict()
    print_warnings(result["warnings"])
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        sys.stdout.write(format_recommendation(result) + "\n")
    return 0


def format_recommendation(result: dict) -> str:
    """A short readable block: tier and model, reason, factor points, cost."""
    cost = result["estimated_cost"]
    factors = ", ".join(f"{name} {points:g}"
                        for name, points in result["complexity_factors"].items())
    return "\n".join([
        f"{result['model']}  {result['model_id']}  score {result['complexity_score']:g}/10  "
        f"confidence {result['confidence']:g}",
        result["reason"],
        f"factors: {factors}",
        _format_cost(cost),
    ])


def _format_cost(cost: dict) -> str:
    top = cost["top_tier"]
    line = (f"cost: {format_usd(cost['usd'])} ({cost['input_tokens']:,} in + "
            f"{cost['output_tokens']:,} out tokens); on {top['model']} ({top['model_id']}): "
            f"{format_usd(top['usd'])}; saving {format_usd(cost['savings_usd'])}")
    if cost["savings_usd"] is not None and top["usd"]:
        line += f" ({cost['savings_usd'] / top['usd']:.0%})"
    return line


# --------------------------------------------------------------------------- --jsonl


def _route_jsonl(args: argparse.Namespace) -> int:
    from ..routing.batch import route_lines

    # Read and decode it all first: a bad byte anywhere then fails the run before
    # any output, instead of leaving a consumer half an answer and exit code 2.
    text = read_file(args.jsonl, "JSON lines file")
    warnings: list[str] = []
    failed = write_jsonl(route_lines(text.split("\n"), args.cwd, warnings))
    print_warnings(warnings)
    return 1 if failed else 0


def write_jsonl(records: Iterable[dict]) -> int:
    """Write compact JSON lines in chunks; returns how many records were errors."""
    encode = json.JSONEncoder(separators=(",", ":")).encode  # one encoder, not one per line
    out = sys.stdout
    failed = 0
    chunk: list[str] = []
    for record in records:
        failed += "error" in record
        chunk.append(encode(record))
        if len(chunk) >= FLUSH_EVERY:
            out.write("\n".join(chunk) + "\n")
            out.flush()
            chunk.clear()
    if chunk:
        out.write("\n".join(chunk) + "\n")
    out.flush()
    return failed


# --------------------------------------------------------------------------- --examples


def load_examples() -> list[dict]:
    """The bundled example tasks: [{"id", "text", "context"?}, ...]."""
    if not os.path.isfile(EXAMPLES_PATH):  # an install that left the data file out
        raise ConfigError(f"{EXAMPLES_PATH}: the bundled examples are missing",
                          "reinstall the package")
    text = read_file(EXAMPLES_PATH)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _route_examples(args: argparse.Namespace) -> int:
    from ..routing.recommend import route

    rows = []
    warnings: list[str] = []
    for example in load_examples():
        result = route(example["text"], example.get("context"), args.cwd).to_dict()
        warnings.extend(w for w in result["warnings"] if w not in warnings)
        rows.append((example, result))
    print_warnings(warnings)
    if args.json:
        write_jsonl({"id": ex["id"], **result} for ex, result in rows)
    else:
        sys.stdout.write(format_examples(rows) + "\n")
    return 0


def format_examples(rows: list[tuple[dict, dict]]) -> str:
    """A table of routed examples and a total line comparing with the top tier."""
    header = ("id", "tier", "model id", "score", "est. cost", "top-tier cost", "task")
    table = [header]
    for example, result in rows:
        cost = result["estimated_cost"]
        table.append((str(example["id"]), result["model"], result["model_id"],
                      f"{result['complexity_score']:.2f}", format_usd(cost["usd"]),
                      format_usd(cost["top_tier"]["usd"]), _preview(example["text"])))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    numeric = {3, 4, 5}
    lines = ["  ".join(cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
                       for i, cell in enumerate(row)).rstrip() for row in table]
    lines.append(_total_line([result for _, result in rows]))
    return "\n".join(lines)


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= TASK_PREVIEW else flat[: TASK_PREVIEW - 1] + "…"


def _total_line(results: list[dict]) -> str:
    costs = [r["estimated_cost"] for r in results]
    priced = [c for c in costs if c["usd"] is not None and c["top_tier"]["usd"] is not None]
    chosen = sum(c["usd"] for c in priced)
    top = sum(c["top_tier"]["usd"] for c in priced)
    top_tier = costs[0]["top_tier"]["model"] if costs else "the top tier"
    line = (f"total: {format_usd(chosen)} estimated vs {format_usd(top)} "
            f"with every task on {top_tier}")
    if top:
        line += f": saving {(top - chosen) / top:.1%}"
    if len(priced) < len(costs):
        line += f" ({len(costs) - len(priced)} unpriced task(s) left out)"
    return line
