"""`recommend.route`: the recommendation's fields, the model for the tier, and the cost estimate.

Scores and factor weights are recalibrated often: these tests read thresholds, tiers and
prices back from the loaded rules and registry instead of hard-coding them.
"""

from __future__ import annotations

import math

import pytest

from helpers import write_config
from tec import registry
from tec.errors import InputError
from tec.routing import recommend, scoring
from tec.routing import rules as routing_rules

FIELDS = ("model", "model_id", "complexity_score", "complexity_factors", "reason", "confidence",
          "estimated_cost", "context", "signals", "warnings")
COST_KEYS = {"model", "model_id", "input_tokens", "output_tokens", "usd"}

CHEAP_TASK = "Fix typo in variable name"  # a seed scenario: always the cheapest tier
TOP_TASK = "Design microservices architecture for scaling to 1M users"  # a seed scenario: always the top tier
TASKS = [
    CHEAP_TASK,
    "Add new API endpoint for user profile",
    "Refactor authentication system to use OAuth2",
    TOP_TASK,
    "ok",
    "Prove that every group of order 15 is cyclic.",
]



def _check_block(block: dict, reg: registry.Registry) -> None:
    assert set(block) >= COST_KEYS
    assert block["model_id"] == reg.model_for_tier(block["model"])
    assert isinstance(block["input_tokens"], int) and block["input_tokens"] > 0
    assert isinstance(block["output_tokens"], int) and block["output_tokens"] > 0
    assert block["usd"] is None or (isinstance(block["usd"], float) and block["usd"] > 0)


@pytest.mark.parametrize("task", TASKS)
def test_fields_and_types(task):
    rec = recommend.route(task)
    rules, reg = routing_rules.load_rules(), registry.load_registry()
    data = rec.to_dict()
    assert tuple(data) == FIELDS
    assert rec.model in rules.tiers
    assert isinstance(rec.model_id, str) and rec.model_id
    assert rec.model_id == reg.model_for_tier(rec.model)
    assert isinstance(rec.complexity_score, float) and 0 <= rec.complexity_score <= 10
    assert isinstance(rec.complexity_factors, dict) and tuple(rec.complexity_factors) == scoring.FACTORS
    assert isinstance(rec.reason, str) and rec.reason
    assert isinstance(rec.confidence, float) and 0 <= rec.confidence <= 1
    assert isinstance(rec.estimated_cost, dict)
    assert isinstance(rec.context, dict) and set(rec.context) == set(scoring.CONTEXT_KEYS)
    assert isinstance(rec.signals, dict)
    assert isinstance(rec.warnings, list) and all(isinstance(w, str) for w in rec.warnings)


@pytest.mark.parametrize("task", TASKS)
def test_route_agrees_with_the_scorer(task):
    rec, result = recommend.route(task), scoring.score(task)
    assert rec.model == result.tier
    assert rec.complexity_score == result.score
    assert rec.complexity_factors == result.factors
    assert rec.confidence == result.confidence


@pytest.mark.parametrize("task", TASKS)
def test_estimated_cost_blocks(task):
    rules, reg = routing_rules.load_rules(), registry.load_registry()
    est = recommend.route(task).estimated_cost
    assert COST_KEYS | {"top_tier", "savings_usd", "price_date"} <= set(est)
    _check_block(est, reg)
    _check_block(est["top_tier"], reg)
    assert est["top_tier"]["model"] == rules.tiers[-1]
    assert est["price_date"] == reg.date
    assert est["usd"] is not None and est["top_tier"]["usd"] is not None
    assert est["savings_usd"] == pytest.approx(est["top_tier"]["usd"] - est["usd"], abs=1e-6)


def test_cheaper_tier_saves_money():
    reg = registry.load_registry()
    rec = recommend.route(CHEAP_TASK)
    assert rec.model == routing_rules.load_rules().tiers[0]
    chosen, top = reg.price(rec.model_id), reg.price(rec.estimated_cost["top_tier"]["model_id"])
    assert chosen["input"] < top["input"] and chosen["output"] < top["output"]
    assert rec.estimated_cost["savings_usd"] > 0


def test_top_tier_saves_nothing():
    rec = recommend.route(TOP_TASK)
    assert rec.model == routing_rules.load_rules().tiers[-1]
    assert rec.estimated_cost["top_tier"]["model_id"] == rec.model_id
    assert rec.estimated_cost["savings_usd"] == 0


def test_input_tokens_grow_with_task_length():
    base = "Fix the pagination bug in the admin list view"
    short = recommend.route(base).estimated_cost["top_tier"]
    long = recommend.route(base + "; it drops the last row when the count is a multiple of the page size" * 40)
    assert long.estimated_cost["top_tier"]["input_tokens"] > short["input_tokens"]


