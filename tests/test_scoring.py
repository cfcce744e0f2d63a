"""The complexity scorer: factors, inference, monotonicity, peer failure modes, config, validation.

The numeric weights in data/routing.json are recalibrated often, so nothing here
hard-codes a score or a factor's points: tests assert on relations (more signal never
scores lower), on the documented requirements of the peer failure modes, and on values
read back from the loaded rules.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import write_config
from tec.errors import ConfigError, InputError
from tec.routing import rules as routing_rules
from tec.routing import scoring
from tec.routing import text as routing_text

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

NO_SIGNAL_PROMPTS = ["ok", "thanks!", "continue", "hi, quick python question", "yes", "sounds good", "lgtm"]

HARD_NON_CODE = [
    "Prove that there are infinitely many primes of the form 4k+3.",
    "Prove that every group of order 15 is cyclic.",
    "Is this indemnification clause in our SaaS contract enforceable against the licensee if the "
    "liability cap is missing?",
    "Review the limitation of liability clause in this vendor contract and tell me whether it is "
    "enforceable in our jurisdiction.",
    "My patient takes warfarin and was prescribed fluconazole. What is the drug interaction mechanism "
    "and how should the dosage change?",
    "A clinical question: which contraindication matters most when combining an SSRI with tramadol "
    "for a patient with epilepsy?",
    "Explain the mechanism and regioselectivity of the electrophilic aromatic substitution of anisole "
    "with nitric acid.",
    "In this chemistry reaction, why does the SN1 pathway dominate over SN2 for tert-butyl bromide in "
    "water, and what is the rate-determining step?",
]

REALISTIC = [
    "Fix typo in variable name",
    "Add a docstring to the parse_config function",
    "Rename the helper `fmt` to `format_price` in utils.py",
    "Fix the off-by-one error in the pagination helper so the last page is not dropped",
    "Add new API endpoint for user profile",
    "The login form shows a blank page after submit in Safari, can you fix it?",
    "Write unit tests for the date parsing helpers in src/dates.py",
    "Refactor authentication system to use OAuth2",
    "Add Stripe webhooks for subscription renewals, store invoices in postgres and email receipts via SendGrid",
    "Our Kafka consumers intermittently process the same event twice after the deploy; find the race "
    "condition and make the handler idempotent",
    "Migrate the orders table from MySQL to Postgres with zero downtime and a backfill of 40M rows",
    "Design microservices architecture for scaling to 1M users",
    "Design a multi-region active-active architecture for our payments platform with failover, "
    "event sourcing and exactly-once processing across services",
    "We have a memory leak in the worker fleet that only shows up in production under load; profile it, "
    "find the root cause and propose a fix",
    *HARD_NON_CODE,
]

VOCAB = [
    "fix", "add", "refactor", "tests", "pytest", "Stripe", "Auth0", "Twilio", "database", "redis",
    "kafka", "api", "endpoint", "login", "migration", "architecture", "design", "typo", "explain",
    "src/app.py", "Dockerfile", "scheduler/", "across", "every", "intermittent", "race", "prove",
    "contract", "patient", "security", "production", "then", "finally", "the", "a", "and", "of",
    "1M", "users", "14", "services", "why", "how", "is", "?", ",", "\n", "webhook", "s3",
]

CONTEXT_NAMES = ["stripe", "twilio", "auth0", "sendgrid", "github api", "plaid", "okta", "openai"]
SUBSYSTEM_NAMES = ["auth", "api", "database", "cache", "frontend", "billing", "infra", "search"]

texts = st.one_of(
    st.sampled_from(REALISTIC + NO_SIGNAL_PROMPTS),
    st.builds(lambda p, ws: p + " " + " ".join(ws), st.sampled_from(REALISTIC), st.lists(st.sampled_from(VOCAB))),
    st.lists(st.sampled_from(VOCAB), min_size=1, max_size=40).map(" ".join).filter(str.strip),
    st.text(min_size=1, max_size=120).filter(str.strip),
)

names = st.lists(st.sampled_from(CONTEXT_NAMES), max_size=5)
subsystems = st.lists(st.sampled_from(SUBSYSTEM_NAMES), max_size=6)
contexts = st.fixed_dictionaries(
    {},
    optional={
        "files_count": st.integers(0, 60),
        "requires_tests": st.booleans(),
        "external_apis": st.one_of(names, st.integers(0, 5)),
        "subsystems": st.one_of(subsystems, st.integers(0, 8)),
        "security_critical": st.booleans(),
    },
)


@pytest.fixture
def rules():
    return routing_rules.load_rules()



def tier_index(tier: str) -> int:
    return routing_rules.load_rules().tiers.index(tier)


def _count(value) -> int:
    return value if isinstance(value, int) else len({v.lower() for v in value})


# --------------------------------------------------------------------------- result shape


@PROPERTY
@given(task=texts, context=contexts)
def test_result_invariants(task, context):
    rules = routing_rules.load_rules()
    result = scoring.score(task, context)
    assert tuple(result.factors) == scoring.FACTORS
    assert all(isinstance(v, float) for v in result.factors.values())
    assert 0.0 <= result.score <= 10.0
    assert result.score == pytest.approx(round(min(10.0, max(0.0, sum(result.factors.values()))), 2), abs=1e-9)
    by_score = rules.tier_for(result.score)
    overrides = {p["name"] for p in rules.data["factors"]["nature"]["patterns"] if p["kind"] == "override"}
    # Below the default tier only on evidence: a trivial edit or quick lookup, or a very
    # low score from text that does carry a signal.
    evidence = result.nature in overrides or (result.score < rules.data["trivial_score"] and not result.no_signal)
    expected = by_score if evidence else max(by_score, rules.default_tier, key=rules.tiers.index)
    if result.no_signal:
        assert result.confidence == float(rules.data["confidence"]["no_signal"])
    assert result.tier == expected
    assert 0.0 <= result.confidence <= 1.0
    assert set(result.context) == set(scoring.CONTEXT_KEYS)
    assert all(v for v in result.signals.values()), "signals only lists what matched"


def test_tier_for_follows_thresholds(rules):
    t = rules.thresholds
    assert rules.tier_for(0.0) == rules.tiers[0]
    assert rules.tier_for(10.0) == rules.tiers[-1]
    for i, limit in enumerate(t):
        assert rules.tier_for(limit - 0.01) == rules.tiers[i]
        assert rules.tier_for(limit) == rules.tiers[i + 1]


def test_thresholds_ascend_within_range(rules):
    t = rules.thresholds
    assert len(t) == len(rules.tiers) - 1
    assert all(a < b for a, b in zip(t, t[1:]))
    assert t[0] > 0 and t[-1] < 10
    assert rules.default_tier in rules.tiers


# --------------------------------------------------------------------------- monotonicity


def _assert_not_lower(task, before: dict, after: dict):
    a, b = scoring.score(task, before), scoring.score(task, after)
    assert b.score >= a.score, (task, before, after, a.factors, b.factors)
    assert tier_index(b.tier) >= tier_index(a.tier), (task, before, after, a.tier, b.tier)


@PROPERTY
@given(task=texts, context=contexts, n=st.integers(0, 40), more=st.integers(1, 40), apis=names,
       api=st.sampled_from([*CONTEXT_NAMES, "Adyen", "Mapbox"]), api_count=st.integers(0, 6), subs=subsystems,
       sub=st.sampled_from([*SUBSYSTEM_NAMES, "mobile"]))
def test_more_signal_never_lowers_score_or_tier(task, context, n, more, apis, api, api_count, subs, sub):
    """More files, tests required, one more API or subsystem, security-critical: never a lower
    score or a cheaper tier (the key varied is set explicitly on both sides)."""
    changes = [
        ({"files_count": n}, {"files_count": n + more}),
        ({"requires_tests": False}, {"requires_tests": True}),
        ({"external_apis": apis}, {"external_apis": [*apis, api]}),
        ({"external_apis": api_count}, {"external_apis": api_count + 1}),
        ({"subsystems": subs}, {"subsystems": [*subs, sub]}),
        ({"security_critical": False}, {"security_critical": True}),
    ]
    for before, after in changes:
        _assert_not_lower(task, {**context, **before}, {**context, **after})


@pytest.mark.parametrize("extra", [
    {"security_critical": True},
    {"requires_tests": True},
    {"external_apis": ["Stripe"]},
    {"subsystems": ["auth"]},
    {"files_count": 12},
], ids=lambda e: next(iter(e)))
def test_a_complexity_signal_on_a_no_signal_prompt_never_lowers_the_tier(extra):
    """Telling the scorer a task is *more* complex must not drop it below the default tier.

    A no-signal prompt is lifted to `default_tier`; once the caller adds any context the
    lift is gone and the low raw score routes to the cheapest tier instead.
    """
    task = "hi, quick python question"
    plain = scoring.score(task)
    assert plain.no_signal
    richer = scoring.score(task, extra)
    assert richer.score >= plain.score
    assert tier_index(richer.tier) >= tier_index(plain.tier), (
        f"{task!r} + {extra}: {plain.tier} -> {richer.tier}")


# --------------------------------------------------------------------------- inference


def test_caller_files_count_wins_over_paths_in_text():
    task = "Update src/a.py, src/b.py, src/c.py, lib/d.ts and docs/e.md to the new config format"
    inferred = scoring.score(task)
    assert inferred.context["files_count"] == 5
    result = scoring.score(task, {"files_count": 1})
    assert result.context["files_count"] == 1
    assert result.factors["files"] <= inferred.factors["files"]


def test_caller_requires_tests_false_wins_over_test_words():
    task = "Fix the parser bug and add pytest unit tests for it"
    assert scoring.score(task).context["requires_tests"] is True
    result = scoring.score(task, {"requires_tests": False})
    assert result.context["requires_tests"] is False
    assert result.factors["tests"] == scoring.score("Fix the parser bug").factors["tests"]


def test_caller_lists_are_kept_as_given():
    task = "Wire Twilio SMS and Auth0 login into the checkout flow, cache sessions in redis"
    result = scoring.score(task, {"external_apis": ["Stripe"], "subsystems": ["billing"]})
    assert result.context["external_apis"] == ["Stripe"]
    assert result.context["subsystems"] == ["billing"]
    # the text's own matches are still reported as signals
    assert {"twilio", "auth0"} <= set(result.signals["external_apis"])


def test_caller_false_security_critical_is_kept():
    result = scoring.score("Harden the session cookie flags", {"security_critical": False})
    assert result.context["security_critical"] is False
    assert "security_critical" not in result.signals.get("keywords:high", [])
    marked = scoring.score("Harden the session cookie flags", {"security_critical": True})
    assert "security_critical" in marked.signals["keywords:high"]


def test_file_paths_inferred_from_text():
    task = "Move the retry logic from src/a.py into the scheduler/ package and update the Dockerfile"
    result = scoring.score(task)
    assert {"src/a.py", "scheduler/", "Dockerfile"} <= set(result.signals["files"])
    assert result.context["files_count"] == len(result.signals["files"])


@pytest.mark.parametrize("text", [
    "Node.js and Vue.js are both fine here",
    "see https://example.com/docs/setup.md for details",
    "e.g. a small change",
])
def test_non_paths_are_not_files(text):
    assert scoring.score(text).context["files_count"] == 0


def test_test_words_inferred():
    assert scoring.score("Add unit tests for the invoice totals").context["requires_tests"] is True
    assert scoring.score("Make the invoice totals round half up").context["requires_tests"] is False


def test_named_services_inferred():
    result = scoring.score("Charge cards with Stripe and sign users in with Auth0")
    assert {"stripe", "auth0"} <= set(result.context["external_apis"])
    assert result.factors["external_apis"] > scoring.score("Charge cards and sign users in").factors["external_apis"]


def test_subsystem_words_inferred(rules):
    groups = rules.data["factors"]["subsystems"]["groups"]
    words = ["postgres", "redis", "kafka", "login"]
    expected = {g for g, terms in groups.items() for w in words if w in terms}
    assert len(expected) == len(words), "each of these words names a subsystem group"
    result = scoring.score("Move login sessions from postgres to redis and publish changes to kafka")
    assert expected <= set(result.context["subsystems"])


TRACEBACK = """\
Traceback (most recent call last):
  File "/usr/lib/python3.11/site-packages/requests/api.py", line 59, in get
    return request("get", url, params=params, **kwargs)
  File "/usr/lib/python3.11/site-packages/requests/sessions.py", line 589, in request
    resp = self.send(prep, **send_kwargs)
  File "/usr/lib/python3.11/site-packages/urllib3/connectionpool.py", line 700, in urlopen
    raise ConnectionError(e)
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.example.com', port=443)
"""


def test_traceback_frames_are_not_counted_as_files():
    result = scoring.score("Getting this when I run the importer:\n" + TRACEBACK)
    assert result.context["files_count"] == 0
    assert "files" not in result.signals


def test_traceback_frames_excluded_but_prose_paths_kept():
    result = scoring.score("importer.py fails on every run:\n" + TRACEBACK + "\nit worked yesterday")
    assert result.signals["files"] == ["importer.py"]
    assert result.context["files_count"] == 1


# --------------------------------------------------------------------------- peer failure modes


def test_reasoning_markers_alone_do_not_force_a_high_tier(rules):
    """LiteLLM #37500: "hi, step by step, pros and cons" was billed at the top tier."""
    result = scoring.score("hi, step by step, pros and cons")
    assert tier_index(result.tier) <= rules.tiers.index("haiku")


