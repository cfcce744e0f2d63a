"""Small helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import calendar
import os


def write_config(text: str) -> str:
    """Write the user config file the autouse fixture points TEC_CONFIG at; returns its path."""
    path = os.environ["TEC_CONFIG"]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def utc_ms(*fields: int) -> int:
    """Milliseconds since the epoch of a UTC date/time given as (Y, M, D[, h, m, s])."""
    padded = (*fields, 0, 0, 0)[:6]
    return calendar.timegm((*padded, 0, 0, 0)) * 1000
