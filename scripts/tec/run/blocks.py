"""The deterministic half of `tec edit`: how a model's reply is parsed, applied, shown and written.

A model never writes a file. It answers with search/replace blocks; they are parsed, applied to
the text in memory, shown as a diff, and only then (with `--apply`) written, atomically and after
a backup. Every refusal and every failed block is an expected error with a precise message,
because a failed block's message is sent back to the model when the edit is retried.

The edit format the model is asked for (quoted by the prompt template; `EDIT_FORMAT` holds it):

    <<<<<<< SEARCH
    exact lines from the file
    =======
    replacement lines
    >>>>>>> REPLACE

A reply may hold several blocks, wrapped in ``` fences or with prose around them; text outside
blocks is ignored. SEARCH holds whole lines copied from the file and must match exactly one
place; an empty REPLACE deletes the lines; an empty SEARCH is allowed only for an empty file.
Blocks apply in order, each to the result of the ones before it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..errors import TecError

EDIT_FORMAT = "<<<<<<< SEARCH\nexact lines from the file\n=======\nreplacement lines\n>>>>>>> REPLACE\n"

_SEARCH = re.compile(r"<{5,9} ?SEARCH\s*$")
_DIVIDER = re.compile(r"={5,9}\s*$")
_REPLACE = re.compile(r">{5,9} ?REPLACE\s*$")
_MISSING = {"search": "no ======= after its SEARCH lines", "replace": "no >>>>>>> REPLACE after its ======="}


class EditError(TecError):
    """A model's reply that cannot be applied; the message is fed back to the model on retry."""

    exit_code = 1


@dataclass(frozen=True)
class Block:
    """One search/replace edit; both sides are whole lines, each ending in "\\n" (or "" for none)."""

    search: str
    replace: str


# --- parsing and applying the model's reply ------------------------------------------------


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split on "\\n" only: the line indices of `select_region` refer to these.

    (str.splitlines also splits on form feeds and Unicode separators, which would shift indices.)
    """
    lines = [piece + "\n" for piece in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    return lines



def parse_blocks(reply: str) -> list[Block]:
    """The search/replace blocks in a model's reply; EditError when there is none or one is malformed."""
    blocks: list[Block] = []
    state: str | None = None  # None outside a block, else "search" or "replace"
    search: list[str] = []
    replace: list[str] = []
    for line in reply.replace("\r\n", "\n").split("\n"):
        number = len(blocks) + 1
        if state is None:
            if _SEARCH.match(line):
                state, search, replace = "search", [], []
            elif _REPLACE.match(line):
                raise EditError(f"block {number}: >>>>>>> REPLACE without a <<<<<<< SEARCH before it")
        elif _SEARCH.match(line) or (state == "search" and _REPLACE.match(line)):
            raise EditError(f"block {number} is unterminated: {_MISSING[state]}")
        elif state == "search":
            if _DIVIDER.match(line):
                state = "replace"
            else:
                search.append(line)
        elif _REPLACE.match(line):
            blocks.append(Block(_join_lines(search), _join_lines(replace)))
            state = None
        else:
            replace.append(line)
    if state is not None:
        raise EditError(f"block {len(blocks) + 1} is unterminated: {_MISSING[state]}")
    if not blocks:
        raise EditError("no SEARCH/REPLACE block found: write each edit as <<<<<<< SEARCH, the exact lines, "
                        "=======, the new lines, >>>>>>> REPLACE")
    return blocks