@pytest.mark.parametrize("task", NO_SIGNAL_PROMPTS)
def test_no_signal_prompts_go_to_the_default_tier(task, rules):
    """LiteLLM #35050: prompts whose signals cancel went to the cheapest tier."""
    result = scoring.score(task)
    assert result.no_signal
    assert result.tier == rules.default_tier
    assert result.confidence == float(rules.data["confidence"]["no_signal"])


@pytest.mark.parametrize("default", ["sonnet", "gemini-flash", "opus"])
def test_configured_default_tier_moves_no_signal_prompts(tec_home, default):
    write_config(f'[routing]\ndefault_tier = "{default}"\n')
    for task in NO_SIGNAL_PROMPTS:
        assert scoring.score(task).tier == default, task


@pytest.mark.parametrize("task", HARD_NON_CODE)
def test_hard_non_code_prompts_never_go_to_the_cheapest_tier(task, rules):
    """LiteLLM #39226: proofs, legal, clinical and chemistry prompts scored 0."""
    result = scoring.score(task)
    assert result.tier != rules.tiers[0], (result.score, result.factors)
    assert not result.no_signal


def test_every_tier_is_reachable(rules):
    """LiteLLM #37910: the top bands were nearly unreachable."""
    with open(os.path.join(os.path.dirname(routing_rules.bundled_path()), "examples.jsonl"), encoding="utf-8") as fh:
        examples = [json.loads(line) for line in fh if line.strip()]
    seen = {scoring.score(e["text"], e.get("context")).tier for e in examples}
    seen |= {scoring.score(t).tier for t in REALISTIC}
    assert seen == set(rules.tiers)


