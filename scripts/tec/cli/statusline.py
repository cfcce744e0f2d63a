"""`tec statusline`: the status-bar line for the Claude Code payload on stdin."""

from __future__ import annotations

import argparse
import sys

from .common import command


def add_parsers(commands) -> None:
    command(commands, "statusline", "Print one status-bar line for the Claude Code statusLine JSON on stdin.",
            "echo '{\"session_id\": \"s1\"}' | tec statusline", cmd_statusline)


def cmd_statusline(args: argparse.Namespace) -> int:
    from ..claude.statusline import main

    return main(sys.stdin, sys.stdout)
