"""Claude Code hook handlers: payload dict in, output dict (or None) out.

The entry scripts in hooks/ call `main(event)`, which reads the payload from stdin,
runs the handler and prints at most one JSON object. Everything fails open: any
error means exit 0 with no output, plus one line in `$TEC_HOME/hook-errors.log`.

The prompt and subagent handlers run on every prompt and every Agent call, so they
import only the standard library, `fastjson`, `config` and `scoring` (no `json`,
`re`, `sqlite3` or SDKs). They record what they decided by appending one line to
`$TEC_HOME/routing.jsonl`; the Stop handler, which imports the ledger anyway, folds
that spool into the ledger after ingesting the turn's transcript lines.
"""

from __future__ import annotations

import os
import sys
import time

from . import config, fastjson

PREFIX = "token-efficient-coding: "
MAX_CONTEXT = 200
ALIASES = ("haiku", "sonnet", "opus")  # the only models the Agent tool accepts (plus fable)
BUILTIN_AGENTS = ("", "general-purpose")  # custom agents keep the model their definition sets
DEFAULTS = {"mode": "enforce", "prompt_context": True, "quiet": "normal", "session_title": False}
MODES = ("advise", "enforce", "strict")
QUIET = ("normal", "budget-only", "silent")
INGEST_SECONDS = 0.2
SPOOL = "routing.jsonl"
BUDGET_STATUS = "budget-status.json"
ERROR_LOG = "hook-errors.log"
DETACHED_ENV = "TEC_HOOK_DETACHED"  # set in the process a turn-end hook hands its work to
DEFAULT_MAIN_MODEL = "claude-opus-5-5"  # Claude Code's default main model when SessionStart says none


def settings() -> dict:
    """`[hooks]` over DEFAULTS; a bad value falls back to its default (hooks never fail on config)."""
    raw = config.section("hooks")
    out = dict(DEFAULTS)
    for key, value in raw.items():
        if key in DEFAULTS and type(value) is type(DEFAULTS[key]):
            out[key] = value
    if out["mode"] not in MODES:
        out["mode"] = DEFAULTS["mode"]
    if out["quiet"] not in QUIET:
        out["quiet"] = DEFAULTS["quiet"]
    return out


# --------------------------------------------------------------------------- tiers


_families: dict | None = None


def tier_of(model_id: str) -> str | None:
    """A model id's tier by family (opus, sonnet, haiku, gemini-flash), from prices.json."""
    global _families
    if _families is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "prices.json")
        with open(path, encoding="utf-8") as fh:
            _families = fastjson.loads(fh.read()).get("families", {})
    name = (model_id or "").lower()
    if name in _families:
        return name
    for tier, needles in _families.items():
        if any(needle in name for needle in needles):
            return tier
    return None


def alias(tier: str) -> str:
    """The Agent tool's name for a tier: Gemini Flash does not run inside Claude Code, haiku does."""
    return tier if tier in ALIASES else "haiku"


def _rank(tier: str | None, tiers: list[str]) -> int:
    return tiers.index(tier) if tier in tiers else len(tiers) - 1


# --------------------------------------------------------------------------- handlers


def on_prompt(payload: dict, plugin_root: str | None = None) -> dict | None:
    """UserPromptSubmit: a short fact when the prompt is a cheaper tier's job, a trivial edit,
    or a budget is near its limit; nothing for chit-chat, commands and agent notifications."""
    from . import scoring

    conf = settings()
    prompt = payload.get("prompt")
    if not isinstance(prompt, str) or conf["quiet"] == "silent":
        return None
    text = prompt.strip()
    typed = bool(text) and not text.startswith(("<", "/", "!"))  # not a command or an agent notification
    facts = []
    if conf["prompt_context"] and conf["quiet"] == "normal" and typed:
        cwd = payload.get("cwd") if isinstance(payload.get("cwd"), str) else None
        result = scoring.score(text, cwd=cwd)
        tiers = scoring.load_rules().tiers
        main_tier = tier_of(session_main_model(payload.get("session_id"))) or tiers[-1]
        if not result.no_signal:
            if result.tier == tiers[0] and result.nature == "trivial-edit":
                tool = os.path.join(plugin_root, "scripts", "edit.py") if plugin_root else "edit.py"
                facts.append(f'trivial edit (score {result.score:.1f}/10): {tool} PATH "INSTRUCTION" makes it '
                             "on Gemini Flash and shows the diff.")
            elif _rank(result.tier, tiers) < _rank(main_tier, tiers):
                facts.append(f"this task scores {result.score:.1f}/10 ({result.tier} tier); a subagent with "
                             f'model "{alias(result.tier)}" fits it, cheaper than {main_tier}.')
    warning = budget_warning()
    if warning:
        facts.append(warning)
    out = {"hookEventName": "UserPromptSubmit"}
    if facts:
        context = PREFIX + " ".join(facts)
        out["additionalContext"] = context if len(context) <= MAX_CONTEXT else context[: MAX_CONTEXT - 1] + "…"
    if conf["session_title"] and typed:
        title = _first_title(payload.get("session_id"), text)
        if title:
            out["sessionTitle"] = title
    return {"hookSpecificOutput": out} if len(out) > 1 else None