# --------------------------------------------------------------------------- config overrides


@pytest.mark.parametrize(("thresholds", "needle"), [
    ("[5.5, 2.5, 8.0]", "ascend"),
    ("[2.5, 2.5, 8.0]", "ascend"),
    ("[2.5, 5.5]", "threshold"),
    ("[1.0, 2.5, 5.5, 8.0]", "threshold"),
    ("[0.0, 5.5, 8.0]", "(0, 10)"),
    ("[-1.0, 5.5, 8.0]", "(0, 10)"),
    ("[2.5, 5.5, 10.0]", "(0, 10)"),
    ("[2.5, 5.5, 12.0]", "(0, 10)"),
    ('["low", "mid", "high"]', "routing"),
    ("7", "routing"),
])
def test_bad_thresholds_are_config_errors(tec_home, thresholds, needle):
    write_config(f"[routing]\nthresholds = {thresholds}\n")
    with pytest.raises(ConfigError) as err:
        scoring.score("Add a retry to the HTTP client")
    assert needle in str(err.value)
    assert "threshold" in str(err.value) or "routing" in str(err.value)


@pytest.mark.parametrize("thresholds", ["[2.5, nan, 8.0]", "[nan, 5.5, 8.0]"])
def test_nan_thresholds_are_config_errors(tec_home, thresholds):
    """TOML allows `nan`; every comparison with NaN is false, so it slips past the range checks
    and silently makes a tier unreachable."""
    write_config(f"[routing]\nthresholds = {thresholds}\n")
    with pytest.raises(ConfigError, match="threshold"):
        scoring.score("Add a retry to the HTTP client")


