"""The `tec` command line: argument parsing and output formatting, nothing else.

The modules that do the work are imported inside the command that needs them,
so `tec --version`, `tec --help` and `tec pricing` start without loading the
scorer. Expected failures (`TecError`) become one `tec: error:` line plus a
hint and the error's exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator

from . import __version__, cli_costs, cli_run, cli_setup
from .errors import ConfigError, InputError, TecError
from .units import format_usd

FLUSH_EVERY = 1000  # --jsonl output lines buffered between writes
PARALLEL_MIN_LINES = 1000  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 8
TASK_PREVIEW = 60  # characters of task text shown in the --examples table
EXAMPLES_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "examples.jsonl")
UTF8_FIX = "re-encode it as UTF-8 first, e.g. `iconv -f latin1 -t utf-8 IN > OUT`"
ARG_UTF8_FIX = "pass UTF-8 text, or pipe the bytes through iconv into `tec route -`"
CONTEXT_FLAGS = ("files_count", "requires_tests", "external_apis", "subsystems",
                 "security_critical")


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tec",
        description="Route coding tasks to the cheapest model tier that will do them well.",
        epilog='examples:\n  tec route "Fix typo in README"\n  tec route --examples\n'
               "  tec costs --by model --since 7d\n  tec pricing",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tec {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_route(commands)
    _add_pricing(commands)
    cli_costs.add_parser(commands, _command)
    cli_run.add_parsers(commands, _command)
    cli_setup.add_parsers(commands, _command)
    _add_docs(commands)
    return parser


def _command(group, name: str, summary: str, example: str) -> argparse.ArgumentParser:
    """A subcommand whose --help shows a one-line description and an example."""
    return group.add_parser(name, help=summary, description=summary,
                            epilog=f"example:\n  {example}",
                            formatter_class=argparse.RawDescriptionHelpFormatter)


def _add_route(commands) -> None:
    p = _command(commands, "route",
                 "Score a task's complexity and recommend a model tier, with its estimated cost.",
                 'tec route "Add OAuth2 login" --files 8 --tests --api OAuth2 --subsystem auth')
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


def _add_docs(commands) -> None:
    p = _command(commands, "docs", "Render references/*.md from the data files (prices, thresholds, weights).",
                 "tec docs --check")
    p.add_argument("--check", action="store_true", help="only report stale pages; exit 1 if any")


def cmd_docs(args: argparse.Namespace) -> int:
    from . import docs

    stale = docs.write(check=args.check)
    print("\n".join(f"wrote {path}" for path in stale) if stale else "references are up to date")
    return 0


def _add_pricing(commands) -> None:
    p = _command(commands, "pricing",
                 "Show each model's prices per 1M tokens and the model each tier uses.",
                 "tec pricing --json")
    p.add_argument("--json", action="store_true", help="print the registry as JSON")
    actions = p.add_subparsers(dest="pricing_command", metavar="ACTION")
    imp = _command(actions, "import",
                   "Merge Claude and Gemini prices from LiteLLM's price file into your overlay.",
                   "tec pricing import model_prices_and_context_window.json")
    imp.add_argument("file", metavar="FILE", help="LiteLLM's model_prices_and_context_window.json")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Run one `tec` command; returns the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version or a usage error, already printed
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return _dispatch(args, argv)
    except TecError as exc:
        _print_error(exc)
        return exc.exit_code
    except BrokenPipeError:  # e.g. `tec route --jsonl big.jsonl | head`
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, argv: list[str] | None = None) -> int:
    if args.command == "route":
        return cmd_route(args)
    if args.command == "docs":
        return cmd_docs(args)
    if args.command == "costs":
        return cli_costs.run(args)
    if args.command in ("execute", "edit", "validate"):
        from .install import relaunch_if_needed

        relaunch_if_needed(sys.argv[1:] if argv is None else argv)
    if args.command == "execute":
        return cli_run.cmd_execute(args)
    if args.command == "validate":
        return cli_run.cmd_validate(args)
    if args.command == "edit":
        return cli_run.cmd_edit(args)
    setup = {"install": cli_setup.cmd_install, "uninstall": cli_setup.cmd_uninstall,
             "doctor": cli_setup.cmd_doctor, "config": cli_setup.cmd_config}
    if args.command in setup:
        return setup[args.command](args)
    if args.pricing_command == "import":
        return cmd_pricing_import(args)
    return cmd_pricing(args)


def _print_error(exc: TecError) -> None:
    lines = [f"tec: error: {exc.message}"]
    if exc.hint:
        lines.append(f"  hint: {exc.hint}")
    sys.stderr.write("\n".join(lines) + "\n")


def _print_warnings(warnings: Iterable[str]) -> None:
    for warning in warnings:
        sys.stderr.write(f"tec: warning: {warning}\n")


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# --------------------------------------------------------------------------- input


def _read_stdin() -> str:
    stream = sys.stdin
    if stream is None:
        raise InputError("there is no stdin to read from", "pass the task as an argument")
    raw = getattr(stream, "buffer", None)
    if raw is None:  # an embedding program swapped in a text stream: already decoded
        return stream.read()
    # Decode ourselves: the locale's decoder would either raise mid-read or
    # silently smuggle surrogates into the task text.
    return _decode(raw.read(), "stdin")


def _read_file(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file",
                         "check the path, or pass - to read stdin") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a JSON lines file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    return _decode(data, path)


def _decode(data: bytes, where: str) -> str:
    """UTF-8 text (a leading BOM dropped), or an error naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{where} is not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line})", UTF8_FIX
        ) from None


