"""The loopback fakes in fakes.py speak the real wire formats: checked with the real SDKs, no mocks.

The error tests double as the record of what each SDK raises (anthropic 2.14.0, google-genai 3.6.1,
both on httpx2); the classification code relies on exactly these classes.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request

import anthropic
import httpx2
import pytest
from google import genai
from google.genai import errors, types
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes import (
    ANTHROPIC_VERSIONS,
    FakeAnthropic,
    FakeGemini,
    FakeServer,
    Reply,
    anthropic_count,
    anthropic_error,
    anthropic_text,
    anthropic_tool,
    free_port_refused,
    gemini_blocked,
    gemini_count,
    gemini_empty,
    gemini_error,
    gemini_json,
    gemini_text,
    loopback_env,
)

KEY_A = "sk-ant-test-KEY"
KEY_G = "gemini-test-KEY"
MODEL_A = "claude-haiku-5-5"
MODEL_G = "gemini-2.5-flash-lite"


# --- fixtures -------------------------------------------------------------------------------------------------------


@pytest.fixture
def fa(monkeypatch):
    """A FakeAnthropic that checks the key and anthropic-version like the real API."""
    with FakeAnthropic(api_key=KEY_A) as fake:
        loopback_env(monkeypatch, anthropic=fake)
        yield fake


@pytest.fixture
def fg(monkeypatch):
    """A FakeGemini that checks x-goog-api-key like the real API."""
    with FakeGemini(api_key=KEY_G) as fake:
        loopback_env(monkeypatch, gemini=fake)
        yield fake


def a_client(url: str, *, max_retries: int = 0, timeout: float = 5) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=KEY_A, base_url=url, max_retries=max_retries, timeout=timeout)


def a_call(client: anthropic.Anthropic, **kwargs):
    args = {"model": MODEL_A, "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}], **kwargs}
    return client.messages.create(**args)


def g_client(url: str, *, timeout_ms: int = 5000, retry: types.HttpRetryOptions | None = None) -> genai.Client:
    options = types.HttpOptions(base_url=url, api_version="v1beta", timeout=timeout_ms, retry_options=retry)
    return genai.Client(api_key=KEY_G, http_options=options)


G_CONFIG = types.GenerateContentConfig(
    system_instruction="be brief",
    max_output_tokens=64,
    temperature=0,
    thinking_config=types.ThinkingConfig(thinking_budget=0),
)


def g_call(client: genai.Client, config: types.GenerateContentConfig = G_CONFIG):
    return client.models.generate_content(model=MODEL_G, contents="hi", config=config)


def post(url: str, data: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """A bare urllib POST that ignores proxies; returns (status, headers, body) for any status."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST")
    try:
        with opener.open(req, timeout=5) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


# --- anthropic: success -----------------------------------------------------------------------------------------------


