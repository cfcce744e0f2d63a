"""Model registry: tier names → model ids, prices per million tokens, LiteLLM import.

Three layers, later ones winning field by field:

1. the bundled, dated table `tec/data/prices.json`;
2. the imported overlay `$TEC_HOME/prices.json`, written by `import_litellm`
   (`tec pricing import FILE`);
3. the user config: `[tiers]` (tier → model id) and `[prices."model-id"]`
   (partial price fields that change a model or add one).

A model the registry does not know is *unpriced*: `cost()` returns None, never 0.0,
so reports can say "unpriced" instead of silently showing a free model.

This module sits on the hooks' hot path: it imports only `json` and `os` at import
time; anything else is imported inside the function that needs it.
"""

from __future__ import annotations

import json
import math
import os

from . import config
from .errors import ConfigError, InputError

PRICE_KINDS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
TOKEN_KINDS = (*PRICE_KINDS, "thinking")  # thinking tokens bill at the output rate
STATUSES = ("current", "legacy", "deprecated", "retired", "unknown")
MODEL_KEYS = (*PRICE_KINDS, "provider", "long_context", "tokenizer_factor", "status", "note")
LONG_CONTEXT_KEYS = ("threshold_tokens", *PRICE_KINDS)
CACHE_KINDS = ("cache_write_5m", "cache_write_1h", "cache_read")

# Cache-price multipliers of the input rate, used only when a price source omits them.
_CACHE_MULTIPLIERS = {
    "anthropic": (1.25, 2.0, 0.1),  # write 5m, write 1h, read
    "google": (1.0, 1.0, 0.1),  # Gemini: no cache-write premium
}
_LITELLM_PROVIDERS = {"anthropic": "anthropic", "gemini": "google"}
_LITELLM_FIELDS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_creation_input_token_cost": "cache_write_5m",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "cache_read_input_token_cost": "cache_read",
}

BUNDLED_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "prices.json")
_OVERLAY_FIX = "run `tec pricing import FILE` again, or delete the file"

_bundled: dict | None = None
_cache: dict[tuple, Registry] = {}


def overlay_path() -> str:
    """Where `import_litellm` keeps imported prices: `$TEC_HOME/prices.json`."""
    return os.path.join(config.tec_home(), "prices.json")


# --------------------------------------------------------------------------- registry


class Registry:
    """Effective prices and tiers. Treat it as read-only: it is shared per process."""

    __slots__ = ("_sources", "aliases", "date", "families", "imported_at", "models", "overlay", "tiers")

    def __init__(
        self,
        date: str,
        tiers: dict,
        aliases: dict,
        models: dict,
        sources: dict,
        overlay: str | None = None,
        imported_at: str | None = None,
        families: dict | None = None,
    ) -> None:
        self.date = date
        self.families = families or {}
        self.tiers = tiers
        self.aliases = aliases
        self.models = models
        self._sources = sources
        self.overlay = overlay
        self.imported_at = imported_at

    # -- names

    def resolve(self, name: str) -> str:
        """A tier name, alias or model id → the canonical model id.

        Provider prefixes (`anthropic/`, `gemini/`, `models/`) and a context suffix
        such as `[1m]` are dropped; a dated snapshot (`-YYYYMMDD` or `@YYYYMMDD`)
        maps to its base id when the base is known. Unknown ids come back cleaned
        (stripped, lowercased) but otherwise unchanged.
        """
        s = _clean(name)
        if s in self.tiers:
            return self.tiers[s]
        target = self.aliases.get(s)
        if target is not None:
            return self.tiers.get(target, target)
        if s in self.models:
            return s
        base = _undated(s)
        if base and (base in self.models or base in self.aliases):
            return self.resolve(base)
        return s

    def model_for_tier(self, tier: str) -> str:
        key = _clean(tier)
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
        out = dict(entry)
        if "long_context" in out:
            out["long_context"] = dict(out["long_context"])
        return out

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
        return None if entry is None else price_counts(entry, token_counts(tokens))

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
        return self._sources.get(self.resolve(model))

    def tier_of(self, model: str) -> str | None:
        """The tier a model belongs to: the tier whose default it is, else its family
        (`claude-haiku-4-5` → haiku), else None."""
        mid = self.resolve(model)
        for tier, target in self.tiers.items():
            if target == mid:
                return tier
        for tier, needles in self.families.items():
            if any(needle in mid for needle in needles):
                return tier
        return None

    def tiers_of(self, model: str) -> list:
        """Tier names whose default is this model."""
        mid = self.resolve(model)
        return [tier for tier, target in self.tiers.items() if target == mid]

    def to_dict(self) -> dict:
        """The documented JSON of `tec pricing --json`."""
        models = {}
        for mid, entry in self.models.items():
            item = dict(entry)
            if "long_context" in item:
                item["long_context"] = dict(item["long_context"])
            item["source"] = self._sources.get(mid, "bundled")
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
        data = _read_json_file(BUNDLED_PATH, ConfigError, "reinstall the package")
        fix = "fix the bundled table or reinstall the package"
        if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
            raise ConfigError(f'{BUNDLED_PATH}: needs a "models" object', fix)
        models = {}
        for mid, raw in data["models"].items():
            where = f'{BUNDLED_PATH}: models."{mid}"'
            entry = _check_entry(raw, where, fix)
            _require_complete(entry, where, fix)
            models[_clean(mid)] = entry
        tiers = _check_names(data.get("tiers", {}), f"{BUNDLED_PATH}: tiers", fix)
        aliases = _check_names(data.get("aliases", {}), f"{BUNDLED_PATH}: aliases", fix)
        families = data.get("families", {})
        if not isinstance(families, dict) or not all(
            isinstance(v, list) and all(isinstance(n, str) and n for n in v) for v in families.values()
        ):
            raise ConfigError(f"{BUNDLED_PATH}: families must map a tier to a list of id substrings", fix)
        _bundled = {
            "families": families,
            "date": str(data.get("date", "")),
            "tiers": tiers,
            "aliases": aliases,
            "models": models,
        }
    return _bundled


