"""A routing recommendation: the score, the tier's model, and what the task should cost."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from .. import registry
from . import scoring
from .rules import Rules, load_rules


@dataclass
class Recommendation:
    """The one result shape of `orchestrator_route`, `tec route --json` and the MCP tool."""

    model: str
    model_id: str
    complexity_score: float
    complexity_factors: dict
    reason: str
    confidence: float
    estimated_cost: dict
    context: dict
    signals: dict
    warnings: list

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def route(task: str, context: dict | None = None, cwd: str | None = None,
          rules: Rules | None = None, reg: registry.Registry | None = None) -> Recommendation:
    """Score `task` and price the result. Batch callers pass `rules` and `reg` loaded once."""
    rules = rules or load_rules()
    result = scoring.score(task, context, cwd, rules)
    reg = reg or registry.load_registry()
    warnings: list[str] = []
    model_id = reg.model_for_tier(result.tier)
    estimate = estimate_cost(task, result, rules, reg, warnings)
    return Recommendation(
        model=result.tier, model_id=model_id, complexity_score=result.score,
        complexity_factors=result.factors, reason=_reason(result, model_id, rules),
        confidence=result.confidence, estimated_cost=estimate,
        context=_plain_context(result.context), signals=result.signals, warnings=warnings,
    )


def estimate_cost(task: str, result: scoring.Score, rules: Rules,
                  reg: registry.Registry, warnings: list[str]) -> dict:
    """Estimated tokens and USD on the recommended model and on the top tier.

    Heuristic (documented in references/routing.md): input = task chars / chars_per_token
    + a fixed overhead for instructions + a per-file allowance for files read; output
    grows with the score along `estimate.output_tokens`. Token counts are in baseline
    (Haiku 4.5 tokenizer) units, then scaled by each model's tokenizer factor.
    """
    spec = rules.data["estimate"]
    files = int(result.context.get("files_count") or 0)
    base_in = (math.ceil(len(task) / reg.chars_per_token) + int(spec["input_overhead_tokens"])
               + int(spec["input_tokens_per_file"]) * files)
    base_out = int(scoring.interpolate(spec["output_tokens"], result.score))

    def on(tier: str) -> dict:
        model_id = reg.model_for_tier(tier)
        factor = reg.tokenizer_factor(model_id)
        tokens = {"input": math.ceil(base_in * factor), "output": math.ceil(base_out * factor)}
        usd = reg.cost_or_warn(model_id, tokens, warnings)
        return {"model": tier, "model_id": model_id, "input_tokens": tokens["input"],
                "output_tokens": tokens["output"], "usd": None if usd is None else round(usd, 6)}

    chosen, top = on(result.tier), on(rules.tiers[-1])
    saving = None if chosen["usd"] is None or top["usd"] is None else round(top["usd"] - chosen["usd"], 6)
    return {**chosen, "top_tier": top, "savings_usd": saving, "price_date": reg.date}


def _reason(result: scoring.Score, model_id: str, rules: Rules) -> str:
    top = sorted(((p, k) for k, p in result.factors.items() if p), key=lambda x: -abs(x[0]))[:3]
    parts = ", ".join(f"{k} {p:+g}" for p, k in top)
    why = f"Scored {result.score:g}/10 → {result.tier} ({model_id})"
    if result.no_signal:
        return why + ": no complexity signal, so the default tier"
    if result.tier != rules.tier_for(result.score):
        why += " (the default tier: nothing in the text shows a trivial edit)"
    return f"{why}; nature: {result.nature}" + (f"; top factors: {parts}" if parts else "")


def _plain_context(ctx: dict) -> dict:
    return {k: ctx[k] for k in scoring.CONTEXT_KEYS if k in ctx}
