"""A ledger entry: one priced model call, and the `Pricer` that prices many of them.

Prices are applied when an entry is made, and the price table's date is stored with
it, so `Ledger.recost()` can price history again after a price update. The savings
of an entry are the same tokens on the baseline model minus what they cost, and only
calls that routing moved have a baseline other than their own model (`BASELINES`):
Claude Code's main thread, and subagents the hook did not route, saved nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields

from .. import config, prices, registry
from ..errors import InputError
from ..vocabulary import TOKEN_KINDS, public_tokens

ENTRY_VERSION = 1  # the exported entry's keys ("v")
STATUSES = ("ok", "error")
PROMPT_HASH_CHARS = 16
DEFAULT_BASELINE = "session"  # the session's main model when known, else the top tier
BASELINES = {  # entries.baseline_from -> how the baseline was found
    "own model": "a main-thread call, or a subagent the hook did not route: its own model (nothing saved)",
    "routed": "a subagent the hook routed: the session's main model (negative when it went up)",
    "session": "tec's own call in a session: that session's main model",
    "top tier": "tec's own call outside a session: the top tier",
    "config": "[ledger] baseline",
    "given": "the baseline named for the call (or by `tec costs recost --baseline`)",
}

@dataclass
class Entry:
    """One priced model call: a row of the ledger's `entries` table (its fields, in order, are
    `COLUMNS`). `to_dict()` is the documented JSON of `tec costs export`."""

    ts: int | None = None  # milliseconds since the epoch, UTC
    source: str | None = None
    session: str | None = None
    project: str | None = None
    model: str | None = None
    tier: str | None = None
    input: int = 0  # token counts: vocabulary.TOKEN_KINDS
    output: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    thinking: int = 0
    cost: float | None = None  # USD; None when unpriced
    prices: str | None = None  # date of the price table used
    baseline_model: str | None = None
    baseline_cost: float | None = None
    savings: float | None = None
    status: str | None = None
    prompt_hash: str | None = None
    prompt: str | None = None
    request: str | None = None  # message.id:requestId for Claude Code responses
    message_id: str | None = None
    sidechain: int = 0
    agent_id: str | None = None  # the subagent that made the call (Claude Code's agentId)
    baseline_from: str | None = None  # how the baseline was found: BASELINE_SOURCES

    @classmethod
    def from_row(cls, row: tuple) -> Entry:
        """An entry from a row in `COLUMNS` order (a `Pricer.row` or a database row)."""
        return cls(**dict(zip(COLUMNS, row)))

    def row(self) -> tuple:
        return tuple(getattr(self, name) for name in COLUMNS)

    @property
    def tokens(self) -> dict:
        return {kind: getattr(self, kind) or 0 for kind in TOKEN_KINDS}

    def to_dict(self) -> dict:
        tokens = self.tokens
        public = public_tokens(tokens)
        out = {
            "v": ENTRY_VERSION,
            "time": iso_time(self.ts),
            "source": self.source,
            "session": self.session,
            "project": self.project,
            "model": self.model,
            "tier": self.tier,
            "tokens": {"input": public["input"], "output": public["output"], "cache_write": public["cache_write"],
                       "cache_write_5m": tokens["cache_write_5m"], "cache_write_1h": tokens["cache_write_1h"],
                       "cache_read": public["cache_read"], "thinking": public["thinking"]},
            "cost": self.cost,
            "prices": self.prices,
            "baseline_model": self.baseline_model,
            "baseline_cost": self.baseline_cost,
            "savings": self.savings,
            "baseline_from": self.baseline_from,
            "status": self.status,
            "prompt_hash": self.prompt_hash,
            "request": self.request,
        }
        if self.prompt is not None:
            out["prompt"] = self.prompt
        return out


COLUMNS = tuple(f.name for f in fields(Entry))


def iso_time(ms: int) -> str:
    seconds, millis = divmod(int(ms), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def prompt_hash(text: str | None) -> str | None:
    if text is None:
        return None
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:PROMPT_HASH_CHARS]


def make_entry(
    source: str,
    model: str,
    tokens: dict,
    *,
    ts: int | None = None,
    session: str | None = None,
    project: str | None = None,
    tier: str | None = None,
    status: str = "ok",
    prompt: str | None = None,
    prompt_digest: str | None = None,
    baseline: str | None = None,
    request: str | None = None,
    message_id: str | None = None,
    sidechain: bool = False,
    reg=None,
    settings: dict | None = None,
) -> Entry:
    """An entry priced now with the current price table.

    `tokens` uses the registry's kinds (input, output, cache_write_5m,
    cache_write_1h, cache_read, thinking). The prompt is hashed; its text is kept
    only when the user opted in. `baseline` (a tier or model id) overrides the
    configured counterfactual model for this entry.
    """
    if not isinstance(source, str) or not source:
        raise InputError("a ledger entry needs a source such as 'execute'")
    if not isinstance(model, str) or not model.strip():
        raise InputError("a ledger entry needs a model id")
    if status not in STATUSES:
        raise InputError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    counts = {kind: int(value) for kind, value in prices.token_counts(tokens).items()}
    row = Pricer(reg, settings).row(
        source, model, counts, ts=now_ms() if ts is None else int(ts), session=session, project=project,
        tier=tier, status=status, prompt=prompt, prompt_digest=prompt_digest, baseline=baseline,
        request=request, message_id=message_id, sidechain=sidechain)
    return Entry.from_row(row)


def _usd(value: float | None) -> float | None:
    """Rounded to a billionth of a dollar: exact enough, and free of float noise in exports."""
    return None if value is None else round(value, 9)


class Pricer:
    """Prices entries with one registry; each model is looked up once, so ingesting
    thousands of responses costs a dict lookup per response, not a registry search."""

    def __init__(self, reg=None, settings: dict | None = None, main_model=None) -> None:
        """`main_model(session)`: the session's main model, if known (default: what SessionStart recorded)."""
        self.reg = reg or registry.load_registry()
        self._price_counts = prices.price_counts
        self.settings = settings or config.settings("ledger")
        setting = self.settings["baseline"]
        self.per_session = setting == "session"
        self.baseline = self.reg.resolve(self.reg.top_tier() if self.per_session else setting)
        self._main_model = main_model or config.read_session_model
        self._models: dict[str, tuple] = {}
        self._sessions: dict[str, str | None] = {}

    def model(self, name: str) -> tuple:
        """(stored id, tier, price entry or None) for a model name as given."""
        found = self._models.get(name)
        if found is None:
            reg = self.reg
            stripped = name.strip()
            key = stripped.lower()
            # tier names and aliases become ids; ids are kept as reported (dated ids stay dated)
            stored = reg.resolve(stripped) if key in reg.tiers or key in reg.aliases else stripped
            found = self._models[name] = (stored, reg.tier_of(stored), reg.rates(stored))
        return found

    def session_model(self, session: str) -> str | None:
        """The session's main model, resolved, or None when it is not known."""
        if session not in self._sessions:
            found = self._main_model(session)
            self._sessions[session] = self.reg.resolve(found) if found else None
        return self._sessions[session]

    def baseline_for(self, source: str, model: str, session: str | None, given: str | None) -> tuple[str, str]:
        """(baseline model, how it was found: a key of BASELINES) for a call on `model`."""
        if given:
            return self.reg.resolve(given), "given"
        if not self.per_session:
            return self.baseline, "config"
        if source == "claude-code":  # routed subagents are settled later (savings.settle_routed)
            return model, "own model"
        main = self.session_model(session) if session else None
        return (main, "session") if main else (self.baseline, "top tier")

    def costs(self, rates: dict | None, baseline_model: str, counts: dict) -> tuple:
        """(cost, baseline cost, savings) in USD; None where a model is unpriced."""
        price_counts = self._price_counts
        base_rates = self.model(baseline_model)[2]
        cost = _usd(price_counts(rates, counts)) if rates is not None else None
        base = _usd(price_counts(base_rates, counts)) if base_rates is not None else None
        savings = _usd(base - cost) if cost is not None and base is not None else None
        return cost, base, savings

    def row(self, source: str, model: str, counts: dict, *, ts: int, session=None, project=None, tier=None,
            status: str = "ok", prompt=None, prompt_digest=None, baseline=None, request=None, message_id=None,
            sidechain: bool = False, agent_id: str | None = None) -> tuple:
        """A ledger row (in `COLUMNS` order) from checked counts: every kind an int >= 0."""
        stored, model_tier, rates = self.model(model)
        baseline_model, found = self.baseline_for(source, stored, session, baseline)
        cost, base, savings = self.costs(rates, baseline_model, counts)
        return (ts, source, session, project, stored, tier or model_tier,
                *(counts[kind] for kind in TOKEN_KINDS),
                cost, self.reg.date, baseline_model, base, savings, status,
                prompt_digest or prompt_hash(prompt), prompt if self.settings["store_prompts"] else None,
                request, message_id, int(bool(sidechain)), agent_id, found)
