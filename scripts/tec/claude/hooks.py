"""Claude Code hook handlers: payload dict in, output dict (or None) out.

The entry script hooks/run.py calls `main(event)`, which reads the payload from
stdin, runs the event's handler from `HOOKS` and prints at most one JSON object.
Everything fails open: any error means exit 0 with no output, plus one line in
`$TEC_HOME/hook-errors.log`.

The prompt and subagent handlers run on every prompt and every Agent call, so they
import only the standard library, `fastjson`, `config`, `vocabulary` and `routing`
(no `json`, `re`, `sqlite3` or SDKs). They record what they decided by appending
one line to a spool (`state.spool`); the Stop handler, which opens the ledger
anyway, folds that spool in after ingesting the turn's transcript lines.
"""

from __future__ import annotations

import os
import sys
import time

from .. import bundled, config, fastjson, vocabulary
from . import caps, state

PREFIX = "token-efficient-coding: "
MAX_CONTEXT = 200
BUILTIN_AGENTS = ("", "general-purpose")  # custom agents keep the model their definition sets
INGEST_SECONDS = 0.2  # a detached turn-end ingest; the rest waits for the next turn
ANSWER_INGEST_SECONDS = 1.0  # a turn-end hook that must answer (spend cap, turn cost) waits this long at most
DETACHED_ENV = "TEC_HOOK_DETACHED"  # set in the process a turn-end hook hands its work to


def settings() -> dict:
    """`[hooks]`, where a bad value is its default: hooks never fail on config."""
    return config.settings("hooks", lenient=True)


def tier_defaults() -> dict:
    """tier -> default model id: the price table's, with `[tiers]` of the config over it. (The
    registry resolves these fully but is too heavy for a hook; this plain form is cached.)"""
    override = config.section("tiers")

    def build() -> dict:
        with open(bundled.path("prices.json"), encoding="utf-8") as fh:
            found = dict(fastjson.loads(fh.read())["tiers"])
        found.update((str(k).strip().lower(), v.strip().lower()) for k, v in override.items() if isinstance(v, str))
        return found

    return config.cached("tiers", [bundled.path("prices.json")], repr(override), build)


def main_tier(payload: dict) -> str | None:
    """The tier of the session's main model (see `state.main_model`), None when it is not known."""
    model = state.main_model(payload)
    return vocabulary.tier_of(model, tier_defaults()) if model else None


# --------------------------------------------------------------------------- handlers


def on_prompt(payload: dict, plugin_root: str | None = None) -> dict | None:
    """UserPromptSubmit: a short fact when the prompt is a cheaper tier's job, a trivial edit,
    or a budget is near its limit; nothing for chit-chat, commands and agent notifications."""
    from ..routing import scoring

    conf = settings()
    prompt = payload.get("prompt")
    if not isinstance(prompt, str) or conf["quiet"] == "silent":
        return None
    text = prompt.strip()
    typed = bool(text) and not text.startswith(("<", "/", "!"))  # not a command or an agent notification
    session = payload.get("session_id")
    local = text.startswith(("/", "!"))  # a command Claude Code runs itself: no model reads context for it
    if not local:  # local commands stay usable, to raise the budget for one
        reason = caps.blocked(session)
        if reason:
            return {"decision": "block", "reason": caps.PREFIX + reason}
    facts: list[list[str]] = []  # most important first; each fact's wordings longest first
    warning = None if local else caps.warning(session)
    if warning:
        facts.append([f"{warning}."])
    result = None
    if conf["prompt_context"] and conf["quiet"] == "normal" and typed:
        cwd = payload.get("cwd") if isinstance(payload.get("cwd"), str) else None
        result = scoring.score(text, cwd=cwd)
        main = main_tier(payload) or vocabulary.tiers()[-1]  # unknown: Claude Code's default, the top tier
        if not result.no_signal:
            if vocabulary.rank(result.tier) == 0 and result.nature == "trivial-edit" and state.can_call("google"):
                facts.append([f'trivial edit ({result.score:.1f}/10): {_edit_command(plugin_root)} PATH '
                              '"INSTRUCTION" makes it on Gemini Flash and shows the diff.',
                              f"trivial edit ({result.score:.1f}/10): the skill's edit.py makes it on Gemini Flash."])
            elif vocabulary.rank(result.tier) < vocabulary.rank(main):
                model = vocabulary.agent_model(result.tier)
                facts.append([f'this task scores {result.score:.1f}/10 ({result.tier}); a subagent with model '
                              f'"{model}" fits it, cheaper than {main}.',
                              f'{result.tier} task ({result.score:.1f}/10): a "{model}" subagent fits.'])
    if typed:
        caps.remember_prompt(session, result.tier if result and not result.no_signal else None,
                             result.score if result else None)
    out = {"hookEventName": "UserPromptSubmit"}
    context = fit(PREFIX, facts, MAX_CONTEXT)
    if context:
        out["additionalContext"] = context
    if conf["session_title"] and typed:
        title = state.first_title(payload.get("session_id"), text)
        if title:
            out["sessionTitle"] = title
    return {"hookSpecificOutput": out} if len(out) > 1 else None


