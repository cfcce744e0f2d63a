"""`make demo`: the main job end to end on bundled examples, in a throwaway TEC_HOME.

1. route the bundled example tasks;
2. show what the hooks add or set for a few Claude Code payloads;
3. ingest the bundled transcript tree (examples/claude) and print the cost report with savings;
4. with GEMINI_API_KEY or GOOGLE_API_KEY set, make one real trivial edit on Gemini Flash
   (a diff only, on a temporary file); without a key, say what was skipped.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile

from .. import bundled, cli
from ..claude import hooks

BUNDLE = bundled.PLUGIN_ROOT
EXAMPLES = os.path.join(BUNDLE, "examples", "claude")
SHOP = "5f0c2a1e-7d3b-4c8e-9a61-2b4f8d0e1c37"  # an opus session whose one subagent ran on haiku
SHOP_AGENT = "a1b2c3d4e5f60718"
SHOP_TRANSCRIPT = os.path.join(EXAMPLES, "projects", "-home-dev-shop", f"{SHOP}.jsonl")
PAYLOADS = [
    ("UserPromptSubmit", {"prompt": "Fix the typo in README.md: 'recieve' should be 'receive'"}),
    ("UserPromptSubmit", {"prompt": "Add a retry with exponential backoff to the HTTP client and test it"}),
    ("UserPromptSubmit", {"prompt": "thanks, that's all for now"}),
    ("PreToolUse", {"tool_name": "Agent", "tool_use_id": "toolu_demo1", "tool_input": {
        "description": "Rename helper", "prompt": "Rename the helper fmt_date to format_date in utils.py",
        "subagent_type": "general-purpose"}}),
    ("PreToolUse", {"tool_name": "Agent", "tool_use_id": "toolu_demo2", "tool_input": {
        "description": "Plan the migration", "prompt": "Design the architecture for moving billing, auth and "
        "the data layer to event-driven services with zero downtime and a rollback plan"}}),
]


def section(title: str) -> None:
    sys.stdout.write(f"\n== {title}\n\n")
    sys.stdout.flush()


def show_hooks() -> None:
    # a session whose main model is opus, as its transcript records it
    session = {"session_id": "demo", "cwd": BUNDLE, "transcript_path": SHOP_TRANSCRIPT}
    for event, payload in PAYLOADS:
        out = io.StringIO()
        hooks.main(event, BUNDLE, stdin=io.StringIO(json.dumps({**payload, **session})), stdout=out)
        shown = payload.get("prompt") or payload["tool_input"]["prompt"]
        sys.stdout.write(f"{event}: {shown[:70]}{'…' if len(shown) > 70 else ''}\n")
        if not out.getvalue():
            sys.stdout.write("  -> (silent)\n")
            continue
        result = json.loads(out.getvalue())["hookSpecificOutput"]
        if "updatedInput" in result:
            sys.stdout.write(f"  -> model set to \"{result['updatedInput']['model']}\" "
                             f"({result['permissionDecisionReason']})\n")
        if "additionalContext" in result:
            sys.stdout.write(f"  -> context: {result['additionalContext']}\n")


def show_costs() -> None:
    # what the subagent hooks recorded when the shop session delegated its tests: savings count
    # only what routing moved (this subagent), against the session's main model
    call = {"session_id": SHOP, "transcript_path": SHOP_TRANSCRIPT, "tool_name": "Agent", "tool_use_id": "toolu_shop",
            "tool_input": {"description": "Tests", "prompt": "Write unit tests for apply_discount() in "
                           "checkout/discounts.py", "subagent_type": "general-purpose"}}
    hooks.on_subagent(call)
    hooks.on_subagent_done({**call, "tool_response": {"agentId": SHOP_AGENT, "resolvedModel": "claude-haiku-5-5"}})
    cli.main(["costs", "ingest", "--claude-dir", EXAMPLES])
    sys.stdout.write("\n")
    cli.main(["costs", "--no-ingest", "--by", "session"])
    sys.stdout.write("\n")
    cli.main(["costs", "--no-ingest", "--by", "tier"])


def real_edit() -> None:
    if not (os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")):
        sys.stdout.write("skipped: set GEMINI_API_KEY (or GOOGLE_API_KEY) to make one real trivial edit on "
                         "Gemini Flash; it costs well under a cent.\n")
        return
    from ..run.edit import edit_file

    project = tempfile.mkdtemp(prefix="tec-demo-project-")
    target = os.path.join(project, "greet.py")
    with open(target, "w", encoding="utf-8") as fh:
        fh.write('def greet(name):\n    return "Helo, " + name\n')
    result = edit_file(target, "fix the typo 'Helo' -> 'Hello'", root=project).to_dict()
    sys.stdout.write(result["diff"] or f"no change: {result['error']}\n")
    for attempt in result["attempts"]:
        sys.stdout.write(f"{attempt['model_id']}: {attempt['tokens']['input']} in + {attempt['tokens']['output']} "
                         f"out tokens, ${attempt['cost'] or 0:.6f}\n")
    shutil.rmtree(project, ignore_errors=True)


def main() -> int:
    home = tempfile.mkdtemp(prefix="tec-demo-")
    os.environ["TEC_HOME"] = home
    os.environ["TEC_CONFIG"] = os.path.join(home, "config.toml")
    os.environ.pop("TEC_LEDGER", None)
    try:
        section("1. Routing: the bundled example tasks")
        cli.main(["route", "--examples"])
        section("2. Hooks: what they add to a prompt or set on a subagent")
        show_hooks()
        section("3. Costs: the bundled Claude Code transcripts, priced, with savings")
        show_costs()
        section("4. A real trivial edit on Gemini Flash")
        real_edit()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
