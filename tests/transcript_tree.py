"""Synthetic Claude Code transcript trees, written the way Claude Code writes them.

Compact JSON, one object per line, with the shapes of CLI 2.1.x: an assistant
response repeated once per content block, optional placeholder usage on its first
copy (older CLIs), tool results as user lines, subagent files under
`<session>/subagents/`, synthetic and API-error messages, `cost-state` lines.

Each writer keeps its own count of what a correct reader must find
(`expected`, per model), computed from what it wrote, not by parsing it.
Used by the tests, the ingest benchmark and the demo.
"""

from __future__ import annotations

import json
import os
import random
import uuid as uuidlib

KINDS = ("input", "output", "cache_write", "cache_read")
T0 = 1_764_028_800_000  # 2025-11-25T00:00:00Z in ms


def _dumps(obj: dict) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _iso(ms: int) -> str:
    import time

    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


class Tree:
    """A `CLAUDE_CONFIG_DIR`: `projects/<project>/<session>.jsonl` and subagent files."""

    def __init__(self, root: str, seed: int = 0) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.expected: dict[str, dict[str, int]] = {}
        self.responses = 0
        self.clock = T0
        self._ids = 0
        self.seed = seed

    def next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}_{self.seed:04d}{self._ids:020d}"  # unique across trees of other seeds

    def tick(self, ms: int = 1500) -> int:
        self.clock += ms
        return self.clock

    def count(self, model: str, usage: dict) -> None:
        totals = self.expected.setdefault(model, dict.fromkeys(KINDS, 0))
        totals["input"] += usage["input_tokens"]
        totals["output"] += usage["output_tokens"]
        totals["cache_write"] += usage["cache_creation_input_tokens"]
        totals["cache_read"] += usage["cache_read_input_tokens"]
        self.responses += 1

    def session(self, cwd: str, session_id: str | None = None) -> Transcript:
        session_id = session_id or str(uuidlib.UUID(int=self.rng.getrandbits(128), version=4))
        project = "".join(c if c.isalnum() else "-" for c in cwd)
        path = os.path.join(self.root, "projects", project, f"{session_id}.jsonl")
        return Transcript(self, path, cwd, session_id)


