"""Compact, diff-friendly JSON for hand-edited data files: short lists stay on one line."""

from __future__ import annotations

import json


def _flat(value) -> bool:
    return not isinstance(value, (dict, list)) or (
        isinstance(value, list) and all(not isinstance(x, dict) for x in value))


def dumps(value, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        if all(_flat(v) for v in value.values()) and len(json.dumps(value)) < 100:
            return json.dumps(value, ensure_ascii=False)
        body = ",\n".join(f"{pad}  {json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in value.items())
        return "{\n" + body + f"\n{pad}}}"
    if isinstance(value, list) and not all(_flat(x) for x in value):
        body = ",\n".join(f"{pad}  {dumps(v, indent + 1)}" for v in value)
        return "[\n" + body + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)