def test_anthropic_text_usage_and_recorded_request(fa):
    fa.queue(anthropic_text("hello there", input_tokens=11, output_tokens=3, cache_read=5, cache_write=2))
    with a_client(fa.url) as client:
        msg = a_call(client, system="be brief")

    assert msg.content[0].type == "text"
    assert msg.content[0].text == "hello there"
    assert msg.stop_reason == "end_turn"
    assert msg.model == MODEL_A
    assert msg.id.startswith("msg_")
    usage = msg.usage
    assert (usage.input_tokens, usage.output_tokens) == (11, 3)
    assert (usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (5, 2)

    [req] = fa.requests
    assert (req.method, req.path, req.route, req.model) == ("POST", "/v1/messages", "messages", MODEL_A)
    assert req.body["model"] == MODEL_A
    assert req.body["max_tokens"] == 64
    assert req.body["messages"] == [{"role": "user", "content": "hi"}]
    assert req.body["system"] == "be brief"
    auth = req.headers.get("authorization", "") + req.headers.get("x-api-key", "")
    assert KEY_A in auth
    assert req.headers["anthropic-version"] in ANTHROPIC_VERSIONS
    assert int(req.headers["content-length"]) == len(req.raw)


def test_anthropic_forced_tool_call(fa):
    verdict = {"verdict": "pass", "score": 0.9, "notes": ["ok"]}
    fa.queue(anthropic_tool("record_verdict", verdict, input_tokens=20, output_tokens=7))
    tool = {
        "name": "record_verdict",
        "description": "Record the verdict.",
        "input_schema": {"type": "object", "properties": {"verdict": {"type": "string"}}, "required": ["verdict"]},
    }
    with a_client(fa.url) as client:
        msg = a_call(client, tools=[tool], tool_choice={"type": "tool", "name": "record_verdict"})

    assert msg.stop_reason == "tool_use"
    block = msg.content[0]
    assert block.type == "tool_use"
    assert block.name == "record_verdict"
    assert block.id.startswith("toolu_")
    assert block.input == verdict
    assert (msg.usage.input_tokens, msg.usage.output_tokens) == (20, 7)
    body = fa.last.body
    assert body["tool_choice"] == {"type": "tool", "name": "record_verdict"}
    assert body["tools"][0]["name"] == "record_verdict"


def test_anthropic_count_tokens_and_beta_query(fa):
    fa.queue(anthropic_count(17), anthropic_text("beta"), anthropic_text("query"))
    with a_client(fa.url) as client:
        count = client.messages.count_tokens(model=MODEL_A, messages=[{"role": "user", "content": "hi"}])
        beta = client.beta.messages.create(model=MODEL_A, max_tokens=8, messages=[{"role": "user", "content": "hi"}])
        query = a_call(client, extra_query={"beta": "true"})
    assert count.input_tokens == 17
    assert beta.content[0].text == "beta"
    assert query.content[0].text == "query"
    first, second, third = fa.requests
    assert (first.path, first.route) == ("/v1/messages/count_tokens", "count_tokens")
    assert (second.path, second.route) == ("/v1/messages", "messages")  # 2.14.0 sends no ?beta=true itself
    assert (third.path, third.route, third.query) == ("/v1/messages", "messages", {"beta": ["true"]})


def test_anthropic_env_only_client_after_loopback_env(fa):
    # loopback_env (in the fixture) set ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY: a bare client reaches the fake.
    fa.queue(anthropic_text("from env"))
    with anthropic.Anthropic(max_retries=0, timeout=5) as client:
        assert a_call(client).content[0].text == "from env"
    assert KEY_A in fa.last.headers.get("authorization", "") + fa.last.headers.get("x-api-key", "")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40), tokens=st.integers(0, 10**6))
def test_anthropic_any_text_round_trips(fa, text, tokens):
    fa.queue(anthropic_text(text, output_tokens=tokens))
    with a_client(fa.url) as client:
        msg = a_call(client)
    assert msg.content[0].text == text
    assert msg.usage.output_tokens == tokens


# --- anthropic: errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, anthropic.BadRequestError),
        (401, anthropic.AuthenticationError),
        (403, anthropic.PermissionDeniedError),
        (429, anthropic.RateLimitError),
        (500, anthropic.InternalServerError),
        (503, anthropic.ServiceUnavailableError),
        (529, anthropic.OverloadedError),
    ],
)
def test_anthropic_status_errors(fa, status, cls):
    fa.queue(anthropic_error(status, message=f"boom {status}"))
    with a_client(fa.url) as client, pytest.raises(anthropic.APIStatusError) as info:
        a_call(client)
    exc = info.value
    assert type(exc) is cls
    assert exc.status_code == status
    assert exc.api_message == f"boom {status}"
    assert exc.type == anthropic_error(status).body["error"]["type"]
    assert exc.request_id == "req_fake_0001"
    assert isinstance(exc, anthropic.InternalServerError) is (status >= 500)
    assert len(fa.requests) == 1  # max_retries=0


def test_anthropic_529_is_overloaded_internal_server_error(fa):
    fa.queue(anthropic_error(529, "overloaded_error", "Overloaded"))
    with a_client(fa.url) as client, pytest.raises(anthropic.InternalServerError) as info:
        a_call(client)
    assert isinstance(info.value, anthropic.OverloadedError)
    assert info.value.status_code == 529
    assert info.value.type == "overloaded_error"