def bundled_registry() -> Registry:
    """The bundled table alone (no overlay, no user config): what generated docs quote."""
    reg = _base_registry(None)
    for mid, entry in reg.models.items():
        _fill_defaults(entry, mid)
    return reg


def _base_registry(opath: str | None) -> Registry:
    """The bundled table plus the imported overlay at `opath` (if any), without the user config."""
    base = _load_bundled()
    models = {mid: _copy_entry(entry) for mid, entry in base["models"].items()}
    sources = dict.fromkeys(models, "bundled")
    reg = Registry(base["date"], dict(base["tiers"]), dict(base["aliases"]), models, sources,
                   families=base["families"])
    overlay = _read_overlay(opath) if opath else None
    if overlay is not None:
        reg.overlay = opath
        reg.imported_at = overlay.get("imported_at")
        for mid, raw in overlay["models"].items():
            where = f'{opath}: models."{mid}"'
            entry = _check_entry(raw, where, _OVERLAY_FIX)
            _merge_model(reg, reg.resolve(mid), entry, "imported", where, _OVERLAY_FIX)
    return reg


def _build(opath: str, cpath: str) -> Registry:
    reg = _base_registry(opath)

    prices = config.section("prices")
    for mid, raw in prices.items():
        where = f'{cpath}: [prices."{mid}"]'
        fix = f"edit [prices] in {cpath}: prices are USD per 1M tokens"
        entry = _check_entry(raw, where, fix)
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
        reg.tiers[_clean(tier)] = reg.resolve(target)

    for mid, entry in reg.models.items():
        _fill_defaults(entry, mid)
    return reg


def _merge_model(reg: Registry, mid: str, entry: dict, source: str, where: str, fix: str) -> None:
    old = reg.models.get(mid)
    merged = entry if old is None else config.deep_merge(old, entry)
    if old is None:
        _require_complete(merged, where, fix)
    lc = merged.get("long_context")
    if lc is not None and ("threshold_tokens" not in lc or "input" not in lc):
        raise ConfigError(f"{where}: long_context needs threshold_tokens and input", fix)
    reg.models[mid] = merged
    reg._sources[mid] = source


def _require_complete(entry: dict, where: str, fix: str) -> None:
    missing = [k for k in ("input", "output") if k not in entry]
    if missing:
        raise ConfigError(
            f"{where}: a model the registry does not know yet needs {' and '.join(missing)}",
            fix,
        )


def _fill_defaults(entry: dict, mid: str) -> None:
    """Complete an entry in place: provider, cache prices, long-context prices, status."""
    entry["provider"] = entry.get("provider") or guess_provider(mid)
    _fill_cache_prices(entry)
    if "tokenizer_factor" not in entry:
        entry["tokenizer_factor"] = _guess_tokenizer_factor(mid)
    if "status" not in entry:
        entry["status"] = "unknown"


