"""Reference pages rendered from the data files, so quoted numbers never disagree with them.

`references/*.md` are generated: edit `templates/*.md.j2` or the data, then run
`tec docs`. `tec docs --check` (and a test) fail when a committed page is stale.
Every value a page quotes comes from the bundled data or the module constants the
code itself uses; the user's config never leaks in.
"""

from __future__ import annotations

import json
import os

from .. import bundled, config, fastjson, registry, vocabulary
from ..errors import TecError
from ..routing import rules as routing_rules
from ..routing import scoring
from .common import command

ROOT = bundled.PLUGIN_ROOT
TEMPLATES = os.path.join(bundled.PACKAGE, "templates", "docs")
PAGES = {
    "references/routing.md": "routing.md.j2",
    "references/execution-and-edits.md": "execution-and-edits.md.j2",
    "references/validation.md": "validation.md.j2",
    "references/costs-and-budgets.md": "costs-and-budgets.md.j2",
    "references/configuration-and-hooks.md": "configuration-and-hooks.md.j2",
}



def add_parsers(commands) -> None:
    p = command(commands, "docs", "Render references/*.md from the data files (prices, thresholds, weights).",
                "tec docs --check", cmd_docs)
    p.add_argument("--check", action="store_true", help="only report stale pages; exit 1 if any")


def cmd_docs(args) -> int:
    stale = write(check=args.check)
    print("\n".join(f"wrote {path}" for path in stale) if stale else "references are up to date")
    return 0


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


def bundled_rules() -> routing_rules.Rules:
    """The bundled routing data alone, as `load_rules` would build it without a `[routing]` table."""
    with open(routing_rules.bundled_path(), encoding="utf-8") as fh:
        return routing_rules.Rules(fastjson.loads(fh.read()))


def _context() -> dict:
    rules = bundled_rules()
    reg = registry.bundled_registry()
    context = {**_routing_context(rules, reg), **_run_context(reg), **_costs_context(reg)}
    context.update(_config_context(rules, reg))
    return context


def _routing_context(rules: routing_rules.Rules, reg: registry.Registry) -> dict:
    f = rules.data["factors"]
    tiers = []
    for i, tier in enumerate(rules.tiers):
        model_id = reg.model_for_tier(tier)
        tiers.append({"name": tier, "model_id": model_id, "price": reg.price(model_id),
                      "low": rules.thresholds[i - 1] if i else 0.0,
                      "high": rules.thresholds[i] if i < len(rules.thresholds) else 10.0})
    return {"rules": rules.data, "tiers": tiers, "factors": f, "price_date": reg.date,
            "chars_per_token": reg.chars_per_token,
            "natures": f["nature"]["patterns"], "estimate": rules.data["estimate"],
            "confidence": rules.data["confidence"], "context_keys": scoring.CONTEXT_KEYS,
            "tokenizer": {t["model_id"]: reg.tokenizer_factor(t["model_id"]) for t in tiers},
            "scenarios": _scenarios(rules, reg), "big_file_kb": scoring.BIG_FILE_BYTES // 1000,
            "repo_check_ms": round(scoring.REPO_CHECK_SECONDS * 1000)}


