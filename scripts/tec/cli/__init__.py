"""The `tec` command line: argument parsing and output, one module per command group.

Each group declares its subcommands with `common.command(..., func)`, so `main` only
parses and calls what was chosen. The modules that do the work are imported inside
the command that needs them, so `tec --version`, `tec --help` and `tec pricing`
start without loading the scorer. Expected failures (`TecError`) become one
`tec: error:` line plus a hint and the error's exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__, config
from ..errors import TecError
from . import common, costs, docs, edit, execute, pricing, route, setup, statusline, validate

GROUPS = (route, pricing, costs, execute, edit, validate, setup, statusline, docs)


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
    for group in GROUPS:
        group.add_parsers(commands)
    return parser


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
        if args.command != "doctor":  # a config that cannot be read is an error, never silently skipped
            config.load_config()
        if args.needs_sdk:
            from ..claude.environment import relaunch_if_needed

            relaunch_if_needed(sys.argv[1:] if argv is None else argv)
        return args.func(args)
    except TecError as exc:
        common.print_error(exc)
        return exc.exit_code
    except BrokenPipeError:  # e.g. `tec route --jsonl big.jsonl | head`
        common.silence_stdout()
        return 1
    except KeyboardInterrupt:
        return 130
