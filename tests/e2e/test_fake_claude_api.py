"""The fake_api Messages API on its own (no Claude Code CLI needed): the official SDK parses its SSE
stream, and the default script calls Agent once per conversation."""

from __future__ import annotations

import http.client
import json

import anthropic
import pytest
from fake_claude_api import DefaultScript, Text, ToolUse, usage_for

AGENT_TOOL = {"name": "Agent", "description": "Launch a subagent", "input_schema": {"type": "object"}}


@pytest.fixture
def client(fake_api, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):  # loopback: never through a proxy
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return anthropic.Anthropic(api_key="sk-test", base_url=fake_api.url, max_retries=0)


def stream(client, messages, tools=None, model="claude-opus-5-5"):
    kwargs = {"tools": tools} if tools else {}
    with client.messages.stream(model=model, max_tokens=1000, messages=messages, **kwargs) as events:
        return events.get_final_message()


def test_text_reply_parses_with_the_sdk(fake_api, client):
    message = stream(client, [{"role": "user", "content": "hello"}])
    assert [block.type for block in message.content] == ["text"]
    assert message.content[0].text == "ok"
    assert message.stop_reason == "end_turn"
    assert message.model == "claude-opus-5-5"
    sent = usage_for(1)
    assert message.usage.input_tokens == sent["input_tokens"]
    assert message.usage.output_tokens == sent["output_tokens"]
    assert message.usage.cache_creation_input_tokens == sent["cache_creation_input_tokens"]
    assert message.usage.cache_read_input_tokens == sent["cache_read_input_tokens"]
    (request,) = fake_api.messages()
    assert request.response_id == message.id and fake_api.usage_by_id[message.id] == sent
    assert request.kind == "side"  # no tools offered
    assert "anthropic-version" in request.headers


def test_spawn_marker_calls_the_offered_agent_tool_once(fake_api, client):
    prompt = [{"role": "user", "content": "SPAWN_AGENT: Fix the typo 'teh' in README.md"}]
    first = stream(client, prompt, tools=[AGENT_TOOL])
    assert first.stop_reason == "tool_use"
    (call,) = first.content
    assert call.name == "Agent"
    assert call.input == {"description": "Run the delegated task", "prompt": "Fix the typo 'teh' in README.md",
                          "subagent_type": "general-purpose", "run_in_background": False}
    # the subagent's conversation starts with the prompt
    sub = stream(client, [{"role": "user", "content": "Fix the typo 'teh' in README.md"}], tools=[AGENT_TOOL])
    assert sub.content[0].text == "subagent done."
    # once the history holds the call, the main conversation ends with text
    history = [*prompt, {"role": "assistant", "content": [call.model_dump()]},
               {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "done"}]}]
    final = stream(client, history, tools=[AGENT_TOOL])
    assert final.content[0].text == "ok"
    assert [r.kind for r in fake_api.messages()] == ["main", "subagent", "main"]
    assert len(set(fake_api.usage_by_id)) == 3


def test_old_clis_task_tool_name_is_used_as_offered():
    script = DefaultScript()
    body = {"messages": [{"role": "user", "content": [{"type": "text", "text": "SPAWN_AGENT: do it"}]}],
            "tools": [{"name": "Task"}]}
    reply = script(body)
    assert isinstance(reply, ToolUse) and reply.name == "Task" and reply.input["prompt"] == "do it"
    assert script({"messages": body["messages"]}) == Text("ok")  # no tool offered: plain text


def test_head_and_unknown_paths(fake_api):
    conn = http.client.HTTPConnection("127.0.0.1", fake_api.port, timeout=10)
    conn.request("HEAD", "/")
    response = conn.getresponse()
    response.read()
    assert response.status == 200
    conn.request("POST", "/v1/other", body=json.dumps({}), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    assert response.status == 404
    conn.close()
    assert [(r.method, r.route, r.kind) for r in fake_api.snapshot()] == [("HEAD", "/", ""), ("POST", "/v1/other",
                                                                                          "unknown")]
