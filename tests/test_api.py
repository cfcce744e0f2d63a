"""The Python API: `tec.orchestrator_route` returns the documented recommendation dict."""

from __future__ import annotations

import pytest

import tec
from tec import orchestrator_route
from tec.errors import InputError

TIERS = ("gemini-flash", "haiku", "sonnet", "opus")
FACTORS = {"length", "keywords", "files", "tests", "external_apis", "subsystems", "nature"}
OAUTH_CONTEXT = {
    "files_count": 8,
    "requires_tests": True,
    "external_apis": ["OAuth2", "JWT"],
    "subsystems": ["auth", "api", "database"],
}

# The routing scenarios of the reference page: these tiers are fixed requirements.
SEED_SCENARIOS = [
    ("Fix typo in variable name", None, "gemini-flash"),
    ("Add new API endpoint for user profile", {"files_count": 3, "requires_tests": True}, "haiku"),
    (
        "Add user authentication to API endpoint",
        {"files_count": 3, "requires_tests": True, "external_apis": ["Auth0"],
         "subsystems": ["api", "auth"]},
        "haiku",
    ),
    ("Refactor authentication system to use OAuth2", OAUTH_CONTEXT, "sonnet"),
    ("Add OAuth2 authentication flow with refresh tokens", OAUTH_CONTEXT, "sonnet"),
    ("Design microservices architecture for scaling to 1M users", None, "opus"),
]


def test_version_is_a_string():
    assert tec.__version__ == "0.1.0"


def test_recommendation_fields_and_types():
    result = orchestrator_route("Add user authentication to API endpoint",
                                {"files_count": 3, "requires_tests": True})
    assert set(result) == {"model", "model_id", "complexity_score", "complexity_factors", "reason",
                           "confidence", "estimated_cost", "context", "signals", "warnings"}
    assert result["model"] in TIERS
    assert isinstance(result["model_id"], str) and result["model_id"]
    assert isinstance(result["complexity_score"], float)
    assert 0.0 <= result["complexity_score"] <= 10.0
    assert set(result["complexity_factors"]) == FACTORS
    assert all(isinstance(v, float) for v in result["complexity_factors"].values())
    assert isinstance(result["reason"], str) and result["reason"]
    assert 0.0 <= result["confidence"] <= 1.0
    assert isinstance(result["signals"], dict)
    assert isinstance(result["warnings"], list)


def test_estimated_cost_shape():
    cost = orchestrator_route("Fix typo in README")["estimated_cost"]
    for entry in (cost, cost["top_tier"]):
        assert entry["model"] in TIERS
        assert isinstance(entry["input_tokens"], int) and entry["input_tokens"] > 0
        assert isinstance(entry["output_tokens"], int) and entry["output_tokens"] > 0
        assert entry["usd"] is None or entry["usd"] >= 0
    assert cost["top_tier"]["model"] == TIERS[-1]
    assert cost["savings_usd"] is None or cost["savings_usd"] >= 0
    assert isinstance(cost["price_date"], str)


def test_caller_context_wins_and_is_reported():
    result = orchestrator_route("Tidy the logging setup",
                                {"files_count": 4, "requires_tests": True})
    assert result["context"]["files_count"] == 4
    assert result["context"]["requires_tests"] is True
    # Keys the caller left out are still filled in (by inference).
    assert {"external_apis", "subsystems"} <= set(result["context"])


@pytest.mark.parametrize(("task", "context", "tier"), SEED_SCENARIOS,
                         ids=[s[2] + ":" + s[0][:24] for s in SEED_SCENARIOS])
def test_seed_scenarios_route_to_their_tier(task, context, tier):
    assert orchestrator_route(task, context)["model"] == tier


@pytest.mark.parametrize("task", ["", "   \n\t"])
def test_empty_task_is_an_input_error(task):
    with pytest.raises(InputError) as info:
        orchestrator_route(task)
    assert "empty" in info.value.message


def test_bad_context_is_an_input_error():
    with pytest.raises(InputError):
        orchestrator_route("Fix typo", {"files": 3})