def _first_title(session: object, text: str) -> str | None:
    """A title from the session's first prompt (its first line, cut at 60 characters), once."""
    path = config.session_model_path(session) if isinstance(session, str) else None
    if path is None or os.path.exists(path + ".title"):
        return None
    title = text.splitlines()[0][:60].strip()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".title", "w", encoding="utf-8") as fh:
        fh.write(title)
    return title or None


def on_subagent(payload: dict) -> dict | None:
    """PreToolUse on Agent|Task: recommend (advise), set a missing model (enforce), or also lower
    an explicit model two tiers or more above the recommendation (strict)."""
    from . import scoring

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
    model = alias(result.tier)
    if conf["mode"] == "strict" and budget_over_with_downgrade():
        model = ALIASES[max(ALIASES.index(model) - 1, 0)]
    explicit = tool_input.get("model")
    agent_type = tool_input.get("subagent_type") or ""
    action, output = "kept", None
    reason = f"{PREFIX}score {result.score:.1f}/10 -> {model}"
    if conf["mode"] == "advise":
        if explicit != model:
            action = "advised"
            context = f'{PREFIX}this subagent task scores {result.score:.1f}/10; model "{model}" fits it.'
            output = {"hookEventName": "PreToolUse", "additionalContext": context}
    elif explicit is None and agent_type in BUILTIN_AGENTS:
        action = "set"
        output = _rewrite(tool_input, model, reason)
    elif (conf["mode"] == "strict" and explicit in ALIASES
          and ALIASES.index(explicit) - ALIASES.index(model) >= 2):
        action = "lowered"
        output = _rewrite(tool_input, model, f"{reason} (was {explicit})")
    spool({"event": "pre", "ts": _now_ms(), "session": payload.get("session_id"),
           "tool_use_id": payload.get("tool_use_id"), "mode": conf["mode"], "score": result.score,
           "recommended": result.tier, "model": model, "explicit": explicit, "action": action})
    return {"hookSpecificOutput": output} if output else None


def _rewrite(tool_input: dict, model: str, reason: str) -> dict:
    # updatedInput replaces the whole input: every original field, plus the model
    return {"hookEventName": "PreToolUse", "permissionDecision": "allow", "permissionDecisionReason": reason,
            "updatedInput": {**tool_input, "model": model}}


def on_subagent_done(payload: dict) -> None:
    """PostToolUse on Agent|Task: record which model the subagent really ran on."""
    if payload.get("tool_name") not in ("Agent", "Task"):
        return None
    response = payload.get("tool_response")
    resolved = response.get("resolvedModel") if isinstance(response, dict) else None
    spool({"event": "post", "ts": _now_ms(), "session": payload.get("session_id"),
           "tool_use_id": payload.get("tool_use_id"), "resolved_model": resolved if isinstance(resolved, str)
           else None})
    return None


def on_session_start(payload: dict) -> None:
    """SessionStart: remember the session's main model, the baseline its savings are measured against."""
    model = payload.get("model")
    if isinstance(model, dict):  # some versions send {"id": ..., "display_name": ...}
        model = model.get("id")
    session = payload.get("session_id")
    path = config.session_model_path(session) if isinstance(session, str) else None
    if isinstance(model, str) and model.strip() and path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(model.strip())
    return None


def on_stop(payload: dict) -> None:
    """Stop and SubagentStop (in a detached process, see `detach`): ingest the session's new
    transcript lines (bounded in time), fold the routing spool into the ledger, and refresh
    the budget status file."""
    from . import budgets, ledger, transcripts

    deadline = time.monotonic() + INGEST_SECONDS
    files = []
    for key in ("transcript_path", "agent_transcript_path"):
        path = payload.get(key)
        if isinstance(path, str) and path.endswith(".jsonl"):
            files.extend(f for f in transcripts.session_files(path) if f not in files)
    with ledger.Ledger() as book:
        if files:
            transcripts.ingest(files, book, deadline=deadline)
        fold_spool(book)
        write_budget_status(budgets.status(book, session=payload.get("session_id")))
    return None


