"""Loopback fake HTTP servers for the Anthropic Messages API and the Gemini Developer API.

Standard library only, so any test (or a subprocess it starts) can talk to them with the real SDKs:

    with FakeAnthropic() as fake:
        fake.queue(anthropic_text("done"))
        client = anthropic.Anthropic(api_key="k", base_url=fake.url, max_retries=0)
        ...
        assert fake.requests[0].body["model"] == "claude-haiku-5-5"

Replies are answered in the order they were queued; when the queue is empty the server answers with
`.default`, and when that is None with a clear HTTP 500 saying the queue is empty. A queued item is a
`Reply`, a plain dict / list (a 200 JSON reply) or a callable taking the `Request` and returning either.
Requests to unknown paths get a 404 and do not consume the queue (they are still recorded).

`loopback_env(monkeypatch, anthropic=fake_a, gemini=fake_g)` points the SDKs' environment variables at the
fakes and removes the proxy variables that would otherwise send loopback traffic to a proxy.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "ANTHROPIC_VERSIONS",
    "FakeAnthropic",
    "FakeGemini",
    "FakeServer",
    "Reply",
    "Request",
    "anthropic_count",
    "anthropic_error",
    "anthropic_text",
    "anthropic_tool",
    "free_port_refused",
    "gemini_blocked",
    "gemini_count",
    "gemini_empty",
    "gemini_error",
    "gemini_json",
    "gemini_text",
    "loopback_env",
]

# Versions the fake accepts in `anthropic-version` when it checks headers (see FakeAnthropic(api_key=...)).
ANTHROPIC_VERSIONS = ("2023-06-01", "2026-10-21")

_ids = itertools.count(1)

_REASONS = {529: "Overloaded"}


@dataclass
class Reply:
    """One answer of a fake server.

    body: dict / list -> JSON; bytes / str -> sent as is (malformed JSON, HTML error pages); None -> empty.
    headers: extra response headers (they override the defaults, e.g. content-type).
    delay: seconds to wait before answering (to trigger client timeouts).
    drop: close the connection without answering (after `delay`).
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False

    def encoded(self) -> tuple[bytes, str]:
        """The body as bytes and its default content type."""
        if self.body is None:
            return b"", "application/json"
        if isinstance(self.body, bytes):
            return self.body, "application/json"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), "application/json"
        return json.dumps(self.body).encode("utf-8"), "application/json"


@dataclass
class Request:
    """One request as the fake saw it."""

    method: str
    path: str  # without the query string, percent-decoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lowercase keys; repeated headers joined with ", "
    body: Any  # parsed JSON, or the raw bytes when the body is not JSON
    raw: bytes
    route: str | None  # "messages", "count_tokens", "generateContent", "countTokens"; None when unknown
    model: str | None = None  # Gemini: from the path; Anthropic: body["model"]
    api_version: str | None = None  # Gemini: "v1" or "v1beta"
    index: int = 0  # 0-based position among the requests this fake received
    at: float = 0.0  # time.monotonic() when the request arrived

    @property
    def json(self) -> Any:
        """The parsed JSON body, or None when the body was not JSON."""
        return None if isinstance(self.body, bytes) else self.body


QueueItem = Reply | dict | list | Callable[[Request], Any]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeServer/1.0"
    timeout = 30  # idle keep-alive connections end after this many seconds

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle plus the client's delayed ACK
        # add ~40 ms to every request on a reused keep-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track(self.connection, True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        self.server.fake._track(self.connection, False)  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):
            super().finish()

    def _dispatch(self) -> None:
        self.server.fake._handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 stalls bursts of parallel connections by ~1 s (SYN retry)


class FakeServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 (a free port) that records requests and answers queued replies."""

    name = "FakeServer"

    def __init__(self, default: QueueItem | None = None) -> None:
        self.default: QueueItem | None = default
        self._lock = threading.Lock()
        self._queue: deque[QueueItem] = deque()
        self._requests: list[Request] = []
        self._closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self  # type: ignore[attr-defined]
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), name=f"{self.name}:{self.port}", daemon=True
        )
        self._thread.start()

    # --- public API ---------------------------------------------------------------------------------------------

    def queue(self, *replies: QueueItem) -> FakeServer:
        """Queue replies, answered in order (one per routed request)."""
        with self._lock:
            self._queue.extend(replies)
        return self

    @property
    def requests(self) -> list[Request]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def last(self) -> Request:
        """The most recent request (AssertionError when there is none)."""
        with self._lock:
            assert self._requests, f"{self.name} received no request"
            return self._requests[-1]

    @property
    def pending(self) -> int:
        """How many queued replies are still unused."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Forget recorded requests and queued replies (keeps `.default`)."""
        with self._lock:
            self._requests.clear()
            self._queue.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Request]:
        """Wait until at least `count` requests arrived (for requests sent from other threads/processes)."""
        deadline = time.monotonic() + timeout
        while True:
            reqs = self.requests
            if len(reqs) >= count or time.monotonic() >= deadline:
                return reqs
            time.sleep(0.005)

    def close(self) -> None:
        """Stop serving, cut open connections and release the port. Idempotent."""
        if self._closing.is_set():
            return
        self._closing.set()
        self._httpd.shutdown()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} requests={len(self._requests)} queued={len(self._queue)}>"

    # --- hooks for subclasses -----------------------------------------------------------------------------------

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        """(route name, extra fields) for a path this server answers, or None for a 404."""
        return "any", {}

    def _check(self, req: Request) -> Reply | None:
        """A reply that pre-empts the queue (e.g. a missing key), or None."""
        return None

    def _error(self, status: int, message: str) -> Reply:
        """An error reply in this API's format."""
        return Reply(status, {"error": {"code": status, "message": message}})

    def _reply_headers(self, req: Request) -> dict[str, str]:
        return {}

    # --- internals ----------------------------------------------------------------------------------------------

    def _track(self, conn: socket.socket, alive: bool) -> None:
        with self._lock:
            if alive:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    @staticmethod
    def _read_body(h: BaseHTTPRequestHandler) -> bytes:
        if "chunked" in h.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(h.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(h.rfile.read(size))
                h.rfile.readline()
        length = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(length) if length else b""

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        raw = self._read_body(h)
        split = urlsplit(h.path)
        path = unquote(split.path)
        headers: dict[str, str] = {}
        for key, value in h.headers.items():
            k = key.lower()
            headers[k] = f"{headers[k]}, {value}" if k in headers else value
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        routed = self._route(h.command, path)
        req = Request(
            method=h.command,
            path=path,
            query=parse_qs(split.query),
            headers=headers,
            body=body,
            raw=raw,
            route=routed[0] if routed else None,
            at=time.monotonic(),
            **(routed[1] if routed else {}),
        )
        if routed and req.model is None and isinstance(body, dict) and isinstance(body.get("model"), str):
            req.model = body["model"]
        with self._lock:
            req.index = len(self._requests)
            self._requests.append(req)
        if routed is None:
            reply = self._error(404, f"{self.name}: no route for {h.command} {path}")
        else:
            reply = self._check(req) or self._next_reply(req)
        self._send(h, req, reply)

    def _next_reply(self, req: Request) -> Reply:
        with self._lock:
            item = self._queue.popleft() if self._queue else self.default
        if item is None:
            return self._error(
                500,
                f"{self.name}: reply queue is empty (request #{req.index + 1}: {req.method} {req.path}); "
                "queue a reply with .queue(...) or set .default",
            )
        if callable(item) and not isinstance(item, Reply):
            item = item(req)
        if isinstance(item, Reply):
            return item
        if isinstance(item, (dict, list)):
            return Reply(200, item)
        raise TypeError(f"{self.name}: a reply must be a Reply, dict or list, not {type(item).__name__}")

    def _send(self, h: BaseHTTPRequestHandler, req: Request, reply: Reply) -> None:
        if reply.delay and self._closing.wait(reply.delay):
            reply = Reply(drop=True)
        try:
            if reply.drop:
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
            data, ctype = reply.encoded()
            out = {"content-type": ctype, **self._reply_headers(req)}
            out.update({k.lower(): str(v) for k, v in reply.headers.items()})
            out["content-length"] = str(len(data))
            h.send_response(reply.status, _REASONS.get(reply.status))
            for key, value in out.items():
                h.send_header(key, value)
            h.end_headers()
            h.wfile.write(data)
            h.wfile.flush()
        except OSError:  # the client gave up (timeout) or went away
            h.close_connection = True


# ---------------------------------------------------------------------------------------------------------------
# Anthropic
# ---------------------------------------------------------------------------------------------------------------

_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


class FakeAnthropic(FakeServer):
    """Fake Anthropic API: `POST /v1/messages` (any query, e.g. `?beta=true`) and `POST /v1/messages/count_tokens`.

    With `api_key`, requests must carry it (`x-api-key: KEY` or `Authorization: Bearer KEY`) and an
    `anthropic-version` header from ANTHROPIC_VERSIONS, or they get 401 / 400 like the real API
    (without consuming the queue). Without it nothing is checked.
    """

    name = "FakeAnthropic"

    def __init__(self, default: QueueItem | None = None, *, api_key: str | None = None) -> None:
        self.api_key = api_key
        super().__init__(default)

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        if method != "POST":
            return None
        if path == "/v1/messages":
            return "messages", {}
        if path == "/v1/messages/count_tokens":
            return "count_tokens", {}
        return None

    def _check(self, req: Request) -> Reply | None:
        if self.api_key is None:
            return None
        bearer = req.headers.get("authorization", "")
        if self.api_key not in (req.headers.get("x-api-key"), bearer.removeprefix("Bearer ").strip()):
            return anthropic_error(401, "authentication_error", "invalid x-api-key")
        version = req.headers.get("anthropic-version")
        if version not in ANTHROPIC_VERSIONS:
            return anthropic_error(400, "invalid_request_error", f"anthropic-version: unsupported value {version!r}")
        return None

    def _error(self, status: int, message: str) -> Reply:
        # x-should-retry: false keeps a client with retries from hammering an empty queue / unknown route.
        return anthropic_error(status, message=message, headers={"x-should-retry": "false"})

    def _reply_headers(self, req: Request) -> dict[str, str]:
        return {"request-id": f"req_fake_{req.index + 1:04d}"}


def _anthropic_usage(input_tokens: int, output_tokens: int, cache_read: int, cache_write: int) -> dict[str, int]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
    }


