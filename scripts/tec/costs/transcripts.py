"""Claude Code transcripts: where they are, and what one line says.

Claude Code writes one JSONL file per session under `<config>/projects/<project>/`,
and one per subagent under `<session>/subagents/` (nested deeper for agents of
agents). An assistant response appears once per content block, every copy with the
same `message.id`, `requestId` and usage; older versions wrote a placeholder usage
on the first copy. So a response is keyed `message.id:requestId` and keeps the
largest usage. Synthetic and API error messages cost nothing and are skipped.
Reading files into the ledger is `ingest`'s job.
"""

from __future__ import annotations

import calendar
import os
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import InputError

SYNTHETIC_MODEL = "<synthetic>"


# --------------------------------------------------------------------------- where


def claude_dirs(override: str | None = None) -> list[str]:
    """Claude Code config dirs: `override`, else `$CLAUDE_CONFIG_DIR` (comma-separated), else ~/.claude."""
    raw = override or os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")
    return [os.path.abspath(os.path.expanduser(part.strip())) for part in raw.split(",") if part.strip()]


def transcript_files(dirs: Iterable[str]) -> list[str]:
    """Every `*.jsonl` under each dir's `projects/` tree, subagent files included, sorted."""
    found = []
    for root in dirs:
        projects = os.path.join(root, "projects")
        if not os.path.isdir(root):
            raise InputError(f"{root}: no such directory", "pass --claude-dir DIR or set CLAUDE_CONFIG_DIR")
        for base, _dirs, files in os.walk(projects):
            found.extend(os.path.join(base, name) for name in files if name.endswith(".jsonl"))
    return sorted(found)


def session_files(transcript_path: str) -> list[str]:
    """A session's transcript plus its subagents' files (what a Stop hook ingests)."""
    files = [transcript_path] if os.path.isfile(transcript_path) else []
    stem = transcript_path[:-len(".jsonl")] if transcript_path.endswith(".jsonl") else transcript_path
    for base, _dirs, names in os.walk(stem):
        files.extend(os.path.join(base, name) for name in sorted(names) if name.endswith(".jsonl"))
    return files


# --------------------------------------------------------------------------- parsing


_day_seconds: dict[str, int] = {}


def parse_time(text: object) -> int | None:
    """`2026-11-25T23:36:05.922Z` (or with an offset) → milliseconds since the epoch; None if unreadable."""
    if not isinstance(text, str) or len(text) < 19 or text[4] != "-" or text[10] not in "T ":
        return None
    try:
        day = _day_seconds.get(text[:10])
        if day is None:  # one calendar conversion per day seen, not per line
            day = calendar.timegm((int(text[:4]), int(text[5:7]), int(text[8:10]), 0, 0, 0, 0, 0, 0))
            _day_seconds[text[:10]] = day
        seconds = day + int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])
        if len(text) == 24 and text[19] == "." and text[23] == "Z":  # Claude Code's own format
            return seconds * 1000 + int(text[20:23])
        rest = text[19:]
        millis = 0
        if rest.startswith("."):
            digits = len(rest) - len(rest[1:].lstrip("0123456789"))
            frac = rest[1:digits]
            millis = int((frac + "000")[:3]) if frac else 0
            rest = rest[digits:]
        if rest and rest not in ("Z", "z"):
            sign = 1 if rest[0] == "+" else -1 if rest[0] == "-" else 0
            if not sign or len(rest) < 6:
                return None
            seconds -= sign * (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60)
    except ValueError:
        return None
    return seconds * 1000 + millis


MAX_TOKENS = 100_000_000  # per kind and response: far beyond any context window; more is a damaged line


def _count(value: object, name: str) -> int:
    """A token count from a usage object: missing or null is 0; anything not a plausible count
    (negative, fractional, beyond int64, absurdly large, not a number) is a ValueError that names it."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or not 0 <= value <= MAX_TOKENS or value != int(value):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise ValueError(f"usage {name} = {shown} is not a plausible token count")
    return int(value)


def usage_tokens(usage: dict) -> dict:
    """Anthropic usage → the registry's token kinds. Cache writes are the larger of the
    total and the sum of its 5m/1h split (transcripts before 2.1.152 under-filled one).
    ValueError for a count that cannot be true (see `_count`)."""
    def count(source: dict, key: str) -> int:
        return _count(source.get(key), key)

    split = usage.get("cache_creation")
    w5 = w1 = 0
    if isinstance(split, dict):
        w5 = count(split, "ephemeral_5m_input_tokens")
        w1 = count(split, "ephemeral_1h_input_tokens")
    total = count(usage, "cache_creation_input_tokens")
    if total > w5 + w1:
        w5 += total - w5 - w1
    return {
        "input": count(usage, "input_tokens"),
        "output": count(usage, "output_tokens"),
        "cache_write_5m": w5,
        "cache_write_1h": w1,
        "cache_read": count(usage, "cache_read_input_tokens"),
        "thinking": 0,  # Claude reports thinking inside output_tokens
    }


@dataclass(slots=True)
class Response:
    """One assistant response as a transcript line records it."""

    key: str | None
    message_id: str | None
    model: str
    tokens: dict
    ts: int | None
    session: str
    project: str | None
    sidechain: bool
    agent_id: str | None = None

    @property
    def total(self) -> int:
        return sum(self.tokens.values())


def read_response(obj: dict, fallback_session: str) -> Response | None:
    """The billable response on one transcript line, or None (not a response, synthetic, an error).
    `ts` is None when the line's timestamp cannot be read; ValueError for an impossible usage."""
    if obj.get("type") != "assistant" or obj.get("isApiErrorMessage") is True:
        return None
    message = obj.get("message")
    if not isinstance(message, dict):
        return None
    usage = message.get("usage")
    model = message.get("model")
    if not isinstance(usage, dict) or not isinstance(model, str) or not model or model == SYNTHETIC_MODEL:
        return None
    mid = message.get("id")
    rid = obj.get("requestId")
    mid = mid if isinstance(mid, str) and mid else None
    if mid and isinstance(rid, str) and rid:
        key = f"{mid}:{rid}"
    elif isinstance(obj.get("uuid"), str):
        key = f"uuid:{obj['uuid']}"
    else:
        key = None
    session = obj.get("sessionId")
    project = obj.get("cwd")
    agent = obj.get("agentId")
    return Response(key, mid, model, usage_tokens(usage), parse_time(obj.get("timestamp")),
                    session if isinstance(session, str) and session else fallback_session,
                    project if isinstance(project, str) else None, obj.get("isSidechain") is True,
                    agent if isinstance(agent, str) and agent else None)


def session_of(path: str) -> str:
    """The session a file belongs to when its lines do not say: `<session>.jsonl`, or the
    `<session>` folder above `subagents/`."""
    parts = path.split(os.sep)
    if "subagents" in parts:
        index = parts.index("subagents")
        if index > 0:
            return parts[index - 1]
    return os.path.basename(path)[:-len(".jsonl")]
