"""Reference pages rendered from the data files, so quoted numbers never disagree with them.

`references/*.md` are generated: edit `templates/*.md.j2` or the data, then run
`tec docs`. `tec docs --check` (and a test) fail when a committed page is stale.
Every value a page quotes comes from the bundled data or the module constants the
code itself uses; the user's config never leaks in.
"""

from __future__ import annotations

import json
import os

from . import config, fastjson, hooks, registry, scoring
from .errors import TecError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
PAGES = {
    "references/routing.md": "routing.md.j2",
    "references/execution-and-edits.md": "execution-and-edits.md.j2",
    "references/validation.md": "validation.md.j2",
    "references/costs-and-budgets.md": "costs-and-budgets.md.j2",
    "references/configuration-and-hooks.md": "configuration-and-hooks.md.j2",
}



def render_all() -> dict[str, str]:
    """{repo-relative path: page text} from the bundled data only (no user config)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["usd"] = lambda v: "–" if v is None else f"{v:g}"
    env.filters["toml"] = _toml_value
    context = _context()
    return {path: env.get_template(name).render(**context) for path, name in PAGES.items()}


def _toml_value(value: object) -> str:
    """A default as it would be written in config.toml (strings, numbers, booleans, lists of them)."""
    return json.dumps(value, ensure_ascii=False)


def bundled_rules() -> scoring.Rules:
    """The bundled routing data alone, as `scoring.load_rules` would build it without a `[routing]` table."""
    with open(scoring.bundled_path(), encoding="utf-8") as fh:
        return scoring.Rules(fastjson.loads(fh.read()))


def _context() -> dict:
    rules = bundled_rules()
    reg = registry.bundled_registry()
    context = {**_routing_context(rules, reg), **_run_context(reg), **_costs_context(reg)}
    context.update(_config_context(rules, reg))
    return context


def _routing_context(rules: scoring.Rules, reg: registry.Registry) -> dict:
    f = rules.data["factors"]
    tiers = []
    for i, tier in enumerate(rules.tiers):
        model_id = reg.model_for_tier(tier)
        tiers.append({"name": tier, "model_id": model_id, "price": reg.price(model_id),
                      "low": rules.thresholds[i - 1] if i else 0.0,
                      "high": rules.thresholds[i] if i < len(rules.thresholds) else 10.0})
    return {"rules": rules.data, "tiers": tiers, "factors": f, "price_date": reg.date,
            "natures": f["nature"]["patterns"], "estimate": rules.data["estimate"],
            "confidence": rules.data["confidence"], "context_keys": scoring.CONTEXT_KEYS,
            "tokenizer": {t["model_id"]: reg.tokenizer_factor(t["model_id"]) for t in tiers},
            "scenarios": _scenarios(rules, reg), "big_file_kb": scoring.BIG_FILE_BYTES // 1000,
            "repo_check_ms": round(scoring.REPO_CHECK_SECONDS * 1000)}


def _scenarios(rules: scoring.Rules, reg: registry.Registry) -> list[dict]:
    """The bundled example tasks, routed with the bundled data (no `--cwd`)."""
    from . import router

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "examples.jsonl")
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            example = fastjson.loads(line)
            rec = router.route(example["text"], example.get("context"), None, rules, reg).to_dict()
            context = example.get("context") or {}
            shown = ", ".join(f"{k}={_plain(v)}" for k, v in context.items())
            out.append({"text": example["text"], "context_text": shown or "–", **rec})
    return out


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "+".join(str(v) for v in value)
    return str(value)


def _run_context(reg: registry.Registry) -> dict:
    from . import cli_run, clients, defaults, edits, execution, syntax, validation
    from .errors import InputError

    data = defaults.bundled()
    run = data["execution"]
    order = list(reg.tiers)
    top = run["top_tier"]
    return {
        "execution": run, "edit": data["edit"], "validate": data["validate"],
        "thinking_off": data["gemini_thinking_off"],
        "tier_models": [{"name": t, "model_id": reg.tiers[t], "provider": reg.models[reg.tiers[t]]["provider"]}
                        for t in order],
        "ladder": order[: order.index(top) + 1] if top in order else order,
        "escalate_on": run["escalate_on"],
        "stop_kinds": [k for k in clients.KINDS if k not in run["escalate_on"]],
        "result_keys": list(execution.ExecutionResult().to_dict()),
        "attempt_keys": list(execution.Attempt(None, "").to_dict()),
        "edit_result_keys": list(execution.EditResult("").to_dict()),
        "edit_format": edits.EDIT_FORMAT, "secret_patterns": edits.SECRET_NAME_PATTERNS,
        "secret_exceptions": edits.SECRET_NAME_EXCEPTIONS, "secret_dirs": edits.SECRET_DIRS,
        "binary_sniff_kb": edits.BINARY_SNIFF_BYTES // 1024,
        "languages": _languages(syntax.LANGUAGES),
        "max_issues": validation.MAX_ISSUES,
        "verdict_schema": json.dumps(validation.VERDICT_SCHEMA, indent=2),
        "verdict_fields": validation.VERDICT_SCHEMA["properties"],
        "verdict_keys": list(validation.Verdict().to_dict()),
        "validate_model_id": reg.resolve(data["validate"]["model"]),
        "edit_model_id": reg.resolve(data["edit"]["model"]),
        "budget_exit": cli_run.BUDGET_EXIT, "input_exit": InputError.exit_code,
    }


def _languages(table: dict) -> list[dict]:
    """{language: [extensions]} in first-seen order."""
    out: dict[str, list[str]] = {}
    for ext, language in table.items():
        out.setdefault(language, []).append(ext)
    return [{"name": name, "extensions": exts} for name, exts in out.items()]


def _costs_context(reg: registry.Registry) -> dict:
    from . import budgets, ledger, reports, transcripts

    defaults_of = {mid: tier for tier, mid in reg.tiers.items()}
    ordered = [reg.tiers[t] for t in reg.tiers] + sorted(m for m in reg.models if m not in defaults_of)
    models = [{"id": mid, "tier": defaults_of.get(mid), **reg.models[mid]} for mid in ordered]
    return {
        "models": models,
        "long_context": [m for m in models if m.get("long_context")],
        "ledger_file": ledger.FILE_NAME, "ledger_columns": ledger._COLUMNS, "token_kinds": ledger.TOKEN_KINDS,
        "entry_version": ledger.ENTRY_VERSION, "default_baseline": ledger.DEFAULT_BASELINE,
        "fallback_baseline": getattr(ledger, "FALLBACK_BASELINE", None),
        "report_schema": reports.SCHEMA, "report_by": reports.BY, "report_tokens": reports.TOKEN_FIELDS,
        "total_keys": list(reports.Totals().to_dict()),
        "synthetic_model": transcripts.SYNTHETIC_MODEL,
        "periods": budgets.PERIODS, "actions": budgets.ACTIONS, "warn_at": budgets.DEFAULT_WARN_AT,
        "default_action": "warn",  # what budgets.settings() uses when [budgets] has no action
        "reservation_ttl_min": budgets.RESERVATION_TTL_S // 60,
    }


def _config_context(rules: scoring.Rules, reg: registry.Registry) -> dict:
    from . import ledger

    return {
        "app_dir": config.APP_DIR,
        "routing_keys": [k for k in rules.data if k != "version"],
        "bundled_tiers": reg.tiers,
        "price_keys": registry.PRICE_KINDS, "model_keys": registry.MODEL_KEYS,
        # store_prompts: what ledger.costs_settings() uses when [ledger] has none
        "ledger_defaults": {"baseline": ledger.DEFAULT_BASELINE, "store_prompts": False},
        "hooks": hooks.DEFAULTS,
    }


def write(check: bool = False) -> list[str]:
    """Write the pages (or, with `check`, only compare); returns the stale paths."""
    stale = []
    for path, text in render_all().items():
        full = os.path.join(ROOT, path)
        try:
            with open(full, encoding="utf-8") as fh:
                current = fh.read()
        except OSError:
            current = None
        if current != text:
            stale.append(path)
            if not check:
                config.write_atomic(full, text)
    if check and stale:
        raise TecError(f"stale generated page(s): {', '.join(stale)}", "run `tec docs` and commit the result")
    return stale