class Transcript:
    """One JSONL file: the main thread of a session, or one subagent (`subagent()`)."""

    def __init__(self, tree: Tree, path: str, cwd: str, session_id: str, agent_id: str | None = None) -> None:
        self.tree = tree
        self.path = path
        self.cwd = cwd
        self.session_id = session_id
        self.agent_id = agent_id
        self.lines: list[str] = []
        self.parent: str | None = None

    # -- lines

    def _base(self, kind: str) -> dict:
        uid = str(uuidlib.UUID(int=self.tree.rng.getrandbits(128), version=4))
        obj = {"parentUuid": self.parent, "isSidechain": self.agent_id is not None, "userType": "external",
               "cwd": self.cwd, "sessionId": self.session_id, "version": "2.1.332", "gitBranch": "main"}
        if self.agent_id:
            obj["agentId"] = self.agent_id
        obj["type"] = kind
        obj["uuid"] = uid
        obj["timestamp"] = _iso(self.tree.tick())
        self.parent = uid
        return obj

    def prompt(self, text: str) -> None:
        obj = self._base("user")
        obj["message"] = {"role": "user", "content": text}
        self.lines.append(_dumps(obj))

    def tool_result(self, tool_use_id: str, size: int) -> None:
        obj = self._base("user")
        # tool output with the characters JSON must escape: quotes, backslashes, newlines
        body = self.tree.rng.randbytes(size // 2).hex().replace("a", '"', 3).replace("b", "\\", 3).replace("c", "\n")
        obj["message"] = {"role": "user", "content": [{"tool_use_id": tool_use_id, "type": "tool_result",
                                                       "content": body}]}
        obj["toolUseResult"] = {"stdout": body[: size // 2], "stderr": "", "interrupted": False}
        self.lines.append(_dumps(obj))

    def response(
        self,
        model: str,
        usage: dict,
        *,
        blocks: int = 2,
        placeholder: bool = False,
        message_id: str | None = None,
        request_id: str | None = None,
        counted: bool = True,
        text_size: int = 40,
    ) -> tuple[str, str]:
        """One API response, written once per content block. With `placeholder`, the
        first copy carries the streaming placeholder usage of older CLIs."""
        if placeholder:
            blocks = max(blocks, 2)  # the placeholder copy is followed by the real ones
        message_id = message_id or self.tree.next_id("msg")
        request_id = request_id or self.tree.next_id("req")
        full = _usage(usage)
        for block in range(blocks):
            obj = self._base("assistant")
            if block == blocks - 1 and blocks > 1:
                content = [{"type": "tool_use", "id": self.tree.next_id("toolu"), "name": "Read",
                            "input": {"file_path": "/tmp/x.py", "usage": {"input_tokens": 999999}}}]
            else:
                content = [{"type": "text", "text": "x" * text_size}]
            u = _usage({"input_tokens": usage.get("input_tokens", 0), "output_tokens": 1}) if (
                placeholder and block == 0) else full
            obj["message"] = {"id": message_id, "type": "message", "role": "assistant", "model": model,
                              "content": content, "stop_reason": None, "stop_sequence": None, "usage": u}
            obj["requestId"] = request_id
            # key order as Claude Code writes it: message, requestId, type, uuid, timestamp
            obj = {k: obj[k] for k in (*[k for k in obj if k not in ("type", "uuid", "timestamp")],
                                        "type", "uuid", "timestamp")}
            self.lines.append(_dumps(obj))
        if counted:
            self.tree.count(model, full)
        return message_id, request_id

    def synthetic(self) -> None:
        obj = self._base("assistant")
        obj["message"] = {"id": str(uuidlib.UUID(int=self.tree.rng.getrandbits(128))), "model": "<synthetic>",
                          "role": "assistant", "type": "message", "content": [{"type": "text", "text": "No response"}],
                          "usage": _usage({"input_tokens": 0, "output_tokens": 0})}
        self.lines.append(_dumps(obj))

    def api_error(self, input_tokens: int = 0, output_tokens: int = 0) -> None:
        """An API error message; Claude Code writes them with zero usage."""
        obj = self._base("assistant")
        obj["message"] = {"id": self.tree.next_id("msg"), "model": "claude-opus-5-5", "role": "assistant",
                          "type": "message", "content": [{"type": "text", "text": "API Error: 529 overloaded"}],
                          "usage": _usage({"input_tokens": input_tokens, "output_tokens": output_tokens})}
        obj["requestId"] = self.tree.next_id("req")
        obj["isApiErrorMessage"] = True
        self.lines.append(_dumps(obj))

    def cost_state(self, total_usd: float) -> None:
        self.lines.append(_dumps({"type": "cost-state", "sessionId": self.session_id,
                                  "totalCostUSD": total_usd, "timestamp": _iso(self.tree.tick())}))

    def raw(self, text: str) -> None:
        self.lines.append(text)

    # -- files

    def subagent(self, agent_id: str | None = None) -> Transcript:
        agent_id = agent_id or f"a{self.tree.rng.getrandbits(64):016x}"
        stem = self.path[: -len(".jsonl")]
        path = os.path.join(stem, "subagents", f"agent-{agent_id}.jsonl")
        return Transcript(self.tree, path, self.cwd, self.session_id, agent_id)

    def write(self, torn_tail: str | None = None) -> str:
        """Write (or rewrite) the file; `torn_tail` is appended without a newline."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in self.lines))
            if torn_tail:
                fh.write(torn_tail)
        return self.path

    def append_lines(self, start: int) -> None:
        """Append lines[start:] to the file on disk, as Claude Code does during a session."""
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in self.lines[start:]))


def _usage(usage: dict) -> dict:
    w5 = usage.get("cache_5m", usage.get("cache_creation_input_tokens", 0))
    w1 = usage.get("cache_1h", 0)
    return {"input_tokens": usage.get("input_tokens", 0),
            "cache_creation_input_tokens": usage.get("cache_creation_input_tokens", w5 + w1),
            "cache_read_input_tokens": usage.get("cache_read_input_tokens", 0),
            "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
            "output_tokens": usage.get("output_tokens", 0), "service_tier": "standard"}


MODELS = ("claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5", "claude-haiku-4-5-20251001")


def random_tree(root: str, *, sessions: int, turns: int, seed: int = 0, tool_bytes: int = 2000,
                subagent_every: int = 3) -> Tree:
    """A tree of `sessions` sessions with `turns` responses each (plus subagents),
    duplicate content blocks, placeholders, tool results, synthetic and error lines."""
    tree = Tree(root, seed)
    rng = tree.rng
    for s in range(sessions):
        main = tree.session(f"/home/dev/project-{s % 7}")
        agent = main.subagent() if s % subagent_every == 0 else None
        for t in range(turns):
            target = agent if agent is not None and t % 4 == 3 else main
            if t % 5 == 0:
                target.prompt(f"task {s}.{t}: fix the thing")
            usage = {"input_tokens": rng.randint(1, 4000), "output_tokens": rng.randint(1, 3000),
                     "cache_5m": rng.choice((0, 0, rng.randint(100, 30000))),
                     "cache_1h": rng.choice((0, 0, 0, rng.randint(100, 9000))),
                     "cache_read_input_tokens": rng.randint(0, 120000)}
            target.response(rng.choice(MODELS if target is main else MODELS[2:]), usage,
                            blocks=rng.randint(1, 3), placeholder=rng.random() < 0.1,
                            text_size=rng.randint(10, 400))
            target.tool_result(tree.next_id("toolu"), rng.randint(tool_bytes // 2, tool_bytes * 2))
            if t % 37 == 5:
                target.synthetic()
            if t % 41 == 7:
                target.api_error()
        main.cost_state(round(rng.random(), 4))
        main.write()
        if agent is not None:
            agent.write()
    return tree