def test_tokens_grow_with_files_count():
    task = "Rename the config loader and update its callers"
    few = recommend.route(task, {"files_count": 1}).estimated_cost["top_tier"]
    many = recommend.route(task, {"files_count": 12}).estimated_cost["top_tier"]
    assert many["input_tokens"] > few["input_tokens"]
    assert many["output_tokens"] >= few["output_tokens"]


def test_inferred_files_count_feeds_the_estimate():
    few = recommend.route("Update a.py").estimated_cost["top_tier"]
    many = recommend.route("Update a.py, b.py, c.py, d.py").estimated_cost["top_tier"]
    assert many["input_tokens"] > few["input_tokens"]


def test_tokenizer_factor_is_applied():
    """Token counts are in baseline units, scaled per model: Claude 5.5 counts 1.3x, Gemini 1x."""
    reg = registry.load_registry()
    est = recommend.route(CHEAP_TASK).estimated_cost
    top = est["top_tier"]
    assert est["model_id"].startswith("gemini") and reg.tokenizer_factor(est["model_id"]) == 1.0
    assert top["model_id"].startswith("claude-") and "-5-5" in top["model_id"]
    factor = reg.tokenizer_factor(top["model_id"])
    assert factor == pytest.approx(1.3)
    base_in, base_out = est["input_tokens"], est["output_tokens"]
    assert top["input_tokens"] == math.ceil(base_in * factor)
    assert top["output_tokens"] == math.ceil(base_out * factor)
    assert top["input_tokens"] > base_in


def test_usd_matches_registry_prices():
    reg = registry.load_registry()
    est = recommend.route("Add new API endpoint for user profile").estimated_cost
    for block in (est, est["top_tier"]):
        expected = reg.cost(block["model_id"], {"input": block["input_tokens"], "output": block["output_tokens"]})
        assert block["usd"] == pytest.approx(expected, abs=1e-6)


def test_unknown_chosen_model_is_unpriced_not_free(tec_home):
    write_config('[routing]\ndefault_tier = "haiku"\n\n[tiers]\nhaiku = "claude-haiku-9-9"\n')
    rec = recommend.route("ok")
    assert rec.model == "haiku"
    assert rec.model_id == "claude-haiku-9-9"
    est = rec.estimated_cost
    assert est["model_id"] == "claude-haiku-9-9"
    assert est["usd"] is None
    assert est["savings_usd"] is None
    assert est["top_tier"]["usd"] is not None
    assert any("claude-haiku-9-9" in w and "unpriced" in w for w in rec.warnings), rec.warnings
    assert "claude-haiku-9-9" in rec.reason


def test_unknown_top_model_is_unpriced_not_free(tec_home):
    write_config('[tiers]\nopus = "claude-opus-9-9"\n')
    rec = recommend.route(CHEAP_TASK)
    est = rec.estimated_cost
    assert est["usd"] is not None
    assert est["top_tier"]["model_id"] == "claude-opus-9-9"
    assert est["top_tier"]["usd"] is None
    assert est["savings_usd"] is None
    assert sum("claude-opus-9-9" in w and "unpriced" in w for w in rec.warnings) == 1, rec.warnings


def test_priced_routes_have_no_warnings():
    assert recommend.route("Add new API endpoint for user profile").warnings == []


@pytest.mark.parametrize("task", TASKS)
def test_reason_names_tier_and_model(task):
    rec = recommend.route(task)
    assert rec.model in rec.reason
    assert rec.model_id in rec.reason


def test_reason_for_a_no_signal_prompt_says_default(tec_home):
    write_config('[routing]\ndefault_tier = "sonnet"\n')
    rec = recommend.route("thanks!")
    assert rec.model == "sonnet"
    assert "default" in rec.reason


def test_context_is_plain_and_echoes_the_caller():
    ctx = {"files_count": 4, "requires_tests": True, "external_apis": ["Stripe"], "subsystems": ["billing"],
           "security_critical": True}
    rec = recommend.route("Add refunds to checkout", ctx)
    assert rec.context == ctx


def test_cwd_is_passed_to_the_scorer(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('hi')\n")
    rec = recommend.route("Add logging to src/app.py", cwd=str(tmp_path))
    assert rec.signals["files_found"] == ["src/app.py"]


@pytest.mark.parametrize(("task", "context"), [("", None), ("   ", None), ("Fix it", {"files": 2})])
def test_bad_input_is_an_input_error(task, context):
    with pytest.raises(InputError):
        recommend.route(task, context)


def test_reason_says_when_the_default_tier_floor_applied(tec_home):
    (tec_home / "config.toml").write_text("[routing]\nthresholds = [9.0, 9.5, 9.9]\ntrivial_score = 0.0\n")
    rec = recommend.route("csv export breaks on commas")
    assert routing_rules.load_rules().tier_for(rec.complexity_score) == "gemini-flash"
    assert rec.model == "haiku" and "default tier" in rec.reason
    assert "default tier" not in recommend.route("Fix typo in README").reason
