"""A one-line progress bar on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable

WIDTH = 30


def progress_bar(unit: str, stream=None, min_total: int = 5) -> Callable[..., None] | None:
    """`show(done, total, note="")`, or None when the stream is not a terminal. Totals
    below `min_total` draw nothing: a bar for three items is noise."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return None

    def show(done: int, total: int, note: str = "") -> None:
        if total < min_total:
            return
        filled = WIDTH * done // total
        stream.write(f"\r[{'█' * filled}{'·' * (WIDTH - filled)}] {done}/{total} {unit}{note}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show