def test_anthropic_429_retry_after_ms_then_success(fa):
    fa.queue(anthropic_error(429, "rate_limit_error", "slow down", {"retry-after-ms": "1"}), anthropic_text("after"))
    start = time.monotonic()
    with a_client(fa.url, max_retries=1) as client:
        msg = a_call(client)
    assert msg.content[0].text == "after"
    assert time.monotonic() - start < 2  # retry-after-ms: 1 was obeyed, not the 0.5 s+ default backoff
    first, second = fa.requests
    assert first.body == second.body
    assert (first.headers["x-stainless-retry-count"], second.headers["x-stainless-retry-count"]) == ("0", "1")
    assert fa.pending == 0


def test_anthropic_malformed_json_at_200_raises_json_decode_error(fa):
    fa.queue(Reply(200, b'{"id": "msg_1", "content": ['))
    with a_client(fa.url) as client, pytest.raises(json.JSONDecodeError) as info:
        a_call(client)
    assert not isinstance(info.value, anthropic.AnthropicError)  # not wrapped by the SDK


def test_anthropic_non_json_content_type_at_200_returns_a_str(fa):
    # A pitfall worth knowing: with a non-JSON content type the SDK hands back the body text, not a Message.
    fa.queue(Reply(200, "upstream says hi", headers={"content-type": "text/plain"}))
    with a_client(fa.url) as client:
        out = a_call(client)
    assert out == "upstream says hi"


def test_anthropic_timeout(fa):
    fa.queue(Reply(200, anthropic_text("late"), delay=3))
    start = time.monotonic()
    with a_client(fa.url, timeout=0.3) as client, pytest.raises(anthropic.APITimeoutError) as info:
        a_call(client)
    assert time.monotonic() - start < 2
    assert isinstance(info.value, anthropic.APIConnectionError)
    assert type(info.value.__cause__) is httpx2.ReadTimeout


def test_anthropic_connection_refused():
    with a_client(free_port_refused()) as client, pytest.raises(anthropic.APIConnectionError) as info:
        a_call(client)
    assert type(info.value) is anthropic.APIConnectionError  # not APITimeoutError
    assert info.value.message == "Connection error."
    assert type(info.value.__cause__) is httpx2.ConnectError


def test_anthropic_dropped_connection(fa):
    fa.queue(Reply(drop=True))
    with a_client(fa.url) as client, pytest.raises(anthropic.APIConnectionError) as info:
        a_call(client)
    assert type(info.value) is anthropic.APIConnectionError
    assert type(info.value.__cause__) is httpx2.RemoteProtocolError


def test_anthropic_fake_checks_credentials_without_consuming_the_queue(fa):
    fa.queue(anthropic_text("never"))
    client = anthropic.Anthropic(api_key="wrong", base_url=fa.url, max_retries=0)
    with client, pytest.raises(anthropic.AuthenticationError) as info:
        a_call(client)
    assert info.value.status_code == 401
    assert fa.pending == 1
    status, _, body = post(fa.url + "/v1/messages", b"{}", {"x-api-key": KEY_A})  # key but no anthropic-version
    assert status == 400
    assert json.loads(body)["error"]["type"] == "invalid_request_error"
    status, _, _ = post(fa.url + "/v1/messages", b"{}", {"x-api-key": KEY_A, "anthropic-version": "2023-06-01"})
    assert status == 200
    assert fa.pending == 0


def test_anthropic_empty_queue_and_unknown_route(fa):
    with a_client(fa.url, max_retries=2) as client:
        with pytest.raises(anthropic.InternalServerError) as info:
            a_call(client)
        assert info.value.status_code == 500
        assert "queue is empty" in info.value.api_message
        assert len(fa.requests) == 1  # x-should-retry: false stopped the retries
        with pytest.raises(anthropic.NotFoundError) as info:
            client.models.list()
    assert "no route for GET /v1/models" in info.value.api_message


# --- gemini: success ------------------------------------------------------------------------------------------------


