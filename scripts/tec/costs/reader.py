"""One transcript file's new lines -> priced ledger rows, cost states and readable warnings.

Cheap byte tests decide which lines are worth parsing: a response has a "usage"
object; a user prompt typed by a person has string content. A response is written
once per content block, the copies identical from the usage object to the request
id: the first is parsed, its twins skipped. A damaged line (not JSON, an impossible
token count) is skipped with a `file:line` warning; an unreadable timestamp or a
byte that is not UTF-8 costs only a warning. Touches no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import fastjson
from .entries import Pricer, prompt_hash
from .transcripts import parse_time, read_response, session_of

_USAGE = b'"usage"'
_COST_STATE = b'"cost-state"'
_PROMPT = b'"role":"user","content":"'
PROMPT_WINDOW = 2048  # Claude Code writes the message near the start of a line
MAX_TWINS = 10_000  # request ids remembered per file to skip repeated content-block lines
SMALL_LINE = 4096  # cost-state lines are short; long lines are not searched for one
MAX_WARNINGS = 20  # damaged lines listed by path:line; the rest are only counted


@dataclass(slots=True)
class FileState:
    offset: int = 0
    lines: int = 0
    head: bytes = b""
    prompt_hash: str | None = None


def _json_error(exc: ValueError) -> str:
    msg, col = getattr(exc, "msg", None), getattr(exc, "colno", None)
    return f"not valid JSON: {msg} at column {col}" if msg and col else f"not valid JSON: {exc}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def std_loads(line: bytes) -> object:
    return fastjson.loads(line.decode("utf-8"))


class Parser:
    """Parses one file's complete lines: responses (deduplicated), cost-state lines, the
    last prompt's hash, malformed-line warnings. Touches no database."""

    def __init__(self, plan, loads: Callable[[bytes], object] | None = None) -> None:
        self.path = plan.path
        self.state = plan.state
        self.loads = loads or std_loads
        self.fallback_session = session_of(plan.path)
        self.fallback_ts = plan.mtime_ns // 1_000_000
        self.found: dict = {}
        self.plain: list = []
        self.cost_states: list = []
        self.raw_usage: dict = {}
        self.lines = self.malformed = self.skipped = self.bad_times = 0
        self.warnings: list[str] = []

    def warn(self, number: int, text: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(f"{self.path}:{number}: {text}")

    def feed(self, lines: list[bytes]) -> None:
        state = self.state
        first = state.lines
        state.lines += len(lines)
        state.offset += sum(map(len, lines)) + len(lines)
        self.lines += len(lines)
        for number, line in enumerate(lines, first + 1):
            if _USAGE in line:
                self._response(line, number)
            elif len(line) < SMALL_LINE and _COST_STATE in line:
                self._parse(line, number)
            elif line.find(_PROMPT, 0, PROMPT_WINDOW) >= 0:
                self._prompt(line, number)
            elif (line[:1] != b"{" or line.rstrip()[-1:] != b"}") and line.strip():
                # Lines without usage are not parsed (most bytes are tool output), but
                # one that cannot be a JSON object is still worth a warning.
                self._malformed(number, "not a JSON object")

    def _response(self, line: bytes, number: int) -> None:
        # A response is written once per content block, the copies identical from
        # the usage object to the request id: parse the first, skip its twins.
        r = line.rfind(b'"requestId":"')
        u = line.rfind(b'"usage":{', 0, r) if r > 0 else -1
        twin = None
        if u > 0:
            rid = line[r + 13:line.find(b'"', r + 13)]
            twin = rid, line[u:r]
            if self.raw_usage.get(rid) == twin[1]:
                return
        self._parse(line, number)
        if twin is not None:
            if len(self.raw_usage) > MAX_TWINS:
                self.raw_usage.clear()
            self.raw_usage[twin[0]] = twin[1]

    def _load(self, line: bytes, number: int) -> dict | None:
        try:
            obj = self.loads(line)
        except ValueError:  # also UnicodeDecodeError
            try:  # orjson refuses a little that json reads (integers above 64 bits)
                obj = std_loads(line)
            except UnicodeDecodeError as exc:
                self.warn(number, f"byte 0x{line[exc.start]:02x} at column {exc.start + 1} is not UTF-8; "
                                  "read with it replaced")
                obj = self._replaced(line, number)
            except ValueError as exc:
                self._malformed(number, _json_error(exc))
                return None
        return obj if isinstance(obj, dict) else None

    def _replaced(self, line: bytes, number: int) -> object:
        try:
            return fastjson.loads(line.decode("utf-8", "replace"))
        except ValueError as exc:
            self._malformed(number, _json_error(exc))
            return None

    def _malformed(self, number: int, why: str) -> None:
        self.malformed += 1
        self.warn(number, f"skipped a malformed line ({why})")

    def _parse(self, line: bytes, number: int) -> None:
        obj = self._load(line, number)
        if obj is None:
            return
        if obj.get("type") == "cost-state":
            self._cost_state(obj)
            return
        try:
            response = read_response(obj, self.fallback_session)
        except ValueError as exc:
            self._malformed(number, str(exc))
            return
        if response is None:
            if obj.get("type") == "assistant":
                self.skipped += 1
            return
        if response.ts is None:
            self.bad_times += 1
            self.warn(number, f"unreadable timestamp {_shown(obj.get('timestamp'))}: the file's modification time "
                              "is used")
            response.ts = self.fallback_ts
        if response.key is None:
            self.plain.append(response)
            return
        seen = self.found.get(response.key)
        if seen is None or response.total > seen.total:
            self.found[response.key] = response

    def _prompt(self, line: bytes, number: int) -> None:
        obj = self._load(line, number)
        if obj is None or obj.get("type") != "user" or obj.get("isMeta") is True:
            return
        message = obj.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str) and not content.startswith("<"):  # not a command or notification
            self.state.prompt_hash = prompt_hash(content)

    def _cost_state(self, obj: dict) -> None:
        total = obj.get("totalCostUSD")
        session = obj.get("sessionId")
        if isinstance(session, str) and isinstance(total, (int, float)):
            usage = obj.get("modelUsage")
            self.cost_states.append((session, parse_time(obj.get("timestamp")) or self.fallback_ts,
                                     float(total), fastjson.dumps(usage) if isinstance(usage, dict) else None))

    def take(self, pricer: Pricer) -> Batch:
        """Priced rows, cost states and counters found since the last call."""
        digest = self.state.prompt_hash
        rows = [pricer.row("claude-code", r.model, r.tokens, ts=r.ts, session=r.session, project=r.project,
                           prompt_digest=digest, request=r.key, message_id=r.message_id, sidechain=r.sidechain,
                           agent_id=r.agent_id)
                for r in (*self.found.values(), *self.plain)]
        batch = Batch(rows, self.cost_states, self.lines, self.malformed, self.skipped, self.bad_times,
                       self.warnings)
        self.found, self.plain, self.cost_states, self.warnings = {}, [], [], []
        self.lines = self.malformed = self.skipped = self.bad_times = 0
        return batch


@dataclass(slots=True)
class Batch:
    """What a parser found in some lines, ready to write (and small to send between processes)."""

    rows: list
    cost_states: list
    lines: int
    malformed: int
    skipped: int
    bad_times: int
    warnings: list