def _check_utf8(value: str, what: str) -> None:
    """Reject arguments the OS passed as undecodable bytes (Python keeps them as surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} is not valid UTF-8 text", ARG_UTF8_FIX) from None


# --------------------------------------------------------------------------- route


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
    from . import router

    if args.task == "-":
        task = _read_stdin()
        if not task.strip():
            raise InputError("stdin held no task text",
                             "pipe the task in, e.g. echo 'fix typo' | tec route -")
    else:
        task = args.task
        _check_utf8(task, "the TASK argument")
    context = _flag_context(args)
    for name in (*context.get("external_apis", ()), *context.get("subsystems", ())):
        _check_utf8(name, f"--api/--subsystem {name!a}")
    result = router.route(task, context, args.cwd).to_dict()
    _print_warnings(result["warnings"])
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


# --------------------------------------------------------------------------- route --jsonl


class _BadLine(Exception):
    def __init__(self, ident: object, message: str) -> None:
        super().__init__(message)
        self.ident = ident
        self.message = message


def _route_jsonl(args: argparse.Namespace) -> int:
    # Read and decode it all first: a bad byte anywhere then fails the run before
    # any output, instead of leaving a consumer half an answer and exit code 2.
    text = _read_stdin() if args.jsonl == "-" else _read_file(args.jsonl)
    warnings: list[str] = []
    failed = _write_jsonl(route_lines(text.split("\n"), args.cwd, warnings))
    _print_warnings(warnings)
    return 1 if failed else 0


def route_lines(lines: Iterable[str], cwd: str | None, warnings: list[str]) -> Iterator[dict]:
    """One output record per non-blank input line, in order; bad lines become error records.

    Large inputs are spread over worker processes (one per core), order kept.
    Unpriced-model warnings are collected once into `warnings` rather than
    repeated per line. A config error stops the whole run (it is not the line's fault).
    """
    _init_worker(cwd)  # loads rules and prices here first, so a broken config fails before any output
    numbered = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or len(numbered) < PARALLEL_MIN_LINES:
        records: Iterable[dict] = map(_route_line, numbered)
        yield from _collect_warnings(records, warnings)
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with multiprocessing.get_context(method).Pool(workers, _init_worker, (cwd,)) as pool:
        yield from _collect_warnings(pool.imap(_route_line, numbered, chunksize=128), warnings)


_worker: dict = {}


def _init_worker(cwd: str | None) -> None:
    from . import registry, scoring

    _worker.update(cwd=cwd, rules=scoring.load_rules(), reg=registry.load_registry())


def _route_line(item: tuple[int, str]) -> dict:
    from . import router

    number, line = item
    try:
        ident, task, context = _parse_line(line, number)
    except _BadLine as bad:
        return {"id": bad.ident, "error": bad.message}
    try:
        fields = router.route(task, context, _worker["cwd"], _worker["rules"], _worker["reg"]).to_dict()
    except InputError as exc:  # a malformed context, as the scorer sees it
        return {"id": ident, "error": str(exc)}
    return {"id": ident, **fields}


def _collect_warnings(records: Iterable[dict], warnings: list[str]) -> Iterator[dict]:
    for record in records:
        for warning in record.get("warnings", ()):
            if warning not in warnings:
                warnings.append(warning)
        yield record


def _parse_line(line: str, number: int) -> tuple[object, str, object]:
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise _BadLine(number, f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(obj, dict):
        raise _BadLine(number, 'a line must be a JSON object like {"id": "a", "text": "..."}')
    ident = obj.get("id")
    if ident is None:
        ident = number
    if "text" not in obj:
        raise _BadLine(ident, 'missing "text"')
    task = obj["text"]
    if not isinstance(task, str):
        raise _BadLine(ident, '"text" must be a string')
    if not task.strip():
        raise _BadLine(ident, '"text" is empty')
    return ident, task, obj.get("context")


def _write_jsonl(records: Iterable[dict]) -> int:
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


# --------------------------------------------------------------------------- route --examples


def load_examples() -> list[dict]:
    """The bundled example tasks: [{"id", "text", "context"?}, ...]."""
    if not os.path.isfile(EXAMPLES_PATH):  # an install that left the data file out
        raise ConfigError(f"{EXAMPLES_PATH}: the bundled examples are missing",
                          "reinstall the package")
    text = _read_file(EXAMPLES_PATH)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _route_examples(args: argparse.Namespace) -> int:
    from . import router

    rows = []
    warnings: list[str] = []
    for example in load_examples():
        result = router.route(example["text"], example.get("context"), args.cwd).to_dict()
        warnings.extend(w for w in result["warnings"] if w not in warnings)
        rows.append((example, result))
    _print_warnings(warnings)
    if args.json:
        _write_jsonl({"id": ex["id"], **result} for ex, result in rows)
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


# --------------------------------------------------------------------------- pricing


def cmd_pricing(args: argparse.Namespace) -> int:
    from . import registry

    reg = registry.load_registry()
    if args.json:
        sys.stdout.write(json.dumps(reg.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(registry.format_pricing(reg) + "\n")
    return 0


def cmd_pricing_import(args: argparse.Namespace) -> int:
    from . import registry

    summary = registry.import_litellm(args.file)
    sys.stdout.write(
        f"imported {args.file}: {summary['added']} added, {summary['updated']} updated, "
        f"{summary['unchanged']} unchanged, {summary['skipped']} skipped; "
        f"overlay {summary['path']}\n"
    )
    return 0