def fit(prefix: str, facts: list[list[str]], limit: int) -> str | None:
    """`prefix` and the facts, in order, each in the longest of its wordings that still fits
    `limit`; a fact with no wording that fits is left out, never cut."""
    text = prefix
    for wordings in facts:
        room = limit - len(text) - (len(text) > len(prefix))
        chosen = next((w for w in wordings if len(w) <= room), None)
        if chosen:
            text += (" " if len(text) > len(prefix) else "") + chosen
    return text if len(text) > len(prefix) else None


def _edit_command(plugin_root: str | None) -> str:
    """`tec edit` when `tec` is on PATH, else the edit script's path (quoted when it needs it)."""
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder and os.access(os.path.join(folder, "tec"), os.X_OK):
            return "tec edit"
    path = os.path.join(plugin_root, "scripts", "edit.py") if plugin_root else "edit.py"
    return path if all(c.isalnum() or c in "/._-+:@%" for c in path) else "'" + path.replace("'", "'\\''") + "'"


def on_subagent(payload: dict) -> dict | None:
    """PreToolUse on Agent|Task: recommend (advise), set a missing model (enforce), or also lower
    an explicit model two tiers or more above the recommendation (strict).

    A model above the session's main model is never set unless `[hooks] allow_upgrade` says so:
    the subagent would cost more than leaving it to inherit. When the main model is not known,
    only the cheapest model may be set, since anything else might be an upgrade."""
    from ..routing import scoring

    if payload.get("tool_name") not in ("Agent", "Task"):
        return None
    tool_input = payload.get("tool_input")
    if not isinstance(tool_input, dict) or not isinstance(tool_input.get("prompt"), str):
        return None
    prompt = tool_input["prompt"].strip()
    if not prompt:
        return None
    conf = settings()
    cwd = payload.get("cwd") if isinstance(payload.get("cwd"), str) else None
    result = scoring.score(prompt, cwd=cwd)
    model = vocabulary.agent_model(result.tier)
    if conf["mode"] == "strict" and caps.downgrade(payload.get("session_id")):
        model = vocabulary.agent_model(vocabulary.cheaper(model) or model)
    explicit = tool_input.get("model")
    agent_type = tool_input.get("subagent_type") or ""
    main = main_tier(payload)
    above = vocabulary.rank(model) > vocabulary.rank(main) if main else vocabulary.rank(model) > _cheapest_rank()
    action, output, why = "kept", None, None
    reason = f"{PREFIX}score {result.score:.1f}/10 -> {model}"
    if conf["mode"] == "advise":
        if explicit != model:
            action = "advised"
            context = f'{PREFIX}this subagent task scores {result.score:.1f}/10; model "{model}" fits it.'
            output = {"hookEventName": "PreToolUse", "additionalContext": context}
    elif explicit is None and agent_type in BUILTIN_AGENTS:
        if above and not conf["allow_upgrade"]:
            why = "the main model is cheaper" if main else "the main model is not known"
        else:
            action = "raised" if above else "set"
            output = _rewrite(tool_input, model, reason)
    elif (conf["mode"] == "strict" and vocabulary.is_agent_model(explicit)
          and vocabulary.rank(explicit) - vocabulary.rank(model) >= 2):
        action = "lowered"
        output = _rewrite(tool_input, model, f"{reason} (was {explicit})")
    state.spool({"event": "pre", "ts": _now_ms(), "session": payload.get("session_id"),
                 "tool_use_id": payload.get("tool_use_id"), "mode": conf["mode"], "score": result.score,
                 "recommended": result.tier, "model": model, "explicit": explicit, "action": action,
                 "main": main, "why": why})
    return {"hookSpecificOutput": output} if output else None


def _cheapest_rank() -> int:
    return min(vocabulary.rank(vocabulary.agent_model(tier)) for tier in vocabulary.tiers())


def _rewrite(tool_input: dict, model: str, reason: str) -> dict:
    # updatedInput replaces the whole input: every original field, plus the model
    return {"hookEventName": "PreToolUse", "permissionDecision": "allow", "permissionDecisionReason": reason,
            "updatedInput": {**tool_input, "model": model}}


def on_subagent_done(payload: dict) -> None:
    """PostToolUse on Agent|Task: record which model the subagent really ran on."""
    if payload.get("tool_name") not in ("Agent", "Task"):
        return None
    response = payload.get("tool_response")
    def field(name: str) -> str | None:
        value = response.get(name) if isinstance(response, dict) else None
        return value if isinstance(value, str) else None

    state.spool({"event": "post", "ts": _now_ms(), "session": payload.get("session_id"),
                 "tool_use_id": payload.get("tool_use_id"), "resolved_model": field("resolvedModel"),
                 "agent_id": field("agentId")})
    return None


