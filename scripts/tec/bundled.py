"""The data files that ship inside the package (`data/`), each parsed once per process.

Standard library and `fastjson` only: hooks read some of them on every prompt.
"""

from __future__ import annotations

import os

PACKAGE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.join(PACKAGE, "data")
PLUGIN_ROOT = os.path.dirname(os.path.dirname(PACKAGE))  # the checkout or plugin copy: SKILL.md, hooks/, scripts/
_loaded: dict[str, object] = {}


def path(name: str) -> str:
    return os.path.join(DIR, name)


def load(name: str):
    """`data/<name>` parsed as JSON, cached for the life of the process (treat it as read-only)."""
    found = _loaded.get(name)
    if found is None:
        from . import fastjson

        with open(path(name), encoding="utf-8") as fh:
            found = _loaded[name] = fastjson.loads(fh.read())
    return found