HANDLERS = {
    "UserPromptSubmit": on_prompt,
    "PreToolUse": on_subagent,
    "PostToolUse": on_subagent_done,
    "SessionStart": on_session_start,
    "Stop": on_stop,
    "SubagentStop": on_stop,
}


# --------------------------------------------------------------------------- state files


def session_main_model(session: object) -> str:
    found = config.read_session_model(session) if isinstance(session, str) else None
    return found or DEFAULT_MAIN_MODEL


def spool(record: dict) -> None:
    """Append one JSON line with a single write (O_APPEND keeps concurrent lines whole)."""
    path = os.path.join(config.tec_home(), SPOOL)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (fastjson.dumps(record) + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def fold_spool(book) -> int:
    """Move spool lines written since the last fold into the ledger's routing table."""
    path = os.path.join(config.tec_home(), SPOOL)
    try:
        with open(path, "rb") as fh, book.transaction() as db:
            row = db.execute("select offset from spools where path = ?", (path,)).fetchone()
            offset = row[0] if row else 0
            if os.fstat(fh.fileno()).st_size < offset:
                offset = 0  # the spool was replaced
            fh.seek(offset)
            data = fh.read()
            end = data.rfind(b"\n") + 1
            rows = [_routing_row(line) for line in data[:end].splitlines()]
            db.executemany("insert into routing(ts, session, tool_use_id, event, mode, score, recommended, "
                           "model, explicit, action, resolved_model) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [r for r in rows if r])
            db.execute("insert or replace into spools(path, offset) values (?, ?)", (path, offset + end))
    except FileNotFoundError:
        return 0
    return len(rows)


def _routing_row(line: bytes) -> tuple | None:
    try:
        r = fastjson.loads(line.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(r, dict):
        return None
    return (r.get("ts"), r.get("session"), r.get("tool_use_id"), r.get("event"), r.get("mode"), r.get("score"),
            r.get("recommended"), r.get("model"), r.get("explicit"), r.get("action"), r.get("resolved_model"))


def write_budget_status(states: list) -> None:
    """What the prompt hook says about budgets, precomputed so it needs no database."""
    warn = next((s for s in states if s.level == "over"), None) or next(
        (s for s in states if s.level == "warn"), None)
    status = {"warning": warn.describe() if warn else None, "over": any(s.level == "over" for s in states)}
    from .budgets import settings as budget_settings

    status["downgrade"] = status["over"] and budget_settings()["action"] == "downgrade"
    config.write_atomic(os.path.join(config.tec_home(), BUDGET_STATUS), fastjson.dumps(status))


def _budget_status() -> dict:
    try:
        with open(os.path.join(config.tec_home(), BUDGET_STATUS), encoding="utf-8") as fh:
            status = fastjson.loads(fh.read())
    except (OSError, ValueError):
        return {}
    return status if isinstance(status, dict) else {}


def budget_warning() -> str | None:
    warning = _budget_status().get("warning")
    return f"{warning}." if isinstance(warning, str) and warning else None


def budget_over_with_downgrade() -> bool:
    return _budget_status().get("downgrade") is True


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


# --------------------------------------------------------------------------- entry point


def log_error(event: str, exc: BaseException) -> None:
    """One line in `$TEC_HOME/hook-errors.log`; silent when even that cannot be written."""
    try:
        from .clients import scrub

        message = scrub(f"{type(exc).__name__}: {exc}".replace("\n", " "))[:300]
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {event} {message}\n"
        path = os.path.join(config.tec_home(), ERROR_LOG)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
    except Exception:  # the log is best effort: a hook must never fail
        pass


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
    (the entry script's default), the turn-end events run in a detached process."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        payload = fastjson.loads(text) if text.strip() else {}
        if not isinstance(payload, dict):
            return 0
        handler = HANDLERS.get(event)
        if handler is None:
            return 0
        if background and handler is on_stop and plugin_root and os.environ.get(DETACHED_ENV) != "1":
            detach(event, payload, plugin_root)
            return 0
        output = handler(payload, plugin_root) if handler is on_prompt else handler(payload)
        if output:
            stdout.write(fastjson.dumps(output) + "\n")
            stdout.flush()
    except Exception as exc:
        log_error(event, exc)
    return 0