def on_session_start(payload: dict) -> None:
    """SessionStart: remember the session's main model, the baseline its savings are measured against."""
    model = payload.get("model")
    if isinstance(model, dict):  # some versions send {"id": ..., "display_name": ...}
        model = model.get("id")
    if isinstance(model, str) and model.strip():
        state.remember_session_model(payload.get("session_id"), model.strip())
    return None


def on_stop(payload: dict) -> dict | None:
    """Stop and SubagentStop: ingest the session's new transcript lines (bounded in time), fold
    the routing spool into the ledger, check the budgets and write the status files (`caps`).
    Stop answers when a `refuse` budget is over (the turn stops), a budget crossed a threshold,
    or `[hooks] turn_cost` is on; otherwise it runs detached (see `detach`)."""
    from ..costs import ingest, savings, transcripts
    from ..costs.store import Ledger

    files = []
    for key in ("transcript_path", "agent_transcript_path"):
        path = payload.get(key)
        if isinstance(path, str) and path.endswith(".jsonl"):
            files.extend(f for f in transcripts.session_files(path) if f not in files)
    answering = os.environ.get(DETACHED_ENV) != "1"
    with Ledger() as book:  # a first run creates the schema: the deadline starts after it
        if files:
            wait = ANSWER_INGEST_SECONDS if answering else INGEST_SECONDS
            ingest.ingest(files, book, deadline=time.monotonic() + wait)
        savings.refresh(book)
        output = caps.after_turn(book, payload.get("session_id"), settings())
    return output if answering else None


def on_subagent_stop(payload: dict) -> None:
    """SubagentStop: the same bookkeeping as Stop; only the main turn's end answers."""
    on_stop(payload)


class Hook:
    """One event's handler and what it needs: `detached` work may run in a process of its own
    (the turn never waits for it; its work is idempotent, so a second registration costs only
    time), and does when `detach_now()` says so; `plugin_root` handlers are told where the plugin
    is. The others run once per payload."""

    __slots__ = ("detach_now", "detached", "handler", "plugin_root")

    def __init__(self, handler, *, detached: bool = False, plugin_root: bool = False, detach_now=None) -> None:
        self.handler = handler
        self.detached = detached
        self.detach_now = detach_now or (lambda: detached)
        self.plugin_root = plugin_root

    @property
    def once_per_payload(self) -> bool:
        return not self.detached


HOOKS = {
    "UserPromptSubmit": Hook(on_prompt, plugin_root=True),
    "PreToolUse": Hook(on_subagent),
    "PostToolUse": Hook(on_subagent_done),
    "SessionStart": Hook(on_session_start),
    "Stop": Hook(on_stop, detached=True, detach_now=lambda: not caps.needs_answer(settings())),
    "SubagentStop": Hook(on_subagent_stop, detached=True),
}


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


# --------------------------------------------------------------------------- entry point


def detach(event: str, payload: dict, plugin_root: str) -> None:
    """Hand the turn-end work to a process of its own and return at once: the turn never
    waits for it, and `claude -p` exiting does not cancel it (as it cancels async hooks)."""
    import subprocess

    fields = {k: payload.get(k) for k in ("session_id", "transcript_path", "agent_transcript_path")}
    proc = subprocess.Popen(
        [sys.executable, os.path.join(plugin_root, "hooks", "run.py"), event], stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, DETACHED_ENV: "1"})
    proc.stdin.write(fastjson.dumps(fields).encode("utf-8"))  # small: three fields, far below a pipe's buffer
    proc.stdin.close()


def main(event: str, plugin_root: str | None = None, stdin=None, stdout=None, background: bool = False) -> int:
    """Run one hook: always returns 0; prints one JSON object or nothing. With `background`
    (the entry script's default), detached events run in a process of their own."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    config.use_defaults_for_bad_config()  # a hook never fails on config
    try:
        raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        payload = fastjson.loads(text) if text.strip() else {}
        hook = HOOKS.get(event)
        if hook is None or not isinstance(payload, dict):
            return 0
        if hook.once_per_payload and not state.first_run(event, text.encode("utf-8")):
            return 0  # the same hook, registered twice, is running on this payload already
        if background and hook.detached and plugin_root and os.environ.get(DETACHED_ENV) != "1" \
                and hook.detach_now():
            detach(event, payload, plugin_root)
            return 0
        output = hook.handler(payload, plugin_root) if hook.plugin_root else hook.handler(payload)
        if output:
            stdout.write(fastjson.dumps(output) + "\n")
            stdout.flush()
    except Exception as exc:
        state.log_error(event, exc)
    for problem in config.ignored:  # the defaults were used instead: say why, once per run
        state.log_error(event, problem)
    config.ignored.clear()
    return 0
