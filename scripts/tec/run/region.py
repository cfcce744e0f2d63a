"""Which part of a large file `tec edit` sends: the lines around what the instruction names."""

from __future__ import annotations

import re

from ..errors import InputError
from .blocks import split_lines


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
