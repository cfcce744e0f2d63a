"""Model registry: tier names → model ids, prices per million tokens.

Three layers, later ones winning field by field:

1. the bundled, dated table `tec/data/prices.json`;
2. the imported overlay `$TEC_HOME/prices.json`, written by `litellm.import_litellm`
   (`tec pricing import FILE`);
3. the user config: `[tiers]` (tier → model id) and `[prices."model-id"]`
   (partial price fields that change a model or add one).

A model the registry does not know is *unpriced*: `cost()` returns None, never 0.0,
so reports can say "unpriced" instead of silently showing a free model.

It imports only `json` and `os` at import time; anything else is imported inside
the function that needs it.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass

from . import bundled, config, prices, vocabulary
from .errors import ConfigError, InputError

BUNDLED_PATH = bundled.path("prices.json")
OVERLAY_FIX = "run `tec pricing import FILE` again, or delete the file"

_bundled: dict | None = None
_cache: dict[tuple, Registry] = {}


def overlay_path() -> str:
    """Where `tec pricing import` keeps imported prices: `$TEC_HOME/prices.json`."""
    return os.path.join(config.tec_home(), "prices.json")


# --------------------------------------------------------------------------- registry


@dataclass
class Registry:
    """Effective prices and tiers. Treat it as read-only: it is shared per process.

    `sources` says which layer last set each model's prices: bundled, imported or config."""

    date: str
    tiers: dict
    aliases: dict
    models: dict
    sources: dict
    overlay: str | None = None
    imported_at: str | None = None
    chars_per_token: float = 3.5

    # -- names

    def resolve(self, name: str) -> str:
        """A tier name, alias or model id → the canonical model id.

        Provider prefixes (`anthropic/`, `gemini/`, `models/`) and a context suffix
        such as `[1m]` are dropped; a dated snapshot (`-YYYYMMDD` or `@YYYYMMDD`)
        maps to its base id when the base is known. Unknown ids come back cleaned
        (stripped, lowercased) but otherwise unchanged.
        """
        s = clean_id(name)
        if s in self.tiers:
            return self.tiers[s]
        target = self.aliases.get(s)
        if target is not None:
            return self.tiers.get(target, target)
        if s in self.models:
            return s
        base = undated(s)
        if base and (base in self.models or base in self.aliases):
            return self.resolve(base)
        return s

    def top_tier(self) -> str:
        """The most capable tier (the last in the order)."""
        return list(self.tiers)[-1]

    def model_for_tier(self, tier: str) -> str:
        key = clean_id(tier)
        if key not in self.tiers:
            valid = ", ".join(sorted(self.tiers))
            raise InputError(f"unknown tier {tier!r}", f"use one of: {valid}")
        return self.tiers[key]

    # -- prices

    def price(self, model: str) -> dict | None:
        """The model's prices per 1M tokens (a copy), or None when it is unpriced."""
        entry = self.models.get(self.resolve(model))
        if entry is None:
            return None
        return prices.copy_entry(entry)

    def is_priced(self, model: str) -> bool:
        return self.resolve(model) in self.models

    def tokenizer_factor(self, model: str) -> float:
        """Token count for the same text relative to Haiku 4.5's tokenizer (1.0 when unknown)."""
        entry = self.models.get(self.resolve(model))
        return float(entry.get("tokenizer_factor", 1.0)) if entry else 1.0

    def cost(self, model: str, tokens: dict) -> float | None:
        """USD for one request's token counts, or None when the model is unpriced.

        `tokens` keys: input, output, cache_write_5m, cache_write_1h, cache_read and
        thinking (billed as output); missing keys and None count as 0. When the prompt
        (input + cache reads + cache writes) is above the model's long-context
        threshold, the long-context rates apply to every token, output included.
        """
        entry = self.rates(model)
        return None if entry is None else prices.price_counts(entry, prices.token_counts(tokens))

    def rates(self, model: str) -> dict | None:
        """The model's own price entry (not a copy: do not change it), or None when unpriced."""
        return self.models.get(self.resolve(model))

    def cost_or_warn(self, model: str, tokens: dict, warnings: list) -> float | None:
        """`cost()`, appending one warning line to `warnings` when the model is unpriced.

        The same warning is not appended twice, so a caller can cost many records
        into one list.
        """
        value = self.cost(model, tokens)
        if value is None:
            message = (
                f"model {self.resolve(model) or model!r} is unpriced; add it to [prices] in "
                f"{config.config_path()} or run `tec pricing import FILE`"
            )
            if message not in warnings:
                warnings.append(message)
        return value

    # -- output

    def source(self, model: str) -> str | None:
        """Which layer last set the model's prices: bundled, imported or config."""
        return self.sources.get(self.resolve(model))

    def tier_of(self, model: str) -> str | None:
        """The tier a model belongs to (see `vocabulary.tier_of`)."""
        return vocabulary.tier_of(self.resolve(model), self.tiers)

    def estimate_tokens(self, text: str, model: str) -> int:
        """Tokens `text` will take on `model`, estimated before a call (never less than the truth
        by much: the basis rate is a conservative one)."""
        return math.ceil(len(text) / self.chars_per_token * self.tokenizer_factor(model))

    def tiers_of(self, model: str) -> list:
        """Tier names whose default is this model."""
        mid = self.resolve(model)
        return [tier for tier, target in self.tiers.items() if target == mid]

    def to_dict(self) -> dict:
        """The documented JSON of `tec pricing --json`."""
        models = {}
        for mid, entry in self.models.items():
            item = prices.copy_entry(entry)
            item["source"] = self.sources.get(mid, "bundled")
            models[mid] = item
        return {
            "date": self.date,
            "tiers": dict(self.tiers),
            "aliases": dict(self.aliases),
            "models": models,
            "overlay": self.overlay,
            "imported_at": self.imported_at,
        }


