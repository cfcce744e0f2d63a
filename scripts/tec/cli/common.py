"""What every `tec` command shares: how a subcommand is declared, how input is read, how
errors and warnings are printed."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable

from ..errors import InputError, TecError
from ..units import printable

UTF8_FIX = "re-encode it as UTF-8 first, e.g. `iconv -f latin1 -t utf-8 IN > OUT`"
ARG_UTF8_FIX = "pass UTF-8 text, or pipe the bytes through iconv into `tec route -`"


def command(group, name: str, summary: str, example: str, func=None, *, needs_sdk: bool = False
            ) -> argparse.ArgumentParser:
    """A subcommand whose --help shows a one-line description and an example. `func(args)`
    runs it; `needs_sdk` re-launches into the private environment first when this
    interpreter lacks the model SDKs."""
    p = group.add_parser(name, help=summary, description=summary, epilog=f"example:\n  {example}",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    if func is not None:
        p.set_defaults(func=func, needs_sdk=needs_sdk)
    return p


def force_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help="send a file or text that looks like a secret anyway (only from a terminal)")


def text_for_model(path: str, what: str, force: bool) -> str:
    """A file's text (`-`: stdin) that is about to be sent to a model, past the secrets policy."""
    from ..run import secrets

    if path == "-":
        return read_stdin()
    return secrets.read_file(path, secrets.project_root(), force=force, what=what)[1]


def print_json(value: object) -> None:
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


def print_error(exc: TecError) -> None:
    lines = [f"tec: error: {printable(exc.message)}"]
    if exc.hint:
        lines.append(f"  hint: {printable(exc.hint)}")
    sys.stderr.write("\n".join(lines) + "\n")


def print_warnings(warnings: Iterable[str]) -> None:
    for warning in warnings:
        sys.stderr.write(f"tec: warning: {printable(warning)}\n")


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# --------------------------------------------------------------------------- input


def read_stdin() -> str:
    stream = sys.stdin
    if stream is None:
        raise InputError("there is no stdin to read from", "pass the task as an argument")
    raw = getattr(stream, "buffer", None)
    if raw is None:  # an embedding program swapped in a text stream: already decoded
        return stream.read()
    # Decode ourselves: the locale's decoder would either raise mid-read or
    # silently smuggle surrogates into the text.
    return decode(raw.read(), "stdin")


def read_file(path: str, what: str = "file") -> str:
    """A UTF-8 text file, or an InputError that names the problem; `-` reads stdin."""
    if path == "-":
        return read_stdin()
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", f"check the {what} path, or pass - to read stdin") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory", f"pass a file as the {what}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    return decode(data, path)


def decode(data: bytes, where: str) -> str:
    """UTF-8 text (a leading BOM dropped), or an error naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{where} is not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line})", UTF8_FIX
        ) from None


def check_utf8(value: str, what: str) -> None:
    """Reject arguments the OS passed as undecodable bytes (Python keeps them as surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} is not valid UTF-8 text", ARG_UTF8_FIX) from None
