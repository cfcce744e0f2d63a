"""A loopback fake of the Anthropic Messages API that the real Claude Code CLI can talk to.

Standard library only. The CLI (`ANTHROPIC_BASE_URL=http://127.0.0.1:PORT`) hits `HEAD /` and
`POST /v1/messages?beta=true` with `"stream": true`; every POST gets a streaming SSE reply in the
shape the CLI accepts (see /work/shared/reference/claude-code.md section 7):

    message_start, ping, per block: content_block_start / one content_block_delta / content_block_stop,
    message_delta (stop_reason, usage.output_tokens), message_stop

The reply is chosen by a *script*: a function of the whole request body (model, system, messages,
tools) returning `Text("...")`, `ToolUse(name, input)` or a plain string. It must decide from the
whole history (the CLI resends it every turn): a script that always answers with a tool call makes
the CLI loop. `DefaultScript` handles the `SPAWN_AGENT:` marker (one `Agent` call per conversation).

    with FakeClaudeAPI() as fake:
        ... run claude with ANTHROPIC_BASE_URL=fake.url ...
        fake.requests          # every request, in arrival order (Recorded)
        fake.usage_by_id       # message id -> the usage the fake returned for it

Every response has a unique message id (`msg_e2e<server>_<n>`), a `request-id` header
(`req_e2e<server>_<n>`) and deterministic usage (`usage_for(n)`), so a test can compare the tokens a
ledger recorded with what the "API" returned, per message id.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "AGENT_TOOL_NAMES",
    "SPAWN_MARKER",
    "DefaultScript",
    "FakeClaudeAPI",
    "Recorded",
    "Text",
    "ToolUse",
    "agent_tool_name",
    "block_text",
    "first_user_text",
    "has_tool_use",
    "usage_for",
]

SPAWN_MARKER = "SPAWN_AGENT:"
AGENT_TOOL_NAMES = ("Agent", "Task")  # `Task` before CLI 2.1.63, still an alias


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class ToolUse:
    name: str
    input: dict
    text: str | None = None  # optional text block before the tool call


Script = Callable[[dict], "Text | ToolUse | str"]


@dataclass
class Recorded:
    """One request the fake received, and what it answered."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON (None for HEAD/GET or an unparsable body)
    raw: bytes = b""
    time: float = 0.0
    kind: str = ""  # the script's label for it (DefaultScript: main, subagent, side, probe, ...)
    response_id: str | None = None  # message id of the reply (POST /v1/messages only)
    request_id: str | None = None
    usage: dict | None = None
    reply: Text | ToolUse | None = None
    status: int = 200

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def is_messages(self) -> bool:
        return self.method == "POST" and self.route == "/v1/messages"

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def tool_names(self) -> list[str]:
        if not isinstance(self.body, dict):
            return []
        return [t.get("name", "") for t in self.body.get("tools") or [] if isinstance(t, dict)]

    @property
    def body_json(self) -> str:
        """The body as JSON text, for substring searches."""
        return json.dumps(self.body, ensure_ascii=False)


# --------------------------------------------------------------------------- history helpers


def block_text(content: Any) -> str:
    """The text of a message's `content` (a string or a list of blocks), tool results included."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            parts.append(block.get("text", ""))
        elif block.get("type") == "tool_result":
            parts.append(block_text(block.get("content")))
    return "\n".join(parts)


def first_user_text(body: dict) -> str:
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "user":
            return block_text(message.get("content"))
    return ""


def has_tool_use(body: dict, names: tuple[str, ...] = AGENT_TOOL_NAMES) -> bool:
    """True when an assistant turn in the history already called one of `names`."""
    for message in body.get("messages") or []:
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_use" and block.get("name") in names:
                    return True
    return False


def agent_tool_name(body: dict) -> str | None:
    """The subagent tool's name as this request offers it (`Agent`, or `Task` on old CLIs)."""
    offered = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
    for name in AGENT_TOOL_NAMES:
        if name in offered:
            return name
    return None


def _system_text(body: dict) -> str:
    system = body.get("system")
    return system if isinstance(system, str) else block_text(system)