# --------------------------------------------------------------------------- loading


def load_registry() -> Registry:
    """Bundled prices, then the imported overlay, then the user config; cached per process."""
    opath = overlay_path()
    cpath = config.config_path()
    key = (opath, _stamp(opath), cpath, _stamp(cpath))
    reg = _cache.get(key)
    if reg is None:
        reg = _build(opath, cpath)
        _cache.clear()
        _cache[key] = reg
    return reg


def _stamp(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _load_bundled() -> dict:
    global _bundled
    if _bundled is None:
        data = read_json_file(BUNDLED_PATH, ConfigError, "reinstall the package")
        fix = "fix the bundled table or reinstall the package"
        if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
            raise ConfigError(f'{BUNDLED_PATH}: needs a "models" object', fix)
        models = {}
        for mid, raw in data["models"].items():
            where = f'{BUNDLED_PATH}: models."{mid}"'
            entry = prices.check_entry(raw, where, fix)
            prices.require_complete(entry, where, fix)
            models[clean_id(mid)] = entry
        tiers = _check_names(data.get("tiers", {}), f"{BUNDLED_PATH}: tiers", fix)
        if list(tiers) != vocabulary.tiers():
            raise ConfigError(f"{BUNDLED_PATH}: tiers must name a model for each of {', '.join(vocabulary.tiers())}, "
                              "in that order (data/tiers.json)", fix)
        aliases = _check_names(data.get("aliases", {}), f"{BUNDLED_PATH}: aliases", fix)
        chars = data.get("tokenizer", {}).get("chars_per_token")
        if not prices.is_number(chars) or chars <= 0:
            raise ConfigError(f"{BUNDLED_PATH}: tokenizer.chars_per_token must be a number > 0", fix)
        _bundled = {
            "chars_per_token": float(chars),
            "date": str(data.get("date", "")),
            "tiers": tiers,
            "aliases": aliases,
            "models": models,
        }
    return _bundled


def bundled_registry() -> Registry:
    """The bundled table alone (no overlay, no user config): what generated docs quote."""
    reg = base_registry(None)
    for mid, entry in reg.models.items():
        prices.complete(entry, mid)
    return reg


def base_registry(opath: str | None) -> Registry:
    """The bundled table plus the imported overlay at `opath` (if any), without the user config."""
    base = _load_bundled()
    models = {mid: prices.copy_entry(entry) for mid, entry in base["models"].items()}
    sources = dict.fromkeys(models, "bundled")
    reg = Registry(base["date"], dict(base["tiers"]), dict(base["aliases"]), models, sources,
                   chars_per_token=base["chars_per_token"])
    overlay = read_overlay(opath) if opath else None
    if overlay is not None:
        reg.overlay = opath
        reg.imported_at = overlay.get("imported_at")
        for mid, raw in overlay["models"].items():
            where = f'{opath}: models."{mid}"'
            entry = prices.check_entry(raw, where, OVERLAY_FIX)
            _merge_model(reg, reg.resolve(mid), entry, "imported", where, OVERLAY_FIX)
    return reg


def _build(opath: str, cpath: str) -> Registry:
    reg = base_registry(opath)

    for mid, raw in config.section("prices").items():
        where = f'{cpath}: [prices."{mid}"]'
        fix = f"edit [prices] in {cpath}: prices are USD per 1M tokens"
        entry = prices.check_entry(raw, where, fix)
        _merge_model(reg, reg.resolve(str(mid)), entry, "config", where, fix)

    tiers = config.section("tiers")
    for tier, target in tiers.items():
        if not isinstance(tier, str) or not tier.strip():
            raise ConfigError(
                f"{cpath}: [tiers] key {tier!r} is not a tier name",
                'use names like haiku = "claude-haiku-5-5"',
            )
        if not isinstance(target, str) or not target.strip():
            raise ConfigError(
                f"{cpath}: [tiers] {tier} = {target!r} must be a model id string",
                f'e.g. {tier} = "claude-haiku-5-5"',
            )
        reg.tiers[clean_id(tier)] = reg.resolve(target)

    for mid, entry in reg.models.items():
        prices.complete(entry, mid)
    return reg


def _merge_model(reg: Registry, mid: str, entry: dict, source: str, where: str, fix: str) -> None:
    old = reg.models.get(mid)
    merged = entry if old is None else config.deep_merge(old, entry)
    if old is None:
        prices.require_complete(merged, where, fix)
    lc = merged.get("long_context")
    if lc is not None and ("threshold_tokens" not in lc or "input" not in lc):
        raise ConfigError(f"{where}: long_context needs threshold_tokens and input", fix)
    reg.models[mid] = merged
    reg.sources[mid] = source


# --------------------------------------------------------------------------- validation


def _check_names(raw: object, where: str, fix: str) -> dict:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be an object of name → model id", fix)
    out = {}
    for name, target in raw.items():
        if not isinstance(target, str) or not target.strip():
            raise ConfigError(f"{where}.{name} = {target!r} must be a model id string", fix)
        out[clean_id(name)] = clean_id(target)
    return out


# --------------------------------------------------------------------------- names


def clean_id(name: object) -> str:
    """Lowercase, strip, drop a provider prefix (`gemini/`, `models/`) and a `[1m]` suffix."""
    if name is None:
        return ""
    s = str(name).strip().lower()
    if s.endswith("]") and "[" in s:
        s = s[: s.rindex("[")]
    if "/" in s:
        s = s.rsplit("/", 1)[1]
    return s.strip()


def undated(s: str) -> str | None:
    """`claude-haiku-4-5-20251001` → `claude-haiku-4-5`; None when there is no date suffix."""
    if len(s) > 9 and s[-9] in "-@" and s[-8:].isdigit() and s[-8:-6] in ("19", "20"):
        return s[:-9]
    return None


# --------------------------------------------------------------------------- files


def read_json_file(path: str, error: type, fix: str) -> object:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise error(f"{path}: no such file", fix) from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a JSON file", fix) from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}", fix) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise error(f"{path}: not valid JSON: {exc}", fix) from None


def read_overlay(path: str) -> dict | None:
    if not os.path.exists(path):
        return None
    data = read_json_file(path, ConfigError, OVERLAY_FIX)
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise ConfigError(f'{path}: an imported price file needs a "models" object', OVERLAY_FIX)
    return data


def clear_cache() -> None:
    """Forget the registry built for this process (after the overlay was rewritten)."""
    _cache.clear()
