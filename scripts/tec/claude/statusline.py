"""`tec statusline`: one short line for Claude Code's status bar, and its entry in settings.json.

Claude Code runs the command after each turn with a JSON payload on stdin (session id, model,
`cost.total_cost_usd`, ...). The line says what the session cost, today's spend against the
daily budget, what routing saved in this session, and, when the last prompt fits a cheaper
model than the session's, that model: the one nudge that can move the main session, which no
hook can switch. It reads only the status files the hooks keep (`claude.caps`): no database.

    $0.42 session · today $3.10/$5.00 · saved $0.21 · next: sonnet fits
"""

from __future__ import annotations

import os
import time

from .. import config, vocabulary
from . import caps, hooks, state

SCRIPT = os.path.join("hooks", "statusline.py")  # inside the plugin root
SEPARATOR = " · "


def render(payload: dict, now: float | None = None) -> str:
    """The status line for one payload (empty when there is nothing worth saying)."""
    now = time.time() if now is None else now
    session = payload.get("session_id")
    mine = state.read_json(config.session_file(session, caps.SESSION_STATUS))
    parts = []
    cost = _number((payload.get("cost") or {}).get("total_cost_usd") if isinstance(payload.get("cost"), dict)
                   else None)
    cost = cost if cost is not None else _number(mine.get("cost"))
    if cost is not None:
        parts.append(f"{caps.format_usd(cost)} session")
    today = _today(state.read_json(config.home_path(caps.STATUS)), now)
    if today:
        parts.append(today)
    saved = _number(mine.get("saved"))
    if saved:
        parts.append(f"saved {caps.format_usd(saved)}" if saved > 0 else f"routing cost {caps.format_usd(-saved)}")
    hint = _hint(payload, session)
    if hint:
        parts.append(hint)
    if caps.blocked(session, now):
        parts.append("budget reached")
    return SEPARATOR.join(parts)


def _today(shared: dict, now: float) -> str | None:
    """Today's spend, against the daily budget when there is one; nothing from an earlier day."""
    now_ms = int(now * 1000)
    for record in shared.get("budgets") or ():
        if isinstance(record, dict) and record.get("period") == "daily":
            until = record.get("until")
            spent = _number(record.get("spent")) if isinstance(until, (int, float)) and now_ms < until else 0.0
            limit = _number(record.get("limit"))
            if spent is not None and limit:
                return f"today {caps.format_usd(spent)}/{caps.format_usd(limit)}"
    spent = _number(shared.get("today"))
    written = shared.get("ts")
    if spent and isinstance(written, (int, float)) and time.localtime(written / 1000)[:3] == time.localtime(now)[:3]:
        return f"today {caps.format_usd(spent)}"
    return None


def _hint(payload: dict, session: object) -> str | None:
    """"next: X fits" when the last prompt's tier runs on a cheaper Claude model than the session's."""
    tier = state.read_json(config.session_file(session, caps.PROMPT)).get("tier")
    model = payload.get("model")
    main = model.get("id") if isinstance(model, dict) else None
    main_tier = vocabulary.tier_of(main, hooks.tier_defaults()) if isinstance(main, str) else None
    if tier not in vocabulary.tiers() or main_tier is None:
        return None
    fits = vocabulary.agent_model(tier)  # Gemini Flash cannot be the main model: its Claude stand-in
    return f"next: {fits} fits" if vocabulary.rank(fits) < vocabulary.rank(main_tier) else None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def main(stdin, stdout) -> int:
    """Read the payload, print the line. Never fails: a bad payload prints nothing."""
    config.use_defaults_for_bad_config()  # like a hook: a bad config means the defaults, never an error
    try:
        from .. import fastjson

        payload = fastjson.loads(stdin.read() or "{}")
        line = render(payload if isinstance(payload, dict) else {})
    except Exception as exc:  # a status bar must not show a traceback
        state.log_error("statusline", exc)
        line = ""
    stdout.write(line + "\n" if line else "")
    return 0


# --------------------------------------------------------------------------- the settings entry


def entry(root: str) -> dict:
    """The `statusLine` value that runs this checkout's command."""
    return {"type": "command", "command": f'python3 "{os.path.join(root, SCRIPT)}"', "padding": 0}


def is_ours(value: object, root: str) -> bool:
    return isinstance(value, dict) and os.path.join(root, SCRIPT) in str(value.get("command", ""))


def with_ours(settings: dict, root: str, replace: bool) -> tuple[dict, object]:
    """`settings` with our statusLine, and the value it replaces (None when there was none).
    Someone else's statusLine is replaced only with `replace`."""
    from ..errors import TecError

    previous = settings.get("statusLine")
    if is_ours(previous, root):
        return settings, None
    if previous is not None and not replace:
        command = previous.get("command") if isinstance(previous, dict) else previous
        raise TecError(f"settings.json already has a statusLine ({command!s:.80}): left as it is",
                       "add --replace to use ours instead (tec uninstall puts yours back)")
    return {**settings, "statusLine": entry(root)}, previous


def without_ours(settings: dict, root: str, previous: object) -> dict:
    """`settings` with our statusLine gone: the one it replaced back, or no key."""
    if not is_ours(settings.get("statusLine"), root):
        return settings
    out = dict(settings)
    if previous is None:
        out.pop("statusLine")
    else:
        out["statusLine"] = previous
    return out