def test_wrong_threshold_count_names_the_counts(tec_home, rules):
    write_config("[routing]\nthresholds = [2.5, 5.5]\n")
    with pytest.raises(ConfigError) as err:
        scoring.score("Add a retry to the HTTP client")
    assert str(len(rules.tiers) - 1) in err.value.message and "got 2" in err.value.message


def test_valid_threshold_override_changes_tiers(tec_home):
    task = "Add new API endpoint for user profile"
    before = scoring.score(task)
    write_config("[routing]\nthresholds = [0.5, 1.0, 1.5]\n")
    after = scoring.score(task)
    assert after.score == before.score
    assert before.tier != "opus" and after.tier == "opus"


def test_only_trivial_edits_and_lookups_go_below_the_default_tier():
    assert scoring.score("Fix typo in README").tier == "gemini-flash"
    assert scoring.score("what flag makes grep case insensitive").tier == "gemini-flash"
    for task in ("csv export breaks on commas", "jest tests for formatCurrency", "sry wrong file, go ahead"):
        assert scoring.score(task).tier == "haiku", task


def test_unknown_default_tier_is_a_config_error(tec_home):
    write_config('[routing]\ndefault_tier = "gpt-9"\n')
    with pytest.raises(ConfigError) as err:
        scoring.score("ok")
    assert "default_tier" in err.value.message and "gpt-9" in err.value.message