def _join_lines(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def apply_blocks(text: str, blocks: list[Block]) -> str:
    """`text` with every block applied in order; EditError naming the block that does not match once.

    Line endings are kept: untouched lines keep theirs, new lines get the file's usual one, and
    a file without a final newline still has none.
    """
    lines = [_split_ending(line) for line in split_lines(text)]
    crlf = sum(ending == "\r\n" for _, ending in lines)
    newline = "\r\n" if crlf > sum(ending == "\n" for _, ending in lines) else "\n"
    for number, block in enumerate(blocks, 1):
        lines = _apply_one(lines, block, number, newline)
    return "".join(content + ending for content, ending in lines)


def _split_ending(line: str) -> tuple[str, str]:
    for ending in ("\r\n", "\n"):
        if line.endswith(ending):
            return line[: -len(ending)], ending
    return line, ""


def _block_lines(side: str) -> list[str]:
    return [content for content, _ in map(_split_ending, split_lines(side))]


def _apply_one(lines: list[tuple[str, str]], block: Block, number: int, newline: str) -> list[tuple[str, str]]:
    search, replace = _block_lines(block.search), _block_lines(block.replace)
    if not search:
        if lines:
            raise EditError(f"block {number}: SEARCH is empty, which is allowed only for an empty file; "
                            "copy the lines to change into SEARCH")
        return [(content, newline) for content in replace]
    start, shift = _locate([content for content, _ in lines], search, number)
    new = [(_reindent(content, shift), newline) for content in replace]
    end = start + len(search)
    head, tail = lines[:start], lines[end:]
    if not tail and lines[-1][1] == "":  # the edit reached a last line that had no newline
        if new:
            new[-1] = (new[-1][0], "")
        elif head:
            head[-1] = (head[-1][0], "")
    return head + new + tail


def _locate(contents: list[str], search: list[str], number: int) -> tuple[int, tuple[str, str]]:
    """Where SEARCH matches exactly once, and the indentation shift (add, remove) for the replacement.

    Exact matches win; only when there is none is a match that ignores trailing whitespace and a
    consistent difference in indentation accepted.
    """
    starts = range(len(contents) - len(search) + 1)
    matches = [(i, ("", "")) for i in starts if contents[i : i + len(search)] == search]
    if not matches:
        shifts = ((i, _indent_shift(contents[i : i + len(search)], search)) for i in starts)
        matches = [(i, shift) for i, shift in shifts if shift is not None]
    if len(matches) == 1:
        return matches[0]
    first = _first_line(search)
    if not matches:
        raise EditError(f"block {number}: SEARCH not found (first line: {first!r}); "
                        "copy the lines exactly from the file")
    raise EditError(f"block {number}: SEARCH matches {len(matches)} places (first line: {first!r}); "
                    "add surrounding lines so it matches exactly one")


def _indent_shift(found: list[str], search: list[str]) -> tuple[str, str] | None:
    """(add, remove) such that every non-blank file line is the SEARCH line with `remove` taken off
    its indentation and `add` put on; None when the lines differ in more than that."""
    shift: tuple[str, str] | None = None
    for file_line, search_line in zip(found, search):
        file_line, search_line = file_line.rstrip(), search_line.rstrip()
        body = file_line.lstrip()
        if body != search_line.lstrip():
            return None
        if not body:
            continue
        file_indent, search_indent = file_line[: -len(body)], search_line[: -len(body)]
        if file_indent.endswith(search_indent):
            this = (file_indent[: len(file_indent) - len(search_indent)], "")
        elif search_indent.endswith(file_indent):
            this = ("", search_indent[: len(search_indent) - len(file_indent)])
        else:
            return None
        if shift not in (None, this):
            return None
        shift = this
    return shift or ("", "")


def _reindent(line: str, shift: tuple[str, str]) -> str:
    add, remove = shift
    if not line.strip():
        return line
    if remove:
        return line[len(remove) :] if line.startswith(remove) else line.lstrip()
    return add + line


def _first_line(search: list[str]) -> str:
    line = next((line.strip() for line in search if line.strip()), "")
    return line if len(line) <= 80 else line[:77] + "..."


# --- showing and writing the result --------------------------------------------------------


def unified_diff(old: str, new: str, path: str) -> str:
    """A git-style unified diff (a/ and b/ prefixes, "\\ No newline at end of file"); "" when equal."""
    import difflib

    diff = difflib.unified_diff(split_lines(old), split_lines(new), fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff)


def write_with_backup(path: str, new_text: str, backup_dir: str, original: str | None = None) -> str:
    """Copy the file into `backup_dir`, then replace it atomically with `new_text`; the backup's path.

    With `original` (the text the edit was made from), a file that changed since it was read is
    left alone: the edit would silently revert whatever Claude Code or the user wrote meanwhile.
    The new text goes to a temporary file beside the original, is flushed to disk and renamed
    over it, so a crash or an error at any step leaves the original as it was. A symlink is
    followed, not replaced. Failures raise TecError.
    """
    real = os.path.realpath(path)
    try:
        mode = os.stat(real).st_mode & 0o7777
        with open(real, "rb") as fh:
            current = fh.read()
        if original is not None and current != original.encode("utf-8"):
            raise TecError(f"{path} changed while the model was working on it; nothing was written",
                           hint="run the edit again on the file as it is now")
        backup = _backup(real, current, backup_dir, mode)
    except OSError as exc:
        raise TecError(f"could not back up {path} to {backup_dir}: {exc.strerror or exc}",
                       hint="the file is unchanged") from None
    try:
        _replace_atomically(real, new_text.encode("utf-8"), mode)
    except OSError as exc:
        raise TecError(f"could not write {path}: {exc.strerror or exc}",
                       hint=f"the file is unchanged; a copy is in {backup}") from None
    return backup


def _backup(real: str, data: bytes, backup_dir: str, mode: int) -> str:
    """A new file in `backup_dir` named <timestamp>[.n]-<name>; an older backup is never overwritten."""
    import time

    os.makedirs(backup_dir, mode=0o700, exist_ok=True)
    stamp, name = time.strftime("%Y%m%d-%H%M%S"), os.path.basename(real)
    n = 0
    while True:
        candidate = os.path.join(backup_dir, f"{stamp}{f'.{n}' if n else ''}-{name}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            n += 1
            continue
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        return candidate


def _replace_atomically(real: str, data: bytes, mode: int) -> None:
    import tempfile

    directory = os.path.dirname(real)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(real)}.", suffix=".tec-tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, real)
    except BaseException:
        os.unlink(temp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable; not every platform can open a directory, and that is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