def guess_provider(mid: str) -> str:
    if mid.startswith("claude"):
        return "anthropic"
    if mid.startswith("gemini"):
        return "google"
    return "other"


def _guess_tokenizer_factor(mid: str) -> float:
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


# --------------------------------------------------------------------------- validation


def _is_number(value: object) -> bool:
    """A finite int or float (bools are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_price(value: object, where: str, key: str, fix: str) -> float:
    if not _is_number(value) or value < 0:
        raise ConfigError(
            f"{where}: {key} = {value!r} is not a price: it must be a number >= 0", fix
        )
    return float(value)


def _check_entry(raw: object, where: str, fix: str) -> dict:
    """A model entry with its types checked; numbers become floats."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table of price fields, not {raw!r}", fix)
    entry: dict = {}
    for key, value in raw.items():
        if key in PRICE_KINDS:
            entry[key] = _check_price(value, where, key, fix)
        elif key == "tokenizer_factor":
            if not _is_number(value) or value <= 0:
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
            entry[key] = _check_long_context(value, where, fix)
        else:
            raise ConfigError(
                f"{where}: unknown key {key!r}", f"use one of: {', '.join(MODEL_KEYS)}"
            )
    return entry


def _check_long_context(raw: object, where: str, fix: str) -> dict:
    where = f"{where}.long_context"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table, not {raw!r}", fix)
    out: dict = {}
    for key, value in raw.items():
        if key == "threshold_tokens":
            if not _is_number(value) or value <= 0 or int(value) != value:
                raise ConfigError(
                    f"{where}: threshold_tokens = {value!r} must be a whole number > 0", fix
                )
            out[key] = int(value)
        elif key in PRICE_KINDS:
            out[key] = _check_price(value, where, key, fix)
        else:
            raise ConfigError(
                f"{where}: unknown key {key!r}", f"use one of: {', '.join(LONG_CONTEXT_KEYS)}"
            )
    return out


def _check_names(raw: object, where: str, fix: str) -> dict:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be an object of name → model id", fix)
    out = {}
    for name, target in raw.items():
        if not isinstance(target, str) or not target.strip():
            raise ConfigError(f"{where}.{name} = {target!r} must be a model id string", fix)
        out[_clean(name)] = _clean(target)
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
        if not _is_number(value) or value < 0:
            raise InputError(f"token count {key} = {value!r} must be a number >= 0")
        counts[key] = value
    return counts


# --------------------------------------------------------------------------- names


def _clean(name: object) -> str:
    """Lowercase, strip, drop a provider prefix (`gemini/`, `models/`) and a `[1m]` suffix."""
    if name is None:
        return ""
    s = str(name).strip().lower()
    if s.endswith("]") and "[" in s:
        s = s[: s.rindex("[")]
    if "/" in s:
        s = s.rsplit("/", 1)[1]
    return s.strip()


def _undated(s: str) -> str | None:
    """`claude-haiku-4-5-20251001` → `claude-haiku-4-5`; None when there is no date suffix."""
    if len(s) > 9 and s[-9] in "-@" and s[-8:].isdigit() and s[-8:-6] in ("19", "20"):
        return s[:-9]
    return None


def _copy_entry(entry: dict) -> dict:
    out = dict(entry)
    if "long_context" in out:
        out["long_context"] = dict(out["long_context"])
    return out


# --------------------------------------------------------------------------- files


def _read_json_file(path: str, error: type, fix: str) -> object:
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


def _read_overlay(path: str) -> dict | None:
    if not os.path.exists(path):
        return None
    data = _read_json_file(path, ConfigError, _OVERLAY_FIX)
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise ConfigError(f'{path}: an imported price file needs a "models" object', _OVERLAY_FIX)
    return data


# --------------------------------------------------------------------------- output


