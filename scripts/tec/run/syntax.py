"""Does a file still parse? The check `tec edit` runs on a model's result before showing it.

The language comes from the file name alone, so the answer never depends on what a model
put in the text. Only parsers that ship with Python (or that are already installed: tomli on
3.10, PyYAML) are used; a file no parser covers is reported as unchecked, not as an error,
because "we could not look" must not block an edit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".json": "json",
    ".ipynb": "json",
    ".jsonl": "json lines",
    ".ndjson": "json lines",
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
}


@dataclass(frozen=True)
class SyntaxResult:
    """One file's verdict. `ok` is False only for a real failure; `checked` says whether a parser ran."""

    path: str
    language: str | None
    ok: bool
    checked: bool
    error: str | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class _Unchecked(Exception):
    """Raised by a checker whose parser is not installed; the message says which."""


def language_of(path: str) -> str | None:
    """The language named by the file's extension, or None when no checker covers it."""
    return LANGUAGES.get(os.path.splitext(path)[1].lower())


def check(path: str, text: str | None = None) -> SyntaxResult:
    """Parse `text` (or the file itself when `text` is None) as the language its name says."""
    language = language_of(path)
    if language is None:
        return SyntaxResult(path, None, ok=True, checked=False, note="no syntax checker for this file type")
    if text is None:
        try:
            text = _read_text(path)
        except OSError as exc:
            return SyntaxResult(path, language, ok=False, checked=False, error=f"cannot read: {exc.strerror}")
        except UnicodeDecodeError as exc:
            return SyntaxResult(path, language, ok=False, checked=True, error=_decode_message(exc))
    try:
        error = _CHECKERS[language](text.removeprefix("\ufeff"))
    except _Unchecked as exc:
        return SyntaxResult(path, language, ok=True, checked=False, note=str(exc))
    return SyntaxResult(path, language, ok=error is None, checked=True, error=error)


def check_paths(paths: Iterable[str]) -> list[SyntaxResult]:
    """`tec validate --syntax`: one result per path; a missing path or a directory is a failure, never walked."""
    results = []
    for path in paths:
        language = language_of(path)
        if os.path.isdir(path):
            results.append(SyntaxResult(path, None, ok=False, checked=False, error="is a directory, not a file"))
        elif not os.path.exists(path):
            results.append(SyntaxResult(path, language, ok=False, checked=False, error="no such file"))
        else:
            results.append(check(path))
    return results


def _read_text(path: str) -> str:
    with open(path, "rb") as fh:
        return fh.read().decode("utf-8")


def _decode_message(exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start]
    return f"not UTF-8 text: byte 0x{byte:02x} at offset {exc.start} cannot be decoded"


def _where(line: int | None, column: int | None, message: str) -> str:
    """Every checker reports "line L, column C: message" so users and models read one shape."""
    if line is None:
        return message
    if column is None:
        return f"line {line}: {message}"
    return f"line {line}, column {column}: {message}"


def _check_python(text: str) -> str | None:
    import ast
    import warnings

    try:
        # Invalid escape sequences only warn; the check must not print anything.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as exc:
        return _where(exc.lineno, exc.offset, exc.msg)
    except ValueError as exc:  # Python 3.11 reports NUL bytes this way
        return str(exc)
    return None


def _check_json(text: str) -> str | None:
    import json

    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return _where(exc.lineno, exc.colno, exc.msg)
    return None


def _check_json_lines(text: str) -> str | None:
    import json

    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                json.loads(line)
            except json.JSONDecodeError as exc:
                return _where(number, exc.colno, exc.msg)
    return None


_TOML_WHERE = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$", re.DOTALL)


def _check_toml(text: str) -> str | None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise _Unchecked("TOML not checked: install tomli to check it on Python 3.10") from None
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts the position at the end of the message: "msg (at line 2, column 5)".
        found = _TOML_WHERE.match(str(exc))
        return _where(int(found[2]), int(found[3]), found[1]) if found else str(exc)
    return None


def _check_yaml(text: str) -> str | None:
    try:
        import yaml
    except ImportError:
        raise _Unchecked("YAML not checked: install PyYAML to check it") from None
    try:
        # A file may hold several `---` documents; safe_load would reject those.
        for _ in yaml.safe_load_all(text):
            pass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is None:
            return problem
        return _where(mark.line + 1, mark.column + 1, problem)
    return None


_CHECKERS: dict[str, Callable[[str], str | None]] = {
    "python": _check_python,
    "json": _check_json,
    "json lines": _check_json_lines,
    "toml": _check_toml,
    "yaml": _check_yaml,
}
