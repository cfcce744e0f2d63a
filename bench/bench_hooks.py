"""Hook start-up: each hot hook as Claude Code starts it, against a bare interpreter.

    python bench/bench_hooks.py

For UserPromptSubmit and PreToolUse, hooks/run.py EVENT runs with a realistic
payload on stdin, started as `python3 SCRIPT` as hooks.json does (the real interpreter
behind `python3`, not a version-manager shim), alternating with `python3 -c pass`
(same interpreter, same environment), 40 runs each; the table
prints medians and the ratio. Target: ratio <= 1.3.

Exits 1 if a target is missed. Standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from datasets import ROOT

RUNS = 40


def real_python3() -> str:
    """The interpreter `python3` resolves to: a pyenv or asdf shim adds ~150 ms to both sides
    of the ratio and would hide a slow hook, so time the real binary."""
    found = shutil.which("python3") or sys.executable
    out = subprocess.run([found, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True)
    return out.stdout.strip() or found


PYTHON = real_python3()
PROMPT = "Add a retry with exponential backoff to the HTTP client and write tests for it"


def timed(argv: list[str], stdin: bytes, env: dict) -> tuple[float, bytes]:
    started = time.perf_counter()
    proc = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False)
    return time.perf_counter() - started, proc.stdout


def main() -> int:
    home = tempfile.mkdtemp(prefix="tec-bench-hooks-")
    env = {**os.environ, "TEC_HOME": home, "TEC_CONFIG": os.path.join(home, "config.toml")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a hook's interpreter caches bytecode like any other
    base = {"session_id": "bench", "transcript_path": os.path.join(home, "t.jsonl"), "cwd": ROOT,
            "permission_mode": "default"}
    cases = {
        "UserPromptSubmit": ("UserPromptSubmit", {**base, "hook_event_name": "UserPromptSubmit",
                                                       "prompt": PROMPT}),
        "PreToolUse (Agent)": ("PreToolUse", {**base, "hook_event_name": "PreToolUse", "tool_name": "Agent",
                                                   "tool_use_id": "toolu_1", "tool_input": {
                                                       "description": "retry", "prompt": PROMPT,
                                                       "subagent_type": "general-purpose"}}),
    }
    ok = True
    try:
        bare = [PYTHON, "-c", "pass"]
        for name, (event, payload) in cases.items():
            argv = [PYTHON, os.path.join(ROOT, "hooks", "run.py"), event]
            stdin = json.dumps(payload).encode()
            _, out = timed(argv, stdin, env)  # warm-up: bytecode, the routing and config caches
            if not out.strip():
                print(f"error: hooks/run.py {event} printed nothing for a prompt it should answer")
                return 1
            timed(bare, b"", env)
            hook_times, bare_times = [], []
            for _ in range(RUNS):
                hook_times.append(timed(argv, stdin, env)[0])
                bare_times.append(timed(bare, b"", env)[0])
            hook_s, bare_s = statistics.median(hook_times), statistics.median(bare_times)
            ratio = hook_s / bare_s
            ok &= ratio <= 1.3
            print(f"{name:<22} {hook_s * 1000:6.1f} ms  python3 -c pass {bare_s * 1000:5.1f} ms  "
                  f"{ratio:4.2f}x  target <= 1.3x  {'ok' if ratio <= 1.3 else 'MISSED'}")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