def test_routing_not_a_table_is_a_config_error(tec_home):
    write_config("routing = 5\n")
    with pytest.raises(ConfigError, match="routing"):
        scoring.score("ok")


def test_corrupt_toml_is_a_config_error(tec_home):
    write_config("[routing\nthresholds = [2.5,\n")
    with pytest.raises(ConfigError, match="TOML"):
        scoring.score("Add a retry to the HTTP client")


def test_keyword_term_list_override_changes_the_result(tec_home, rules):
    groups = rules.data["factors"]["keywords"]["groups"]
    group = max(groups, key=lambda g: float(groups[g]["points"]))
    assert float(groups[group]["points"]) > 0
    task = "Frobnicate the widget loader"
    before = scoring.score(task)
    write_config(f'[routing.factors.keywords.groups."{group}"]\nterms = ["frobnicate"]\n')
    after = scoring.score(task)
    assert after.signals[f"keywords:{group}"] == ["frobnicate"]
    assert after.factors["keywords"] > before.factors["keywords"]
    assert after.score >= before.score


def _toml_patterns(patterns: list[dict]) -> str:
    out = []
    for p in patterns:
        out.append("[[routing.factors.nature.patterns]]")
        out.extend(f"{k} = {json.dumps(v)}" for k, v in p.items() if v is not None)
    return "\n".join(out) + "\n"