def test_gemini_text_usage_and_recorded_request(fg):
    fg.queue(gemini_text("hello there", prompt_tokens=7, output_tokens=2, thoughts=3, cached=4))
    client = g_client(fg.url)
    resp = g_call(client)

    assert resp.text == "hello there"
    assert resp.candidates[0].finish_reason == types.FinishReason.STOP
    assert resp.model_version == MODEL_G
    assert resp.response_id
    u = resp.usage_metadata
    assert (u.prompt_token_count, u.candidates_token_count, u.thoughts_token_count) == (7, 2, 3)
    assert (u.cached_content_token_count, u.total_token_count) == (4, 12)

    [req] = fg.requests
    assert req.path == f"/v1beta/models/{MODEL_G}:generateContent"
    assert (req.route, req.model, req.api_version) == ("generateContent", MODEL_G, "v1beta")
    assert req.headers["x-goog-api-key"] == KEY_G
    assert req.headers["x-server-timeout"] == "5"
    body = req.body
    assert body["contents"] == [{"parts": [{"text": "hi"}], "role": "user"}]
    assert body["systemInstruction"]["parts"] == [{"text": "be brief"}]
    gen = body["generationConfig"]
    assert gen["maxOutputTokens"] == 64
    assert gen["temperature"] == 0
    assert gen["thinkingConfig"] == {"thinking_budget": 0}  # snake_case inside thinkingConfig


def test_gemini_usage_omits_zero_thoughts_and_cache():
    usage = gemini_text("x", prompt_tokens=3, output_tokens=4)["usageMetadata"]
    assert usage == {"promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7}


def test_gemini_json_output_count_tokens_and_v1(fg):
    fg.queue(gemini_json({"verdict": "pass", "score": 2}), gemini_count(42), gemini_text("v1"))
    client = g_client(fg.url)
    config = types.GenerateContentConfig(response_mime_type="application/json", response_json_schema={"type": "object"})
    resp = g_call(client, config)
    assert resp.parsed == {"verdict": "pass", "score": 2}
    assert client.models.count_tokens(model=MODEL_G, contents="hi").total_tokens == 42
    v1 = genai.Client(api_key=KEY_G, http_options={"base_url": fg.url, "api_version": "v1"})
    assert v1.models.generate_content(model=f"models/{MODEL_G}", contents="hi").text == "v1"
    first, second, third = fg.requests
    assert first.body["generationConfig"]["responseMimeType"] == "application/json"
    assert (second.route, second.model) == ("countTokens", MODEL_G)
    assert (third.path, third.api_version) == (f"/v1/models/{MODEL_G}:generateContent", "v1")


def test_gemini_env_only_client_after_loopback_env(fg):
    fg.queue(gemini_text("from env"))
    client = genai.Client()  # GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY from loopback_env
    assert client.models.generate_content(model=MODEL_G, contents="hi").text == "from env"
    assert fg.last.headers["x-goog-api-key"] == KEY_G


def test_gemini_blocked_prompt(fg):
    fg.queue(gemini_blocked("SAFETY", prompt_tokens=7))
    resp = g_call(g_client(fg.url))
    assert resp.text is None
    assert resp.candidates is None
    assert resp.prompt_feedback.block_reason == types.BlockedReason.SAFETY
    assert resp.usage_metadata.prompt_token_count == 7
    assert resp.usage_metadata.candidates_token_count is None


def test_gemini_empty_candidates(fg):
    fg.queue(gemini_empty(prompt_tokens=9))
    resp = g_call(g_client(fg.url))
    assert resp.text is None
    assert resp.candidates == []
    assert resp.prompt_feedback is None
    assert resp.usage_metadata.prompt_token_count == 9


# --- gemini: errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "cls"),
    [
        (400, "INVALID_ARGUMENT", errors.ClientError),
        (403, "PERMISSION_DENIED", errors.ClientError),
        (429, "RESOURCE_EXHAUSTED", errors.ClientError),
        (500, "INTERNAL", errors.ServerError),
        (503, "UNAVAILABLE", errors.ServerError),
    ],
)
def test_gemini_status_errors(fg, status, name, cls):
    fg.queue(gemini_error(status, name, f"boom {status}"))
    with pytest.raises(errors.APIError) as info:
        g_call(g_client(fg.url))
    exc = info.value
    assert type(exc) is cls
    assert (exc.code, exc.status, exc.message) == (status, name, f"boom {status}")
    assert exc.details == {"error": {"code": status, "message": f"boom {status}", "status": name}}
    assert len(fg.requests) == 1  # no retries by default


def test_gemini_only_200_is_success(fg):
    fg.queue(Reply(201, gemini_text("created?")))
    with pytest.raises(errors.APIError) as info:
        g_call(g_client(fg.url))
    assert type(info.value) is errors.APIError
    assert info.value.code == 201


