"""Hook and statusline start-up: each as Claude Code starts it, against a bare interpreter.

    python bench/bench_hooks.py
    python bench/bench_hooks.py --before REV   # also the hooks of git revision REV, in the same run

For UserPromptSubmit and PreToolUse, hooks/run.py EVENT runs with a realistic
payload on stdin, started as `python3 SCRIPT` as hooks.json does (the real interpreter
behind `python3`, not a version-manager shim), alternating with `python3 -c pass`
(same interpreter, same environment), 40 runs each; the table
prints medians and the ratio. Target: ratio <= 1.3 for the hooks; <= 2.0 for
hooks/statusline.py with a statusLine payload (run after each turn, not before it).

Exits 1 if a target is missed. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from datasets import ROOT, export_revision

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REV", help="also time the hooks of this git revision, alternating")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="tec-bench-hooks-")
    roots = {"now": ROOT}
    if args.before:
        roots[args.before] = export_revision(args.before, home)
    env = {**os.environ, "TEC_HOME": home, "TEC_CONFIG": os.path.join(home, "config.toml")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a hook's interpreter caches bytecode like any other
    base = {"session_id": "bench", "transcript_path": os.path.join(home, "t.jsonl"), "cwd": ROOT,
            "permission_mode": "default"}
    hook = os.path.join("hooks", "run.py")
    cases = {  # name: (script, arguments, payload, target ratio)
        "UserPromptSubmit": (hook, ["UserPromptSubmit"], {**base, "hook_event_name": "UserPromptSubmit",
                                                          "prompt": PROMPT}, 1.3),
        "PreToolUse (Agent)": (hook, ["PreToolUse"], {**base, "hook_event_name": "PreToolUse", "tool_name": "Agent",
                                                      "tool_use_id": "toolu_1", "tool_input": {
                                                          "description": "retry", "prompt": PROMPT,
                                                          "subagent_type": "general-purpose"}}, 1.3),
        "statusline": (os.path.join("hooks", "statusline.py"), [], {
            **base, "model": {"id": "claude-opus-5-5", "display_name": "Opus"},
            "cost": {"total_cost_usd": 0.42}}, 2.0),
    }
    ok = True
    try:
        bare = [PYTHON, "-c", "pass"]
        runs = iter(range(10**9))

        def fresh(payload: dict) -> bytes:
            # Claude Code never sends one payload twice (each prompt and tool call has its own id), and
            # the hooks skip a payload they have just seen (a second registration): so neither may the bench
            return json.dumps({**payload, "prompt_id": f"p{next(runs)}", "tool_use_id": f"toolu_{next(runs)}"}).encode()

        for name, (script, arguments, payload, target) in cases.items():
            argvs = {label: [PYTHON, os.path.join(root, script), *arguments] for label, root in roots.items()
                     if os.path.exists(os.path.join(root, script))}
            for label, argv in argvs.items():
                _, out = timed(argv, fresh(payload), env)  # warm-up: bytecode, the routing and config caches
                if not out.strip():
                    print(f"error: {script} {name} ({label}) printed nothing for a payload it should answer")
                    return 1
            timed(bare, b"", env)
            times: dict[str, list[float]] = {label: [] for label in [*argvs, "bare"]}
            for _ in range(RUNS):
                for label, argv in argvs.items():
                    times[label].append(timed(argv, fresh(payload), env)[0])
                times["bare"].append(timed(bare, b"", env)[0])
            median = {label: statistics.median(values) for label, values in times.items()}
            ratio = median["now"] / median["bare"]
            ok &= ratio <= target
            line = (f"{name:<22} {median['now'] * 1000:6.1f} ms  python3 -c pass {median['bare'] * 1000:5.1f} ms  "
                    f"{ratio:4.2f}x  target <= {target}x  {'ok' if ratio <= target else 'MISSED'}")
            if args.before in median:
                was = median[args.before]
                line += (f"  ({args.before}: {was * 1000:.1f} ms, {was / median['bare']:.2f}x; "
                         f"now/before {median['now'] / was:.2f})")
            print(line)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