def test_nature_points_override_changes_the_result(tec_home, rules):
    task = "Prove that every group of order 15 is cyclic."
    before = scoring.score(task)
    assert "reasoning" in before.nature
    patterns = [dict(p) for p in rules.data["factors"]["nature"]["patterns"]]
    for p in patterns:
        if p["name"] == "reasoning":
            p["points"] = float(p["points"]) + 2.0
    write_config(_toml_patterns(patterns))
    after = scoring.score(task)
    assert after.nature == before.nature
    assert after.factors["nature"] > before.factors["nature"]
    assert after.score > before.score


# --------------------------------------------------------------------------- input validation


@pytest.mark.parametrize("context", [
    {"file_count": 3},
    {"files_count": 3, "priority": "high"},
    {"files_count": -1},
    {"files_count": True},
    {"files_count": 2.0},
    {"files_count": "3"},
    {"external_apis": "Stripe"},
    {"external_apis": {"Stripe": 1}},
    {"external_apis": ["Stripe", 3]},
    {"external_apis": -2},
    {"subsystems": "auth"},
    {"subsystems": [None]},
    {"requires_tests": "yes"},
    {"requires_tests": 1},
    {"security_critical": "true"},
    ["files_count", 3],
    "files_count=3",
], ids=repr)
def test_bad_context_is_an_input_error(context):
    with pytest.raises(InputError):
        scoring.score("Add a retry to the HTTP client", context)


def test_unknown_context_key_is_named():
    with pytest.raises(InputError) as err:
        scoring.score("Add a retry to the HTTP client", {"file_count": 3})
    assert "file_count" in err.value.message


def test_none_context_values_are_ignored():
    task = "Update src/a.py and src/b.py and add tests for Stripe"
    plain = scoring.score(task)
    nones = scoring.score(task, dict.fromkeys(scoring.CONTEXT_KEYS))
    assert nones.context == plain.context
    assert nones.score == plain.score and nones.tier == plain.tier
    assert scoring.score("ok", {"files_count": None}).no_signal


@pytest.mark.parametrize("task", ["", " ", "\n\t  \n", None, 42])
def test_empty_or_non_text_task_is_an_input_error(task):
    with pytest.raises(InputError):
        scoring.score(task)


