"""The deterministic half of `tec edit`: what may be sent, which part, and how the reply is applied.

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

from .errors import InputError, TecError

EDIT_FORMAT = "<<<<<<< SEARCH\nexact lines from the file\n=======\nreplacement lines\n>>>>>>> REPLACE\n"

# File names (matched case-insensitively against the base name) that usually hold secrets.
SECRET_NAME_PATTERNS = (
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*.p12",
    "*.pfx",
    "credentials*",
    "*credentials.json",
    ".netrc",
    ".npmrc",
    ".pypirc",
    "*secret*",
    "*.kdbx",
)
# Names that match a pattern above but are public by convention (SSH public keys).
SECRET_NAME_EXCEPTIONS = ("id_*.pub",)
# Directories whose files are secrets whatever their names.
SECRET_DIRS = (".ssh", ".aws", ".gnupg")
PRIVATE_KEY_HEADER = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")

BINARY_SNIFF_BYTES = 8192
FORCE_HINT = "secrets are never sent to a model; pass --force if this file holds none"

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


# --- safety: what may be sent to a model ---------------------------------------------------


def check_target(path: str, root: str, *, force: bool = False, max_bytes: int = 200_000) -> str:
    """The file's real path if it may be sent to a model; InputError naming the problem and the fix otherwise.

    Only a secret can be forced: the other refusals are about what an edit can do at all.
    Relative paths are taken from the current directory, as the user typed them.
    """
    import stat

    real, real_root = os.path.realpath(path), os.path.realpath(root)
    if os.path.commonpath([real, real_root]) != real_root:
        raise InputError(f"{path} is outside the project root {root}",
                         hint="edit files inside the project; symlinks are resolved, so a link out of it is refused")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", hint="check the path") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path} is a directory", hint="name one file; tec edit changes a single file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path} is not a regular file", hint="tec edit only changes regular text files")
    if st.st_size > max_bytes:
        raise InputError(f"{path} is {st.st_size:,} bytes, over the {max_bytes:,}-byte limit for tec edit",
                         hint="edit a smaller file, or raise `max_bytes` under [edit] in the config")
    try:
        with open(real, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}", hint="check the file's permissions") from None
    _refuse_binary(path, data)
    if not force:
        for name, content in ((os.path.relpath(real, real_root), data), (path, b"")):
            reason = looks_secret(name, content)
            if reason:
                raise InputError(f"{path} looks like a secret: {reason}", hint=FORCE_HINT)
    return real


def _refuse_binary(path: str, data: bytes) -> None:
    hint = "tec edit only changes UTF-8 text files"
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        raise InputError(f"{path} is a binary file (NUL byte in the first 8 KB)", hint=hint)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (undecodable byte at offset {exc.start})", hint=hint) from None


def looks_secret(path: str, head_bytes: bytes) -> str | None:
    """Why `path` (with `head_bytes`, its first bytes or all of them) looks like a secret, or None.

    Pure, so the rules can be tested without files: name patterns, secret directories, key headers.
    """
    from fnmatch import fnmatchcase

    parts = [part.lower() for part in re.split(r"[\\/]", path) if part]
    name = parts[-1] if parts else ""
    if not any(fnmatchcase(name, pattern) for pattern in SECRET_NAME_EXCEPTIONS):
        for pattern in SECRET_NAME_PATTERNS:
            if fnmatchcase(name, pattern):
                return f"its name matches {pattern!r}"
    for directory in SECRET_DIRS:
        if directory in parts[:-1]:
            return f"it is under {directory}/"
    if PRIVATE_KEY_HEADER.search(head_bytes):
        return "it contains a private key"
    return None


# --- region selection for large files -----------------------------------------------------


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split on "\\n" only: the line indices of `select_region` refer to these.

    (str.splitlines also splits on form feeds and Unicode separators, which would shift indices.)
    """
    lines = [piece + "\n" for piece in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    return lines


def select_region(text: str, instruction: str, max_chars: int) -> tuple[int, int]:
    """Line indices [start, end) of the part of `text` to send: all of it when it fits in `max_chars`.

    Heuristic: the instruction's quoted strings (weight 3), identifier-like words (containing `_`,
    a digit or a capital; weight 2) and other words of 3+ letters (weight 1, any case) are looked
    up line by line. A line scores weight // (number of lines holding the term) for each term it
    holds, so a unique name outweighs a common word. The best-scoring window of whole lines that
    fits is found, and the span of its strongest lines (scoring at least half its best line) is
    grown evenly up and down to `max_chars`.
    No match at all: the top of the file. InputError when no single line fits.
    """
    lines = split_lines(text)
    if len(text) <= max_chars:
        return 0, len(lines)
    scores = _line_scores(lines, _instruction_terms(instruction))
    core = _best_core(lines, scores, max_chars)
    if core is None:
        raise InputError(f"no line of the file fits in {max_chars:,} characters",
                         hint="edit a smaller file, or raise `max_chars` under [edit] in the config")
    return _grow(lines, *core, max_chars)


def _instruction_terms(instruction: str) -> dict[tuple[str, bool], int]:
    """{(term, case_sensitive): weight} for the instruction's quoted strings, identifiers and words."""
    terms: dict[tuple[str, bool], int] = {}

    def add(term: str, exact: bool, weight: int) -> None:
        key = (term, exact) if exact else (term.lower(), exact)
        terms[key] = max(terms.get(key, 0), weight)

    for found in re.finditer(r'"([^"\n]+)"|(?<!\w)\'([^\'\n]+)\'(?!\w)|`([^`\n]+)`', instruction):
        quoted = next(group for group in found.groups() if group is not None)
        if quoted.strip():
            add(quoted, True, 3)
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", instruction):
        if len(word) < 3:
            continue
        if re.search(r"[_0-9A-Z]", word):
            add(word, True, 2)
        else:
            add(word, False, 1)
    return terms


def _line_scores(lines: list[str], terms: dict[tuple[str, bool], int]) -> list[int]:
    lowered = [line.lower() for line in lines]
    scores = [0] * len(lines)
    for (term, exact), weight in terms.items():
        haystack = lines if exact else lowered
        hits = [i for i, line in enumerate(haystack) if term in line]
        for i in hits:
            scores[i] += weight * 1_000_000 // len(hits)
    return scores


def _best_core(lines: list[str], scores: list[int], max_chars: int) -> tuple[int, int] | None:
    """The span of the strongest lines (at least half the top line's score) in the best-scoring
    window that fits (earliest on ties).

    Without any match, the first line that fits; None when no line fits.
    """
    best: tuple[int, int, int] | None = None  # score, start, end
    end = size = total = 0
    for start in range(len(lines)):
        end = max(end, start)
        while end < len(lines) and size + len(lines[end]) <= max_chars:
            size, total, end = size + len(lines[end]), total + scores[end], end + 1
        if end > start and (best is None or total > best[0]):
            best = (total, start, end)
        if end > start:
            size, total = size - len(lines[start]), total - scores[start]
    if best is None:
        return None
    score, start, end = best
    if score == 0:
        return start, start + 1
    # Center on the strong matches only: a common word may hit every line of the window.
    strongest = max(scores[start:end])
    strong = [i for i in range(start, end) if 2 * scores[i] >= strongest]
    return strong[0], strong[-1] + 1


def _grow(lines: list[str], start: int, end: int, max_chars: int) -> tuple[int, int]:
    """Widen [start, end) one line at a time, above then below, while it still fits."""
    size = sum(len(line) for line in lines[start:end])
    grew = True
    while grew:
        grew = False
        if start > 0 and size + len(lines[start - 1]) <= max_chars:
            start, size, grew = start - 1, size + len(lines[start - 1]), True
        if end < len(lines) and size + len(lines[end]) <= max_chars:
            end, size, grew = end + 1, size + len(lines[end]), True
    return start, end


# --- parsing and applying the model's reply ------------------------------------------------


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


def write_with_backup(path: str, new_text: str, backup_dir: str) -> str:
    """Copy the file into `backup_dir`, then replace it atomically with `new_text`; the backup's path.

    The new text goes to a temporary file beside the original, is flushed to disk and renamed
    over it, so a crash or an error at any step leaves the original as it was. A symlink is
    followed, not replaced. Failures raise TecError.
    """
    real = os.path.realpath(path)
    try:
        mode = os.stat(real).st_mode & 0o7777
        backup = _backup(real, backup_dir, mode)
    except OSError as exc:
        raise TecError(f"could not back up {path} to {backup_dir}: {exc.strerror or exc}",
                       hint="the file is unchanged") from None
    try:
        _replace_atomically(real, new_text.encode("utf-8"), mode)
    except OSError as exc:
        raise TecError(f"could not write {path}: {exc.strerror or exc}",
                       hint=f"the file is unchanged; a copy is in {backup}") from None
    return backup


def _backup(real: str, backup_dir: str, mode: int) -> str:
    """A new file in `backup_dir` named <timestamp>[.n]-<name>; an older backup is never overwritten."""
    import time

    os.makedirs(backup_dir, exist_ok=True)
    with open(real, "rb") as fh:
        data = fh.read()
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