def _fmt(value: float) -> str:
    s = f"{value:.6f}".rstrip("0")
    whole, _, frac = s.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def format_pricing(reg: Registry) -> str:
    """A table for people: one row per model, prices in USD per 1M tokens."""
    header = f"Model prices, USD per 1M tokens; table date {reg.date}"
    if reg.overlay:
        header += f"; imported prices from {reg.overlay}"
        if reg.imported_at:
            header += f" ({reg.imported_at})"
    cols = ("tier", "model", "in", "out", "write 5m", "write 1h", "read", "status")
    rows = []
    for mid, entry in reg.models.items():
        tiers = ",".join(reg.tiers_of(mid))
        prices = [_fmt(entry[k]) for k in PRICE_KINDS]
        rows.append((tiers, mid, *prices, entry.get("status", "unknown")))
        lc = entry.get("long_context")
        if lc is not None:
            label = f"  prompt > {lc['threshold_tokens'] // 1000}k"
            rows.append(("", label, *[_fmt(lc[k]) for k in PRICE_KINDS], ""))
    widths = [max(len(str(r[i])) for r in [cols, *rows]) for i in range(len(cols))]

    def line(row: tuple) -> str:
        cells = []
        for i, cell in enumerate(row):
            text = str(cell)
            right = 2 <= i <= 6
            cells.append(text.rjust(widths[i]) if right else text.ljust(widths[i]))
        return "  ".join(cells).rstrip()

    out = [header, "", line(cols)]
    out.extend(line(r) for r in rows)
    notes = []
    if any(entry.get("long_context") for entry in reg.models.values()):
        notes.append(
            "prompt > Nk: above N thousand prompt tokens (input + cache), these rates apply "
            "to the whole request."
        )
    for tier, target in reg.tiers.items():
        if target not in reg.models:
            notes.append(f"tier {tier} -> {target} is unpriced.")
    if notes:
        out.append("")
        out.extend(notes)
    return "\n".join(out)


# --------------------------------------------------------------------------- LiteLLM import


def _litellm_entry(spec: dict, provider: str) -> dict | None:
    """Prices per 1M tokens from one LiteLLM entry, or None when it has no usable price."""
    import re

    def per_million(value: object) -> float | None:
        if not _is_number(value) or value < 0:
            return None
        return round(float(value) * 1_000_000, 9)

    entry: dict = {"provider": provider}
    for field, kind in _LITELLM_FIELDS.items():
        value = per_million(spec.get(field))
        if value is not None:
            entry[kind] = value
    if "input" not in entry or "output" not in entry:
        return None

    tiers: dict = {}
    pattern = re.compile(r"^(.+)_above_(\d+(?:\.\d+)?)([km])_tokens$")
    for field, raw in spec.items():
        match = pattern.match(field)
        if not match or match.group(1) not in _LITELLM_FIELDS:
            continue
        value = per_million(raw)
        if value is None:
            continue
        scale = 1000 if match.group(3) == "k" else 1_000_000
        threshold = round(float(match.group(2)) * scale)
        tiers.setdefault(threshold, {})[_LITELLM_FIELDS[match.group(1)]] = value
    usable = sorted(t for t, prices in tiers.items() if "input" in prices)
    if usable:
        entry["long_context"] = {"threshold_tokens": usable[0], **tiers[usable[0]]}
    return entry


def import_litellm(path: str) -> dict:
    """Merge Claude and Gemini chat prices from LiteLLM's price file into the overlay.

    Returns {"added", "updated", "unchanged", "skipped", "path"}: counts of models new
    to the overlay, changed, identical, and source entries not imported (other
    providers, non-chat modes, no price, duplicates of an imported id).
    """
    import time

    fix = (
        "pass LiteLLM's model_prices_and_context_window.json "
        "(github.com/BerriAI/litellm), unmodified"
    )
    src = os.path.abspath(os.path.expanduser(str(path)))
    data = _read_json_file(src, InputError, fix)
    if not isinstance(data, dict):
        raise InputError(
            f"{src}: the top level must be a JSON object of model name -> price fields", fix
        )

    opath = overlay_path()
    reg = _base_registry(opath)
    overlay = _read_overlay(opath) or {"models": {}}
    previous = overlay["models"]

    skipped = 0
    accepted: list = []  # (cleaned key, entry)
    for key, spec in data.items():
        if key == "sample_spec" or not isinstance(spec, dict):
            skipped += 1
            continue
        provider = _LITELLM_PROVIDERS.get(str(spec.get("litellm_provider", "")))
        if provider is None or spec.get("mode") != "chat":
            skipped += 1
            continue
        entry = _litellm_entry(spec, provider)
        if entry is None:
            skipped += 1
            continue
        accepted.append((_clean(key), entry))

    in_file = {name for name, _ in accepted}
    chosen: dict = {}  # model id → (exact key match?, entry)
    for name, entry in accepted:
        mid = reg.resolve(name)
        base = _undated(mid)
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
        _fill_cache_prices(entry)
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
    _cache.clear()
    return {
        "added": added,
        "updated": updated,
        "unchanged": unchanged,
        "skipped": skipped,
        "path": opath,
    }


def _fill_cache_prices(entry: dict) -> None:
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
