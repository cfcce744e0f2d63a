"""A ledger entry: one priced model call, and the `Pricer` that prices many of them.

Prices are applied when an entry is made, and the price table's date is stored with
it, so `Ledger.recost()` can price history again after a price update. The savings
of an entry are the same tokens on the baseline model minus what they cost.
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

    def __init__(self, reg=None, settings: dict | None = None) -> None:
        self.reg = reg or registry.load_registry()
        self._price_counts = prices.price_counts
        self.settings = settings or config.settings("ledger")
        setting = self.settings["baseline"]
        self.per_session = setting == "session"
        self.baseline = self.reg.resolve(self.reg.top_tier() if self.per_session else setting)
        self._models: dict[str, tuple] = {}
        self._sessions: dict[str, str] = {}

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

    def session_model(self, session: str) -> str:
        """The main model SessionStart recorded for `session`, else the fallback baseline."""
        found = self._sessions.get(session)
        if found is None:
            found = config.read_session_model(session) or self.baseline
            self._sessions[session] = found = self.reg.resolve(found)
        return found

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
            sidechain: bool = False) -> tuple:
        """A ledger row (in `COLUMNS` order) from checked counts: every kind an int >= 0."""
        stored, model_tier, rates = self.model(model)
        if baseline:
            baseline_model = self.reg.resolve(baseline)
        elif self.per_session and session:
            baseline_model = self.session_model(session)
        else:
            baseline_model = self.baseline
        cost, base, savings = self.costs(rates, baseline_model, counts)
        return (ts, source, session, project, stored, tier or model_tier,
                *(counts[kind] for kind in TOKEN_KINDS),
                cost, self.reg.date, baseline_model, base, savings, status,
                prompt_digest or prompt_hash(prompt), prompt if self.settings["store_prompts"] else None,
                request, message_id, int(bool(sidechain)))
