"""The words every part of tec shares, defined once: tiers, token kinds, money.

Tiers come from `data/tiers.json`: their order (cheapest first), the model the
Agent tool is given for each (it accepts only Claude aliases), and the id
substrings ("families") that place a model id in a tier. Token kinds are the
ledger's and the price table's; results and reports show the public five, with
the two cache-write kinds summed.

On the hooks' hot path: standard library and `fastjson` only.
"""

from __future__ import annotations

import math

from . import bundled

TOKEN_KINDS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read", "thinking")
PRICE_KINDS = TOKEN_KINDS[:-1]  # thinking tokens bill at the output rate
PUBLIC_TOKENS = ("input", "output", "cache_write", "cache_read", "thinking")



def _tiers_data() -> dict:
    return bundled.load("tiers.json")


def tiers() -> list[str]:
    """Tier names, cheapest first."""
    return list(_tiers_data()["order"])


def rank(tier: str | None) -> int:
    """A tier's place in the order; an unknown tier ranks as the top one."""
    order = _tiers_data()["order"]
    return order.index(tier) if tier in order else len(order) - 1


def cheaper(tier: str | None) -> str | None:
    """The next tier down, or None at the bottom (or for an unknown tier)."""
    order = _tiers_data()["order"]
    return order[order.index(tier) - 1] if tier in order and order.index(tier) > 0 else None


def above(tier: str | None, top: str) -> list[str]:
    """The tiers above `tier`, up to and including `top`."""
    order = _tiers_data()["order"]
    if tier not in order or top not in order:
        return []
    return order[order.index(tier) + 1: order.index(top) + 1]


def agent_model(tier: str) -> str:
    """The Agent tool's `model` for a tier (Gemini Flash does not run inside Claude Code: haiku does)."""
    return _tiers_data()["agent_models"].get(tier, "haiku")


def tier_of(model_id: str | None, defaults: dict | None = None) -> str | None:
    """The tier of a model id: the tier whose default model it is (`defaults`: tier -> id),
    else its family (`claude-haiku-4-5` -> haiku), else None."""
    name = (model_id or "").strip().lower()
    if not name:
        return None
    for tier, target in (defaults or {}).items():
        if target == name:
            return tier
    families = _tiers_data()["families"]
    if name in families:
        return name
    for tier, needles in families.items():
        if any(needle in name for needle in needles):
            return tier
    return None


def is_agent_model(name: object) -> bool:
    """Whether `name` is a model the Agent tool accepts (one of the tiers' aliases)."""
    return name in set(_tiers_data()["agent_models"].values())


def public_tokens(counts: dict) -> dict:
    """Token counts by kind -> the five public fields (cache writes summed; missing kinds count 0)."""
    get = counts.get
    return {"input": get("input", 0) or 0, "output": get("output", 0) or 0,
            "cache_write": (get("cache_write_5m", 0) or 0) + (get("cache_write_1h", 0) or 0),
            "cache_read": get("cache_read", 0) or 0, "thinking": get("thinking", 0) or 0}


def format_usd(usd: float | None, *, cents_from: float = 1.0) -> str:
    """Cents from `cents_from` up (`$1,234.50`), 4 significant digits below (`$0.000261`);
    "unpriced" for None. Budgets, which are set in round amounts, show cents from $0.10."""
    if usd is None:
        return "unpriced"
    if usd == 0:
        return "$0"
    sign = "-" if usd < 0 else ""
    if abs(usd) >= cents_from:
        return f"{sign}${abs(usd):,.2f}"
    decimals = 3 - math.floor(math.log10(abs(usd)))
    text = f"{abs(usd):.{decimals}f}".rstrip("0").rstrip(".")  # 0.0002610 reads as more precise than it is
    return f"{sign}${text}"