def test_gemini_retry_after_503_then_success(fg):
    fg.queue(gemini_error(503, "UNAVAILABLE", "try later"), gemini_text("after"))
    retry = types.HttpRetryOptions(attempts=2, initial_delay=0.01, max_delay=0.02)
    resp = g_call(g_client(fg.url, retry=retry))
    assert resp.text == "after"
    assert len(fg.requests) == 2
    assert fg.pending == 0


def test_gemini_retries_exhausted_raise_the_last_error(fg):
    fg.queue(gemini_error(503), gemini_error(429))
    retry = types.HttpRetryOptions(attempts=2, initial_delay=0.01, max_delay=0.02)
    with pytest.raises(errors.ClientError) as info:
        g_call(g_client(fg.url, retry=retry))
    assert info.value.code == 429
    assert len(fg.requests) == 2


def test_gemini_timeout(fg):
    fg.queue(Reply(200, gemini_text("late"), delay=3))
    start = time.monotonic()
    with pytest.raises(httpx2.TimeoutException) as info:
        g_call(g_client(fg.url, timeout_ms=300))
    assert time.monotonic() - start < 2
    assert type(info.value) is httpx2.ReadTimeout
    assert not isinstance(info.value, errors.APIError)  # transport errors are not wrapped


def test_gemini_connection_refused():
    with pytest.raises(httpx2.HTTPError) as info:
        g_call(g_client(free_port_refused()))
    assert type(info.value) is httpx2.ConnectError


def test_gemini_dropped_connection(fg):
    fg.queue(Reply(drop=True))
    with pytest.raises(httpx2.HTTPError) as info:
        g_call(g_client(fg.url))
    assert type(info.value) is httpx2.RemoteProtocolError


def test_gemini_malformed_json_at_200_raises_json_decode_error(fg):
    fg.queue(Reply(200, b'{"candidates": [{"content": '))
    with pytest.raises(json.JSONDecodeError) as info:
        g_call(g_client(fg.url))
    assert not isinstance(info.value, (errors.APIError, httpx2.HTTPError))


def test_gemini_empty_body_at_200_is_an_empty_response(fg):
    fg.queue(Reply(200, b""))
    resp = g_call(g_client(fg.url))
    assert (resp.text, resp.candidates, resp.usage_metadata) == (None, None, None)


def test_gemini_html_error_page(fg):
    fg.queue(Reply(502, "<html>bad gateway</html>", headers={"content-type": "text/html"}))
    with pytest.raises(errors.ServerError) as info:
        g_call(g_client(fg.url))
    assert (info.value.code, info.value.status, info.value.message) == (502, "Bad Gateway", "<html>bad gateway</html>")


def test_gemini_fake_checks_the_key(fg):
    fg.queue(gemini_text("never"))
    wrong = genai.Client(api_key="wrong", http_options={"base_url": fg.url, "api_version": "v1beta"})
    with pytest.raises(errors.ClientError) as info:
        wrong.models.generate_content(model=MODEL_G, contents="hi")
    assert (info.value.code, info.value.status) == (400, "INVALID_ARGUMENT")
    status, _, body = post(f"{fg.url}/v1beta/models/{MODEL_G}:generateContent", b"{}")
    assert status == 403
    assert json.loads(body)["error"]["status"] == "PERMISSION_DENIED"
    assert fg.pending == 1


def test_gemini_empty_queue_and_unknown_route(fg):
    client = g_client(fg.url)
    with pytest.raises(errors.ServerError) as info:
        g_call(client)
    assert info.value.code == 500
    assert "queue is empty" in info.value.message
    status, _, body = post(f"{fg.url}/v1beta/models/{MODEL_G}:embedContent", b"{}", {"x-goog-api-key": KEY_G})
    assert status == 404
    assert "no route for POST" in json.loads(body)["error"]["message"]
    assert [r.route for r in fg.requests] == ["generateContent", None]


# --- the fake servers themselves ------------------------------------------------------------------------------------