def usage_for(n: int) -> dict:
    """The usage of the fake's n-th response (1-based): distinct per response, every field non-zero.
    Cache writes are split 5m/1h the way the API reports them."""
    write_5m, write_1h = 300 + 7 * n, 40 + n
    return {
        "input_tokens": 100 + 3 * n,
        "output_tokens": 20 + 2 * n,
        "cache_creation_input_tokens": write_5m + write_1h,
        "cache_read_input_tokens": 5000 + 11 * n,
        "cache_creation": {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h},
        "service_tier": "standard",
    }


# --------------------------------------------------------------------------- the default script


class DefaultScript:
    """The default conversation script.

    - main conversation (first user message contains `SPAWN_AGENT: <instruction>` and the request
      offers the Agent/Task tool): call it once with the instruction as `prompt`, foreground;
      once the history holds that call, answer with final text.
    - subagent (first user message holds a prompt this script sent through Agent, without the
      marker): short text `subagent done: ...`.
    - anything else (plain prompts, title generation, quota probes, ...): `ok`.

    `classify(body)` labels requests for the log: main / subagent / side / probe.
    """

    final_text = "ok"
    subagent_text = "subagent done"
    subagent_type = "general-purpose"  # a plugin's agent is "<plugin>:<agent>"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.agent_prompts: list[str] = []

    @staticmethod
    def instruction(text: str) -> str | None:
        if SPAWN_MARKER not in text:
            return None
        return text.split(SPAWN_MARKER, 1)[1].strip().split("\n", 1)[0].strip()

    def is_subagent(self, body: dict) -> bool:
        first = first_user_text(body)
        if SPAWN_MARKER in first:
            return False
        with self._lock:
            return any(prompt and prompt in first for prompt in self.agent_prompts)

    def classify(self, body: dict) -> str:
        if not isinstance(body, dict):
            return "other"
        if body.get("max_tokens") == 1:
            return "probe"
        if self.is_subagent(body) or "cc_is_subagent=true" in _system_text(body):
            return "subagent"
        if body.get("tools"):
            return "main"
        return "side"

    def __call__(self, body: dict) -> Text | ToolUse:
        if self.is_subagent(body):
            return Text(f"{self.subagent_text}.")
        instruction = self.instruction(first_user_text(body))
        tool = agent_tool_name(body)
        if instruction and tool and not has_tool_use(body):
            with self._lock:
                self.agent_prompts.append(instruction)
            return ToolUse(tool, {
                "description": "Run the delegated task",
                "prompt": instruction,
                "subagent_type": self.subagent_type,
                "run_in_background": False,
            })
        return Text(self.final_text)


# --------------------------------------------------------------------------- SSE