def test_a_megabyte_task_is_scored(rules):
    line = "2026-01-01 12:00:00 ERROR worker-3 connection reset by peer while reading the upstream body\n"
    task = "Why does the worker keep crashing? Here is the log:\n" + line * (1_000_000 // len(line) + 1)
    assert len(task) >= 1_000_000
    result = scoring.score(task)
    length = rules.data["factors"]["length"]
    assert result.factors["length"] == pytest.approx(
        min(float(length["max"]), max(float(y) for _, y in length["points"] + length["long_tail"])))
    assert 0 <= result.score <= 10
    assert result.tier in rules.tiers
    assert 0 <= result.confidence <= 1


def test_longer_text_never_scores_a_lower_length_factor():
    base = "Fix the pagination bug"
    short, long = scoring.score(base), scoring.score(base + " in the admin list view" * 10)
    assert long.factors["length"] >= short.factors["length"]


# --------------------------------------------------------------------------- cwd inspection


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "src" / "app.py").write_text("print('hi')\n")
    (root / "src" / "big.py").write_text("x = 1\n" * (scoring.BIG_FILE_BYTES // 6 + 10))
    (root / "src" / "small.py").write_text("y = 2\n")
    assert (root / "src" / "big.py").stat().st_size >= scoring.BIG_FILE_BYTES
    return root


def test_existing_mentioned_paths_are_found(repo):
    task = "Move helpers from src/app.py into src/util.py and document it in docs/"
    result = scoring.score(task, cwd=str(repo))
    assert result.signals["files_found"] == ["docs/", "src/app.py"]
    assert result.context["files_count"] == len(result.signals["files"])


def test_a_big_file_adds_to_files_count(repo):
    small = scoring.score("Refactor src/small.py and src/app.py", cwd=str(repo))
    big = scoring.score("Refactor src/big.py and src/app.py", cwd=str(repo))
    without = scoring.score("Refactor src/big.py and src/app.py")
    assert small.context["files_count"] == without.context["files_count"] == 2
    assert big.context["files_count"] == without.context["files_count"] + 1
    assert big.factors["files"] >= small.factors["files"]


def test_paths_escaping_the_root_are_never_found(repo, tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("s = 0\n" * (scoring.BIG_FILE_BYTES // 6 + 10))
    (outside / "other.py").write_text("o = 0\n")
    (repo / "src" / "link.py").symlink_to(outside / "secret.py")
    statted = []
    real_stat = os.stat

    def spy(path, *args, **kwargs):
        statted.append(os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(scoring.os, "stat", spy)
    task = (f"Compare ../outside/secret.py, ../../etc/passwd, {outside / 'other.py'} "
            f"and src/link.py with src/app.py")
    result = scoring.score(task, cwd=str(repo))
    monkeypatch.undo()
    assert result.signals["files_found"] == ["src/app.py"]
    assert result.context["files_count"] == len(result.signals["files"]), "no big-file bonus from outside"
    assert not [p for p in statted if p.startswith(str(outside)) or p.startswith("/etc")]


def test_a_missing_cwd_does_not_crash(tmp_path):
    result = scoring.score("Fix src/app.py", cwd=str(tmp_path / "does-not-exist"))
    assert result.signals.get("files_found", []) == []
    assert result.context["files_count"] == 1


def test_a_file_as_cwd_does_not_crash(repo):
    result = scoring.score("Fix src/app.py", cwd=str(repo / "src" / "app.py"))
    assert result.signals.get("files_found", []) == []


# --------------------------------------------------------------------------- confidence


@pytest.mark.parametrize("task", REALISTIC)
def test_confidence_in_range(task, rules):
    result = scoring.score(task)
    assert 0.0 <= result.confidence <= 1.0
    spec = rules.data["confidence"]
    assert float(spec["low"]) <= result.confidence <= float(spec["high"])


def test_confidence_grows_with_distance_from_a_threshold(rules):
    """Scores right at a boundary are the least certain."""
    t0, t1 = rules.thresholds[0], rules.thresholds[1]
    near = scoring._confidence(t0 + 0.001, rules.tiers[1], rules, False)
    far = scoring._confidence((t0 + t1) / 2, rules.tiers[1], rules, False)
    assert 0.0 <= near < far <= 1.0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=400)
       | st.lists(st.sampled_from(["```", "<!--", "-->", "Traceback (most recent call last):\n", "  File \"a.py\"\n",
                                   "TypeError: x", "`", "'", " says ", " to ", "8080", "\r\n", "src/", "a.py", "?",
                                   "refactor", "typo", ",", "10x", "rows"]), min_size=1, max_size=40).map("".join))
def test_any_text_scores_without_error(text):
    if not text.strip():
        with pytest.raises(InputError):
            scoring.score(text)
        return
    result = scoring.score(text)
    assert result.tier in routing_rules.load_rules().tiers
    assert 0.0 <= result.score <= 10.0


def test_module_names_count_as_files(rules):
    task = "fix the orders.service module and `django.db.models.query`; ignore `self.items`"
    paths = routing_text.Text(task, rules).paths
    assert paths == ["django.db.models.query", "orders.service"]
    assert scoring.score("refactor the billing.invoices module").context["files_count"] == 1


def test_repo_inspection_stops_at_its_time_cap(repo, monkeypatch):
    monkeypatch.setattr(scoring, "REPO_CHECK_SECONDS", -1.0)  # the cap has already passed
    result = scoring.score("Fix src/app.py and docs/", cwd=str(repo))
    assert result.signals["repo_timeout"] and result.signals.get("files_found", []) == []
