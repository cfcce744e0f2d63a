"""Claude Code's settings.json, edited as a careful person would edit it.

Only our entries change: the rest keeps its key order, indentation, non-ASCII text as
written, and the file's mode. A file that is not UTF-8 JSON, or whose `hooks` are not the
shape Claude Code documents, is left alone with a message that says where it is wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field

from .. import config
from ..errors import ConfigError

LEFT_ALONE = "fix the file by hand (or move it aside), then run the command again"
_LEADING = re.compile(r"\n([ \t]+)\S")
_ESCAPED = re.compile(r"\\u00[89a-fA-F][0-9a-fA-F]|\\u0[1-9a-fA-F][0-9a-fA-F]{2}|\\u[1-9a-fA-F][0-9a-fA-F]{3}")


@dataclass
class SettingsFile:
    """One settings file as read: its text (None when it does not exist), data and style."""

    path: str
    text: str | None
    data: dict = field(default_factory=dict)
    indent: int | str = 2
    ensure_ascii: bool = False
    mode: int | None = None

    @property
    def digest(self) -> str | None:
        return digest(self.text)

    def render(self, data: dict) -> str:
        """`data` in this file's style (a new file: two-space indent, UTF-8, a final newline)."""
        text = json.dumps(data, indent=self.indent, ensure_ascii=self.ensure_ascii)
        return text + ("\n" if self.text is None or self.text.endswith("\n") else "")

    def write(self, text: str) -> None:
        config.write_atomic(self.path, text, mode=self.mode)


def digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def read(path: str) -> SettingsFile:
    """The file as it is; ConfigError (the file untouched) when it cannot be understood."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return SettingsFile(path, None)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror}); left untouched", LEFT_ALONE) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                          "left untouched", LEFT_ALONE) from None
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); left untouched", LEFT_ALONE) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} does not hold a JSON object; left untouched", LEFT_ALONE)
    found = _LEADING.search(text)
    indent = (found.group(1) if "\t" in found.group(1) else len(found.group(1))) if found else 2
    escapes = not any(ord(c) > 127 for c in text) and _ESCAPED.search(text) is not None
    return SettingsFile(path, text, data, indent, escapes, mode)


def check_hooks(sf: SettingsFile) -> None:
    """ConfigError naming the first place where `hooks` is not event -> [{"matcher"?, "hooks": [...]}]."""
    hooks = sf.data.get("hooks")
    if hooks is None:
        return
    where = f'{sf.path}: "hooks"'
    if not isinstance(hooks, dict):
        raise ConfigError(f"{where} is {_kind(hooks)}, not an object of event -> list; left untouched", LEFT_ALONE)
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            raise ConfigError(f'{where}."{event}" is {_kind(groups)}, not a list of matcher groups; left untouched',
                              LEFT_ALONE)
        for i, group in enumerate(groups):
            handlers = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(handlers, list) or not all(isinstance(h, dict) for h in handlers):
                raise ConfigError(f'{where}."{event}"[{i}] is not {{"hooks": [handler, ...]}}; left untouched',
                                  LEFT_ALONE)


def _kind(value: object) -> str:
    return {list: "a list", dict: "an object", str: "a string"}.get(type(value), f"a {type(value).__name__}")
