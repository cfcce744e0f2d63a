"""One model's price entry: what it may hold, how a partial one is completed, and what token counts cost at it.

Prices are USD per 1M tokens. Entries come from the bundled table, the LiteLLM overlay and the
user config; each is checked here the same way, so a typo or an absurd number fails with the
file and key that hold it.
"""

from __future__ import annotations

import math

from .errors import ConfigError, InputError
from .vocabulary import PRICE_KINDS, TOKEN_KINDS

STATUSES = ("current", "legacy", "deprecated", "retired", "unknown")
MODEL_KEYS = (*PRICE_KINDS, "provider", "long_context", "tokenizer_factor", "status", "note")
LONG_CONTEXT_KEYS = ("threshold_tokens", *PRICE_KINDS)
CACHE_KINDS = ("cache_write_5m", "cache_write_1h", "cache_read")

# Cache-price multipliers of the input rate, used only when a price source omits them.
_CACHE_MULTIPLIERS = {
    "anthropic": (1.25, 2.0, 0.1),  # write 5m, write 1h, read
    "google": (1.0, 1.0, 0.1),  # Gemini: no cache-write premium
}


def require_complete(entry: dict, where: str, fix: str) -> None:
    missing = [k for k in ("input", "output") if k not in entry]
    if missing:
        raise ConfigError(
            f"{where}: a model the registry does not know yet needs {' and '.join(missing)}",
            fix,
        )


def complete(entry: dict, mid: str) -> None:
    """Complete an entry in place: provider, cache prices, long-context prices, status."""
    entry["provider"] = entry.get("provider") or guess_provider(mid)
    fill_cache_prices(entry)
    if "tokenizer_factor" not in entry:
        entry["tokenizer_factor"] = guess_tokenizer_factor(mid)
    if "status" not in entry:
        entry["status"] = "unknown"


def guess_provider(mid: str) -> str:
    if mid.startswith("claude"):
        return "anthropic"
    if mid.startswith("gemini"):
        return "google"
    return "other"


def guess_tokenizer_factor(mid: str) -> float:
    """1.3 for Claude 4.7 and later (new tokenizer), else 1.0."""
    if not mid.startswith("claude-"):
        return 1.0
    nums: list = []
    for part in mid[len("claude-") :].split("-"):
        if part.isdigit() and len(part) <= 2:
            nums.append(int(part))
        elif nums:
            break
    if not nums:
        return 1.0
    version = (nums[0], nums[1] if len(nums) > 1 else 0)
    return 1.3 if version >= (4, 7) else 1.0


def is_number(value: object) -> bool:
    """A finite int or float (bools are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def max_price() -> float:
    """The highest believable price per 1M tokens (`limits` in data/prices.json)."""
    from . import bundled

    return float(bundled.load("prices.json")["limits"]["max_usd_per_million"])


def is_price(value: object) -> bool:
    return is_number(value) and 0 <= value <= max_price()


def check_price(value: object, where: str, key: str, fix: str) -> float:
    if not is_price(value):
        raise ConfigError(
            f"{where}: {key} = {value!r} is not a price: it must be a number from 0 to "
            f"{max_price():,.0f} (USD per 1M tokens)", fix
        )
    return float(value)


def check_entry(raw: object, where: str, fix: str) -> dict:
    """A model entry with its types checked; numbers become floats."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table of price fields, not {raw!r}", fix)
    entry: dict = {}
    for key, value in raw.items():
        if key in PRICE_KINDS:
            entry[key] = check_price(value, where, key, fix)
        elif key == "tokenizer_factor":
            if not is_number(value) or value <= 0:
                raise ConfigError(
                    f"{where}: tokenizer_factor = {value!r} must be a number > 0", fix
                )
            entry[key] = float(value)
        elif key in ("provider", "note"):
            if not isinstance(value, str):
                raise ConfigError(f"{where}: {key} = {value!r} must be a string", fix)
            entry[key] = value
        elif key == "status":
            if value not in STATUSES:
                raise ConfigError(
                    f"{where}: status = {value!r} is not a status",
                    f"use one of: {', '.join(STATUSES)}",
                )
            entry[key] = value
        elif key == "long_context":
            entry[key] = check_long_context(value, where, fix)
        else:
            raise ConfigError(
                f"{where}: unknown key {key!r}", f"use one of: {', '.join(MODEL_KEYS)}"
            )
    return entry


def check_long_context(raw: object, where: str, fix: str) -> dict:
    where = f"{where}.long_context"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table, not {raw!r}", fix)
    out: dict = {}
    for key, value in raw.items():
        if key == "threshold_tokens":
            if not is_number(value) or value <= 0 or int(value) != value:
                raise ConfigError(
                    f"{where}: threshold_tokens = {value!r} must be a whole number > 0", fix
                )
            out[key] = int(value)
        elif key in PRICE_KINDS:
            out[key] = check_price(value, where, key, fix)
        else:
            raise ConfigError(
                f"{where}: unknown key {key!r}", f"use one of: {', '.join(LONG_CONTEXT_KEYS)}"
            )
    return out


def fill_cache_prices(entry: dict) -> None:
    """Cache prices left out, from the provider's documented multipliers of the input price;
    long-context ones scale the base cache prices by the long-context input ratio."""
    mults = _CACHE_MULTIPLIERS.get(entry["provider"], (1.0, 1.0, 1.0))
    for kind, mult in zip(CACHE_KINDS, mults, strict=True):
        if kind not in entry:
            entry[kind] = round(entry["input"] * mult, 9)
    lc = entry.get("long_context")
    if lc is not None:
        lc.setdefault("output", entry["output"])
        ratio = lc["input"] / entry["input"] if entry["input"] else 1.0
        for kind in CACHE_KINDS:
            if kind not in lc:
                lc[kind] = round(entry[kind] * ratio, 9)


def copy_entry(entry: dict) -> dict:
    out = dict(entry)
    if "long_context" in out:
        out["long_context"] = dict(out["long_context"])
    return out


def price_counts(entry: dict, n: dict) -> float:
    """USD for checked token counts (every kind present, ints >= 0) at a model's price entry."""
    rates = entry
    lc = entry.get("long_context")
    if lc is not None:
        prompt = n["input"] + n["cache_read"] + n["cache_write_5m"] + n["cache_write_1h"]
        if prompt > lc["threshold_tokens"]:
            rates = lc
    total = (
        n["input"] * rates["input"]
        + (n["output"] + n["thinking"]) * rates["output"]
        + n["cache_write_5m"] * rates["cache_write_5m"]
        + n["cache_write_1h"] * rates["cache_write_1h"]
        + n["cache_read"] * rates["cache_read"]
    )
    return total / 1_000_000


def token_counts(tokens: dict | None) -> dict:
    counts = dict.fromkeys(TOKEN_KINDS, 0)
    if tokens is None:
        return counts
    if not isinstance(tokens, dict):
        raise InputError(f"token counts must be a dict, not {type(tokens).__name__}")
    for key, value in tokens.items():
        if key not in counts:
            raise InputError(f"unknown token kind {key!r}", f"use one of: {', '.join(TOKEN_KINDS)}")
        if value is None:
            continue
        if not is_number(value) or value < 0:
            raise InputError(f"token count {key} = {value!r} must be a number >= 0")
        counts[key] = value
    return counts