def test_queue_order_default_and_callable_replies():
    with FakeServer(default={"n": "default"}) as fake:
        fake.queue({"n": 1}, Reply(202, {"n": 2}, {"x-extra": "yes"}), lambda req: {"echo": req.body})
        replies = [post(fake.url + "/anything", json.dumps({"i": i}).encode()) for i in range(4)]
        assert [r[0] for r in replies] == [200, 202, 200, 200]
        assert [json.loads(r[2]) for r in replies] == [{"n": 1}, {"n": 2}, {"echo": {"i": 2}}, {"n": "default"}]
        assert replies[1][1]["x-extra"] == "yes"
        assert {k.lower(): v for k, v in replies[0][1].items()}["content-length"] == str(len(replies[0][2]))
        assert [r.index for r in fake.requests] == [0, 1, 2, 3]


def test_raw_bodies_are_sent_and_recorded_verbatim():
    with FakeServer() as fake:
        fake.queue(Reply(200, b"\x00not json"), Reply(500, "plain text"))
        assert post(fake.url + "/x", b"raw \xff bytes")[2] == b"\x00not json"
        assert post(fake.url + "/y?a=1&a=2", b"{}")[:3:2] == (500, b"plain text")
        first, second = fake.requests
        assert first.body == b"raw \xff bytes"
        assert first.json is None
        assert (second.path, second.query, second.body) == ("/y", {"a": ["1", "2"]}, {})
        assert first.headers["content-length"] == "11"  # lowercase keys


def test_concurrent_requests_each_get_one_reply():
    with FakeAnthropic() as fake:
        fake.queue(*[anthropic_text(f"r{i}") for i in range(16)])
        results: list[str] = []
        lock = threading.Lock()

        def worker():
            _, _, body = post(fake.url + "/v1/messages", b"{}")
            with lock:
                results.append(json.loads(body)["content"][0]["text"])

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(5)
        assert sorted(results) == sorted(f"r{i}" for i in range(16))
        assert len(fake.requests) == 16
        assert fake.pending == 0


def test_close_interrupts_a_delayed_reply_and_frees_the_port():
    fake = FakeGemini()
    fake.queue(Reply(200, gemini_text("late"), delay=30))
    errors_seen: list[BaseException] = []

    def call():
        try:
            post(f"{fake.url}/v1beta/models/m:generateContent", b"{}")
        except Exception as exc:
            errors_seen.append(exc)

    t = threading.Thread(target=call)
    t.start()
    fake.wait_for(1)
    start = time.monotonic()
    fake.close()
    t.join(5)
    assert time.monotonic() - start < 2
    assert not t.is_alive()
    assert errors_seen  # the connection was cut, no reply
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", fake.port), timeout=1).close()
    fake.close()  # idempotent


def test_free_port_refused_refuses():
    url = free_port_refused()
    assert url.startswith("http://127.0.0.1:")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1).close()


def test_loopback_env_defeats_proxies_and_cleans_credentials(monkeypatch):
    proxy = free_port_refused()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("GOOGLE_API_KEY", "ANTHROPIC_AUTH_TOKEN", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.setenv(name, "leak")
    with FakeAnthropic() as fa, FakeGemini() as fg:
        fa.default = anthropic_text("via fake")
        # Without loopback_env the (dead) proxy swallows loopback traffic.
        client = anthropic.Anthropic(api_key=KEY_A, base_url=fa.url, max_retries=0)
        with client, pytest.raises(anthropic.APIConnectionError):
            a_call(client)
        assert fa.requests == []

        loopback_env(monkeypatch, anthropic=fa, gemini=fg, key_a="sk-ant-other", key_g="g-other")

        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            assert name not in os.environ
        for name in ("GOOGLE_API_KEY", "ANTHROPIC_AUTH_TOKEN", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT"):
            assert name not in os.environ
        assert os.environ["NO_PROXY"] == "127.0.0.1,localhost"
        assert (os.environ["ANTHROPIC_BASE_URL"], os.environ["ANTHROPIC_API_KEY"]) == (fa.url, "sk-ant-other")
        assert (os.environ["GOOGLE_GEMINI_BASE_URL"], os.environ["GEMINI_API_KEY"]) == (fg.url, "g-other")
        with anthropic.Anthropic(max_retries=0) as client:
            assert a_call(client).content[0].text == "via fake"
        assert "sk-ant-other" in fa.last.headers.get("authorization", "")