def _anthropic_message(content: list[dict], model: str, stop_reason: str, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": f"msg_fake_{next(_ids):06d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def anthropic_text(
    text: str,
    *,
    model: str = "claude-haiku-5-5",
    input_tokens: int = 10,
    output_tokens: int = 5,
    cache_read: int = 0,
    cache_write: int = 0,
    stop_reason: str = "end_turn",
) -> dict[str, Any]:
    """The JSON of a Messages API reply holding one text block."""
    usage = _anthropic_usage(input_tokens, output_tokens, cache_read, cache_write)
    return _anthropic_message([{"type": "text", "text": text}], model, stop_reason, usage)


def anthropic_tool(
    name: str,
    input_dict: dict[str, Any],
    *,
    model: str = "claude-haiku-5-5",
    input_tokens: int = 10,
    output_tokens: int = 5,
    cache_read: int = 0,
    cache_write: int = 0,
) -> dict[str, Any]:
    """The JSON of a forced tool call reply: one tool_use block, stop_reason "tool_use"."""
    usage = _anthropic_usage(input_tokens, output_tokens, cache_read, cache_write)
    block = {"type": "tool_use", "id": f"toolu_fake_{next(_ids):06d}", "name": name, "input": input_dict}
    return _anthropic_message([block], model, "tool_use", usage)


def anthropic_count(input_tokens: int) -> dict[str, int]:
    """The JSON of a count_tokens reply."""
    return {"input_tokens": input_tokens}


def anthropic_error(
    status: int,
    type: str | None = None,
    message: str | None = None,
    headers: dict[str, str] | None = None,
    *,
    error_code: str | None = None,
) -> Reply:
    """An Anthropic error reply: `{"type": "error", "error": {"type": ..., "message": ...}}`.

    `type` defaults from the status (429 rate_limit_error, 500 api_error, 529 overloaded_error, ...);
    `error_code` adds `error.details.error_code` (the SDK picks finer exception subclasses from it).
    Typical headers: {"retry-after": "1"} or {"retry-after-ms": "1"}, {"x-should-retry": "false"}.
    """
    err: dict[str, Any] = {
        "type": type or _ANTHROPIC_ERROR_TYPES.get(status, "api_error"),
        "message": message or f"fake error {status}",
    }
    if error_code is not None:
        err["details"] = {"error_code": error_code}
    return Reply(status, {"type": "error", "error": err}, dict(headers or {}))


# ---------------------------------------------------------------------------------------------------------------
# Gemini
# ---------------------------------------------------------------------------------------------------------------

_GEMINI_PATH = re.compile(r"^/(v1|v1beta|v1alpha)/models/([^/:]+):(generateContent|countTokens)$")

_GEMINI_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class FakeGemini(FakeServer):
    """Fake Gemini Developer API: `POST /{v1,v1beta}/models/<model>:generateContent` and `:countTokens`.

    Each request records `.model` (from the path) and `.api_version`. With `api_key`, a request without
    `x-goog-api-key` (or `?key=`) gets 403 PERMISSION_DENIED and one with another key 400 INVALID_ARGUMENT,
    like the real API (without consuming the queue). Without it nothing is checked.
    """

    name = "FakeGemini"

    def __init__(self, default: QueueItem | None = None, *, api_key: str | None = None) -> None:
        self.api_key = api_key
        super().__init__(default)

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        match = _GEMINI_PATH.match(path)
        if method != "POST" or match is None:
            return None
        return match.group(3), {"api_version": match.group(1), "model": match.group(2)}

    def _check(self, req: Request) -> Reply | None:
        if self.api_key is None:
            return None
        key = req.headers.get("x-goog-api-key") or (req.query.get("key") or [None])[0]
        if key is None:
            return gemini_error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers")
        if key != self.api_key:
            return gemini_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
        return None

    def _error(self, status: int, message: str) -> Reply:
        return gemini_error(status, message=message)

    def _reply_headers(self, req: Request) -> dict[str, str]:
        return {"content-type": "application/json; charset=UTF-8"}


def _gemini_usage(prompt_tokens: int, output_tokens: int | None = None, thoughts: int = 0, cached: int = 0) -> dict:
    usage = {"promptTokenCount": prompt_tokens}
    if output_tokens is not None:
        usage["candidatesTokenCount"] = output_tokens
    usage["totalTokenCount"] = prompt_tokens + (output_tokens or 0) + thoughts
    if thoughts > 0:
        usage["thoughtsTokenCount"] = thoughts
    if cached > 0:
        usage["cachedContentTokenCount"] = cached
    return usage


def gemini_text(
    text: str,
    *,
    prompt_tokens: int = 10,
    output_tokens: int = 5,
    thoughts: int = 0,
    cached: int = 0,
    finish: str = "STOP",
    model_version: str = "gemini-2.5-flash-lite",
) -> dict[str, Any]:
    """The JSON of a generateContent reply with one text candidate.

    totalTokenCount = prompt + output + thoughts (cached tokens are part of the prompt count, as in the API).
    """
    return {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": finish, "index": 0}],
        "usageMetadata": _gemini_usage(prompt_tokens, output_tokens, thoughts, cached),
        "modelVersion": model_version,
        "responseId": f"fake-resp-{next(_ids):06d}",
    }


def gemini_json(obj: Any, **kwargs: Any) -> dict[str, Any]:
    """A generateContent reply whose text is json.dumps(obj) (structured output); kwargs as gemini_text."""
    return gemini_text(json.dumps(obj), **kwargs)


def gemini_blocked(reason: str = "SAFETY", prompt_tokens: int = 10) -> dict[str, Any]:
    """A prompt blocked before generation: no candidates, `promptFeedback.blockReason`."""
    return {
        "promptFeedback": {"blockReason": reason},
        "usageMetadata": _gemini_usage(prompt_tokens),
        "modelVersion": "gemini-2.5-flash-lite",
        "responseId": f"fake-resp-{next(_ids):06d}",
    }


def gemini_empty(prompt_tokens: int = 10) -> dict[str, Any]:
    """A reply with an empty candidate list."""
    return {"candidates": [], "usageMetadata": _gemini_usage(prompt_tokens)}


def gemini_count(total_tokens: int) -> dict[str, int]:
    """The JSON of a countTokens reply."""
    return {"totalTokens": total_tokens}


def gemini_error(
    status: int,
    status_name: str | None = None,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """A Gemini error reply: `{"error": {"code": status, "message": ..., "status": ...}}`.

    `status_name` defaults from the status (429 RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE, ...).
    """
    body = {
        "error": {
            "code": status,
            "message": message or f"fake error {status}",
            "status": status_name or _GEMINI_STATUS.get(status, "UNKNOWN"),
        }
    }
    return Reply(status, body, dict(headers or {}))


# ---------------------------------------------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------------------------------------------

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
_UNSET_VARS = (
    "GOOGLE_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_GENAI_USE_ENTERPRISE",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "ANTHROPIC_CUSTOM_HEADERS",
    "ANTHROPIC_PROFILE",
)


def loopback_env(
    monkeypatch: Any,
    anthropic: FakeServer | str | None = None,
    gemini: FakeServer | str | None = None,
    key_a: str = "sk-ant-test-KEY",
    key_g: str = "gemini-test-KEY",
) -> None:
    """Point the SDKs' environment at loopback fakes for one test (pytest's monkeypatch undoes it).

    Always: removes HTTP_PROXY / HTTPS_PROXY / ALL_PROXY (both cases), sets NO_PROXY and no_proxy to
    "127.0.0.1,localhost", and removes GOOGLE_API_KEY (it would win over GEMINI_API_KEY),
    ANTHROPIC_AUTH_TOKEN, GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_GENAI_USE_ENTERPRISE, GOOGLE_CLOUD_PROJECT,
    GOOGLE_CLOUD_LOCATION, ANTHROPIC_CUSTOM_HEADERS, ANTHROPIC_PROFILE.
    With `anthropic` (a fake or a URL): ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY=key_a.
    With `gemini` (a fake or a URL): GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY=key_g.
    """
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    for name in _UNSET_VARS:
        monkeypatch.delenv(name, raising=False)
    if anthropic is not None:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic if isinstance(anthropic, str) else anthropic.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", key_a)
    if gemini is not None:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", gemini if isinstance(gemini, str) else gemini.url)
        monkeypatch.setenv("GEMINI_API_KEY", key_g)


def free_port_refused() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused), e.g. "http://127.0.0.1:40123"."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