def _sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def sse_body(message_id: str, model: str, reply: Text | ToolUse, usage: dict, tool_id: str) -> bytes:
    """The complete event stream of one response."""
    start_usage = dict(usage, output_tokens=1)
    out = [
        _sse("message_start", {"type": "message_start", "message": {
            "id": message_id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": start_usage}}),
        _sse("ping", {"type": "ping"}),
    ]
    blocks: list[tuple[dict, dict]] = []
    if reply.text:
        blocks.append(({"type": "text", "text": ""}, {"type": "text_delta", "text": reply.text}))
    if isinstance(reply, ToolUse):
        blocks.append(({"type": "tool_use", "id": tool_id, "name": reply.name, "input": {}},
                       {"type": "input_json_delta", "partial_json": json.dumps(reply.input)}))
    for index, (start, delta) in enumerate(blocks):
        out.append(_sse("content_block_start", {"type": "content_block_start", "index": index, "content_block": start}))
        out.append(_sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    stop_reason = "tool_use" if isinstance(reply, ToolUse) else "end_turn"
    out.append(_sse("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                                      "usage": {"output_tokens": usage["output_tokens"]}}))
    out.append(_sse("message_stop", {"type": "message_stop"}))
    return b"".join(out)


def json_body(message_id: str, model: str, reply: Text | ToolUse, usage: dict, tool_id: str) -> bytes:
    """A non-streaming reply, as the Python SDK's `messages.create` asks for (the skill's scripts)."""
    content = [{"type": "text", "text": reply.text}] if reply.text else []
    if isinstance(reply, ToolUse):
        content.append({"type": "tool_use", "id": tool_id, "name": reply.name, "input": reply.input})
    return json.dumps({"id": message_id, "type": "message", "role": "assistant", "model": model, "content": content,
                       "stop_reason": "tool_use" if isinstance(reply, ToolUse) else "end_turn",
                       "stop_sequence": None, "usage": usage}).encode()


# --------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def get_request(self):
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every reply carries Content-Length
    server: _Server

    def log_message(self, format, *args):  # quiet
        pass

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if raw and encoding in ("gzip", "deflate"):
            with contextlib.suppress(zlib.error):
                raw = zlib.decompress(raw, 47)  # gzip or zlib header
        return raw

    def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            self.wfile.flush()

    def _record(self, raw: bytes) -> Recorded:
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        return Recorded(method=self.command, path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=body, raw=raw, time=time.time())

    def do_HEAD(self):
        rec = self._record(b"")
        self.server.fake._add(rec)  # type: ignore[attr-defined]
        self._send(200, b"", "text/plain")

    def do_GET(self):
        rec = self._record(b"")
        self.server.fake._add(rec)  # type: ignore[attr-defined]
        self._send(200, b"{}", "application/json")

    def do_POST(self):
        fake: FakeClaudeAPI = self.server.fake  # type: ignore[attr-defined]
        rec = self._record(self._read_body())
        route = rec.route
        if route == "/v1/messages/count_tokens":
            rec.kind = "count_tokens"
            fake._add(rec)
            self._send(200, json.dumps({"input_tokens": 42}).encode(), "application/json")
            return
        if route != "/v1/messages" or not isinstance(rec.body, dict):
            rec.kind, rec.status = "unknown", 404
            fake._add(rec)
            error = {"type": "error", "error": {"type": "not_found_error", "message": f"fake: no route {route}"}}
            self._send(404, json.dumps(error).encode(), "application/json")
            return
        try:
            body = fake._respond(rec)
        except Exception as exc:  # a broken script: answer 500 so the CLI reports it, and keep the error
            rec.status = 500
            fake.errors.append(exc)
            error = {"type": "error", "error": {"type": "api_error", "message": f"fake script failed: {exc!r}"}}
            self._send(500, json.dumps(error).encode(), "application/json")
            return
        streamed = rec.body.get("stream") is True
        self._send(200, body, "text/event-stream; charset=utf-8" if streamed else "application/json",
                   {"request-id": rec.request_id or "", "Cache-Control": "no-cache"})


class FakeClaudeAPI:
    """The fake server. `script` decides the replies (default: `DefaultScript()`)."""

    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or DefaultScript()
        self.token = uuid.uuid4().hex[:8]
        self.requests: list[Recorded] = []
        self.usage_by_id: dict[str, dict] = {}
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._count = 0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-claude-api", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _add(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    def _respond(self, rec: Recorded) -> bytes:
        body = rec.body
        classify = getattr(self.script, "classify", None)
        rec.kind = classify(body) if classify else ("main" if body.get("tools") else "side")
        reply = self.script(body)
        if isinstance(reply, str):
            reply = Text(reply)
        with self._lock:
            self._count += 1
            n = self._count
            rec.response_id = f"msg_e2e{self.token}_{n:04d}"
            rec.request_id = f"req_e2e{self.token}_{n:04d}"
            rec.usage = usage_for(n)
            rec.reply = reply
            self.usage_by_id[rec.response_id] = rec.usage
            self.requests.append(rec)
        write = sse_body if body.get("stream") is True else json_body
        return write(rec.response_id, body.get("model") or "claude-fake", reply, rec.usage,
                     f"toolu_e2e{self.token}_{n:04d}")

    # ----------------------------------------------------------------- queries

    def snapshot(self) -> list[Recorded]:
        with self._lock:
            return list(self.requests)

    def messages(self, since: int = 0) -> list[Recorded]:
        """The `POST /v1/messages` requests, from index `since` of `requests` on."""
        return [r for r in self.snapshot()[since:] if r.is_messages]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeClaudeAPI:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
