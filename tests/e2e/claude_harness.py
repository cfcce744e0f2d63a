"""Helpers of the end-to-end harness (conftest.py holds the fixtures): where the pinned CLI lives,
the clean environment a run gets, and `ClaudeRun`, what one `claude -p` run produced."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import signal
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from fake_claude_api import Recorded

CLAUDE_VERSION = "2.1.332"
REPO = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = REPO / "scripts" / "install_claude_cli.sh"
RUN_TIMEOUT_S = 120
# Copied from the test process into the CLI's clean environment besides PATH: pyenv's shims (a
# common `python3` on PATH) use them to pick the interpreter the hooks run with.
PASSTHROUGH = ("PYENV_ROOT", "PYENV_VERSION", "LANG", "LC_ALL")
# How 2.1.332 renders a UserPromptSubmit `additionalContext`: inside a `role: "system"` entry of
# `messages` (not in the top-level `system`), as "UserPromptSubmit hook additional context: <text>".
HOOK_CONTEXT = re.compile(r"UserPromptSubmit hook additional context: (.*?)(?:\n\n|$)", re.S)
TOKEN_COLUMNS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")


CONTEXT_PREFIX = "token-efficient-coding:"


def assert_ok(run) -> None:
    assert run.returncode == 0, run.explain()
    assert run.result is not None and not run.result.get("is_error"), run.explain()


def plugin_contexts(run) -> list[str]:
    return [c for c in run.hook_contexts() if c.startswith(CONTEXT_PREFIX)]


def tec_command() -> list[str]:
    """`tec` as the README's install leaves it: .venv/bin/tec, else `python -m tec` from scripts/."""
    venv_tec = REPO / ".venv" / "bin" / "tec"
    import sys

    return [str(venv_tec)] if venv_tec.exists() else [sys.executable, "-m", "tec"]


def default_claude_bin() -> Path:
    """Where scripts/install_claude_cli.sh puts the executable."""
    cache = os.environ.get("TEC_E2E_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "tec-e2e")
    return Path(cache) / f"claude-code-{CLAUDE_VERSION}" / "node_modules" / ".bin" / "claude"


def clean_env(claude_bin: Path, home: Path, tmpdir: Path, tec_home: Path, base_url: str | None = None,
              extra: dict | None = None) -> dict[str, str]:
    """The `env -i` style environment of a CLI (or `tec`) child process."""
    env = {
        # claude's directory first, so hooks and `tec install` find the pinned CLI as `claude`
        "PATH": os.pathsep.join([str(claude_bin.parent), os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(home),
        "TMPDIR": str(tmpdir),
        "TERM": "dumb",
        "ANTHROPIC_API_KEY": "sk-test",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",  # else the CLI also calls api.anthropic.com
        "TEC_HOME": str(tec_home),
        "TEC_CONFIG": str(tec_home / "config.toml"),
    }
    if base_url:
        env["ANTHROPIC_BASE_URL"] = base_url
    for name in PASSTHROUGH:
        if name in os.environ:
            env[name] = os.environ[name]
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group `proc` leads (started with start_new_session=True)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def ledger_rows(tec_home: Path) -> dict[str, dict]:
    """The ledger's claude-code entries by message id (`request` is `message.id:requestId`)."""
    path = tec_home / "ledger.sqlite3"
    if not path.exists():
        return {}
    db = sqlite3.connect(path, timeout=5)
    try:
        cursor = db.execute(f"select request, model, sidechain, {', '.join(TOKEN_COLUMNS)} from entries "
                            "where source = 'claude-code'")
        keys = [d[0] for d in cursor.description]
        rows = [dict(zip(keys, row)) for row in cursor.fetchall()]
    except sqlite3.OperationalError:  # the file exists, its tables not yet
        return {}
    finally:
        db.close()
    return {(row["request"] or "").split(":", 1)[0]: row for row in rows}


@dataclass
class ClaudeRun:
    """One `claude -p` run: the parsed result, what the fake saw during it, and the debug log."""

    result: dict | None  # the `--output-format json` result (None when stdout was not JSON)
    requests: list[Recorded]  # every request the fake recorded during this run
    debug: str  # the --debug-file text
    returncode: int | None
    stdout: str
    stderr: str
    home: Path
    cwd: Path
    duration: float
    usage_by_id: dict[str, dict] = field(default_factory=dict)  # the fake's usage by message id

    @property
    def messages(self) -> list[Recorded]:
        """The `POST /v1/messages` requests, in arrival order."""
        return [r for r in self.requests if r.is_messages]

    @property
    def first(self) -> Recorded:
        assert self.messages, f"the CLI sent no /v1/messages request\n{self.explain()}"
        return self.messages[0]

    def of_kind(self, kind: str) -> list[Recorded]:
        return [r for r in self.messages if r.kind == kind]

    @property
    def subagent(self) -> Recorded:
        found = self.of_kind("subagent")
        assert found, f"no subagent request; kinds: {[r.kind for r in self.messages]}\n{self.explain()}"
        return found[0]

    @property
    def result_text(self) -> str | None:
        return (self.result or {}).get("result")

    def hook_contexts(self, request: Recorded | None = None) -> list[str]:
        """The UserPromptSubmit `additionalContext` strings in `request`'s messages (default: the first)."""
        request = request or self.first
        found: list[str] = []
        for message in request.body.get("messages") or []:
            if not isinstance(message, dict):
                continue
            content = message.get("content")
            texts = [content] if isinstance(content, str) else [
                b.get("text", "") for b in content or [] if isinstance(b, dict)]
            for text in texts:
                found.extend(m.group(1) for m in HOOK_CONTEXT.finditer(text or ""))
        return found

    def transcripts(self) -> list[Path]:
        """Every transcript under HOME's ~/.claude/projects (main and subagents, any depth)."""
        pattern = str(self.home / ".claude" / "projects" / "**" / "*.jsonl")
        return sorted(Path(p) for p in glob.glob(pattern, recursive=True))

    def transcript_responses(self) -> dict[str, dict]:
        """Assistant responses the CLI wrote to its transcripts: message id -> model, usage,
        request_id, sidechain, path (one per id: the CLI writes one line per content block)."""
        out: dict[str, dict] = {}
        for path in self.transcripts():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                message = entry.get("message") if isinstance(entry, dict) else None
                if entry.get("type") != "assistant" or not isinstance(message, dict):
                    continue
                if message.get("model") == "<synthetic>" or entry.get("isApiErrorMessage"):
                    continue
                out.setdefault(message.get("id"), {
                    "model": message.get("model"), "usage": message.get("usage") or {},
                    "request_id": entry.get("requestId"), "sidechain": bool(entry.get("isSidechain")),
                    "path": str(path)})
        return out

    def explain(self, tail: int = 60) -> str:
        """Context for an assertion message: exit code, output, requests and the end of the debug log."""
        kinds = [(r.method, r.route, r.kind, r.model) for r in self.requests]
        debug_tail = "\n".join(self.debug.splitlines()[-tail:])
        return (f"exit {self.returncode} after {self.duration:.1f}s\nstdout: {self.stdout[-2000:]}\n"
                f"stderr: {self.stderr[-2000:]}\nrequests: {kinds}\n--- debug log (last {tail} lines)\n"
                f"{debug_tail}")
