"""Settings of execution, edits and validation: `data/execution.json`, overridden by
the `[execution]`, `[edit]` and `[validate]` tables of the user config.

A user value must name a known key and have the default's type (an int where a float
is expected is fine), so a typo fails with a message instead of being ignored.
"""

from __future__ import annotations

import json
import os

from . import config
from .errors import ConfigError

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "execution.json")
_data: dict | None = None


def bundled() -> dict:
    global _data
    if _data is None:
        with open(PATH, encoding="utf-8") as fh:
            _data = json.load(fh)
    return _data


def settings(name: str) -> dict:
    """One table (`execution`, `edit` or `validate`) with the user's overrides checked and applied."""
    base = bundled()[name]
    user = config.section(name)
    where = f"{config.config_path()}: [{name}]"
    for key, value in user.items():
        if key not in base:
            raise ConfigError(f"{where} has no setting {key!r}", f"known: {', '.join(sorted(base))}")
        if not _same_type(base[key], value):
            raise ConfigError(f"{where} {key} = {value!r} must be {_type_name(base[key])}",
                              f"the default is {key} = {json.dumps(base[key])}")
    return {**base, **user}


def _same_type(default: object, value: object) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and value >= 0
    return type(value) is type(default)


def _type_name(default: object) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (int, float)):
        return "a number >= 0"
    return {"str": "a string", "list": "a list"}.get(type(default).__name__, type(default).__name__)