def _scenarios(rules: routing_rules.Rules, reg: registry.Registry) -> list[dict]:
    """The bundled example tasks, routed with the bundled data (no `--cwd`)."""
    from ..routing import recommend
    from .route import EXAMPLES_PATH as path

    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            example = fastjson.loads(line)
            rec = recommend.route(example["text"], example.get("context"), None, rules, reg).to_dict()
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
    from ..errors import InputError
    from ..run import blocks, clients, edit, execute, secrets, syntax, validation
    from . import execute as execute_command

    run = config.defaults("execution")
    top = run["top_tier"]
    return {
        "execution": run, "edit": config.defaults("edit"), "validate": config.defaults("validate"),
        "thinking_off": clients.gemini_data()["thinking_off"],
        "tier_models": [{"name": t, "model_id": reg.tiers[t], "provider": reg.models[reg.tiers[t]]["provider"]}
                        for t in reg.tiers],
        "ladder": [*vocabulary.tiers()[:1], *vocabulary.above(vocabulary.tiers()[0], top)],
        "escalate_on": run["escalate_on"],
        "stop_kinds": [k for k in clients.KINDS if k not in run["escalate_on"]],
        "result_keys": list(execute.ExecutionResult().to_dict()),
        "attempt_keys": list(execute.Attempt(None, "").to_dict()),
        "edit_result_keys": list(edit.EditResult("").to_dict()),
        "edit_format": blocks.EDIT_FORMAT, "secret_patterns": secrets.SECRET_NAME_PATTERNS,
        "secret_exceptions": secrets.SECRET_NAME_EXCEPTIONS, "secret_dirs": secrets.SECRET_DIRS,
        "never_dirs": secrets.NEVER_DIRS, "secret_contents": secrets.CONTENT_KINDS, "force_env": secrets.FORCE_ENV,
        "binary_sniff_kb": secrets.BINARY_SNIFF_BYTES // 1024,
        "languages": _languages(syntax.LANGUAGES),
        "max_issues": validation.MAX_ISSUES,
        "verdict_schema": json.dumps(validation.VERDICT_SCHEMA, indent=2),
        "verdict_fields": validation.VERDICT_SCHEMA["properties"],
        "verdict_keys": list(validation.Verdict().to_dict()),
        "validate_model_id": reg.resolve(config.defaults("validate")["model"]),
        "edit_model_id": reg.resolve(config.defaults("edit")["model"]),
        "budget_exit": execute_command.BUDGET_EXIT, "input_exit": InputError.exit_code,
    }


def _languages(table: dict) -> list[dict]:
    """{language: [extensions]} in first-seen order."""
    out: dict[str, list[str]] = {}
    for ext, language in table.items():
        out.setdefault(language, []).append(ext)
    return [{"name": name, "extensions": exts} for name, exts in out.items()]


def _costs_context(reg: registry.Registry) -> dict:
    from ..costs import budgets, entries, reports, transcripts
    from ..costs.store import FILE_NAME

    defaults_of = {mid: tier for tier, mid in reg.tiers.items()}
    ordered = [reg.tiers[t] for t in reg.tiers] + sorted(m for m in reg.models if m not in defaults_of)
    models = [{"id": mid, "tier": defaults_of.get(mid), **reg.models[mid]} for mid in ordered]
    spec = config.table()["budgets"]
    return {
        "models": models,
        "long_context": [m for m in models if m.get("long_context")],
        "ledger_file": FILE_NAME, "ledger_columns": entries.COLUMNS, "token_kinds": vocabulary.TOKEN_KINDS,
        "entry_version": entries.ENTRY_VERSION, "default_baseline": entries.DEFAULT_BASELINE,
        "fallback_baseline": reg.top_tier(),
        "report_schema": reports.SCHEMA, "report_by": reports.BY, "report_tokens": vocabulary.PUBLIC_TOKENS,
        "total_keys": list(reports.Totals().to_dict()),
        "synthetic_model": transcripts.SYNTHETIC_MODEL,
        "periods": budgets.PERIODS, "actions": spec["action"]["allowed"], "warn_at": spec["warn_at"]["default"],
        "default_action": spec["action"]["default"],
        "reservation_ttl_min": budgets.RESERVATION_TTL_S // 60,
    }


def _config_context(rules: routing_rules.Rules, reg: registry.Registry) -> dict:
    from .. import prices

    return {
        "app_dir": config.APP_DIR,
        "routing_keys": [k for k in rules.data if k != "version"],
        "bundled_tiers": reg.tiers,
        "price_keys": vocabulary.PRICE_KINDS, "model_keys": prices.MODEL_KEYS,
        "ledger_defaults": config.defaults("ledger"),
        "hooks": config.defaults("hooks"),
        "setting_docs": {f"{name}.{key}": spec["doc"] for name, specs in config.table().items()
                         for key, spec in specs.items()},
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
