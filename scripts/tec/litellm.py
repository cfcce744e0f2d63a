"""`tec pricing import FILE`: Claude and Gemini chat prices from LiteLLM's price file, merged
into the overlay `$TEC_HOME/prices.json` that the registry reads after its bundled table."""

from __future__ import annotations

import json
import os

from . import config, prices, registry
from .errors import InputError

_PROVIDERS = {"anthropic": "anthropic", "gemini": "google"}
_FIELDS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_creation_input_token_cost": "cache_write_5m",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "cache_read_input_token_cost": "cache_read",
}


class _Unbelievable(Exception):
    """A LiteLLM entry with a price outside the believable range (see prices.max_price)."""


def _litellm_entry(spec: dict, provider: str) -> dict | None:
    """Prices per 1M tokens from one LiteLLM entry, or None when it has no usable price;
    _Unbelievable when it has a price nobody charges (negative, infinite, absurdly high)."""
    import re

    def per_million(value: object) -> float | None:
        if value is None:
            return None
        if not prices.is_number(value) or not prices.is_price(value * 1_000_000):
            raise _Unbelievable(value)
        return round(float(value) * 1_000_000, 9)

    entry: dict = {"provider": provider}
    for field, kind in _FIELDS.items():
        value = per_million(spec.get(field))
        if value is not None:
            entry[kind] = value
    if "input" not in entry or "output" not in entry:
        return None

    tiers: dict = {}
    pattern = re.compile(r"^(.+)_above_(\d+(?:\.\d+)?)([km])_tokens$")
    for field, raw in spec.items():
        match = pattern.match(field)
        if not match or match.group(1) not in _FIELDS:
            continue
        value = per_million(raw)
        if value is None:
            continue
        scale = 1000 if match.group(3) == "k" else 1_000_000
        threshold = round(float(match.group(2)) * scale)
        tiers.setdefault(threshold, {})[_FIELDS[match.group(1)]] = value
    usable = sorted(t for t, found in tiers.items() if "input" in found)
    if usable:
        entry["long_context"] = {"threshold_tokens": usable[0], **tiers[usable[0]]}
    return entry


def import_litellm(path: str) -> dict:
    """Merge Claude and Gemini chat prices from LiteLLM's price file into the overlay.

    Returns {"added", "updated", "unchanged", "skipped", "refused", "path"}: counts of
    models new to the overlay, changed, identical, and source entries not imported (other
    providers, non-chat modes, no price, duplicates of an imported id), and the names of
    entries refused for an unbelievable price. A file with no usable Claude or Gemini chat
    price is an InputError, and the overlay is left as it was.
    """
    import time

    fix = (
        "pass LiteLLM's model_prices_and_context_window.json "
        "(github.com/BerriAI/litellm), unmodified"
    )
    src = os.path.abspath(os.path.expanduser(str(path)))
    data = registry.read_json_file(src, InputError, fix)
    if not isinstance(data, dict):
        raise InputError(
            f"{src}: the top level must be a JSON object of model name -> price fields", fix
        )

    opath = registry.overlay_path()
    reg = registry.base_registry(opath)
    overlay = registry.read_overlay(opath) or {"models": {}}
    previous = overlay["models"]

    skipped = 0
    refused: list[str] = []
    accepted: list = []  # (cleaned key, entry)
    for key, spec in data.items():
        if key == "sample_spec" or not isinstance(spec, dict):
            skipped += 1
            continue
        provider = _PROVIDERS.get(str(spec.get("litellm_provider", "")))
        if provider is None or spec.get("mode") != "chat":
            skipped += 1
            continue
        try:
            entry = _litellm_entry(spec, provider)
        except _Unbelievable:
            refused.append(str(key))
            continue
        if entry is None:
            skipped += 1
            continue
        accepted.append((registry.clean_id(key), entry))

    if not accepted:
        why = f"; {len(refused)} refused for a price outside 0 to {prices.max_price():,.0f} USD per 1M tokens" \
            if refused else ""
        raise InputError(f"{src}: no Claude or Gemini chat model with a usable price{why}; nothing imported", fix)
    in_file = {name for name, _ in accepted}
    chosen: dict = {}  # model id → (exact key match?, entry)
    for name, entry in accepted:
        mid = reg.resolve(name)
        base = registry.undated(mid)
        if base and base in in_file:
            mid = reg.resolve(base)
        exact = name == mid
        current = chosen.get(mid)
        if current is None or (exact and not current[0]):
            if current is not None:
                skipped += 1
            chosen[mid] = (exact, entry)
        else:
            skipped += 1

    models = dict(previous)
    added = updated = unchanged = 0
    for mid in sorted(chosen):
        entry = chosen[mid][1]
        prices.fill_cache_prices(entry)
        if mid not in previous:
            added += 1
        elif previous[mid] != entry:
            updated += 1
        else:
            unchanged += 1
        models[mid] = entry

    document = {
        "imported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": os.path.basename(src),
        "models": dict(sorted(models.items())),
    }
    config.write_atomic(opath, json.dumps(document, indent=2) + "\n")
    registry.clear_cache()
    return {
        "added": added,
        "updated": updated,
        "unchanged": unchanged,
        "skipped": skipped,
        "refused": refused,
        "path": opath,
    }
