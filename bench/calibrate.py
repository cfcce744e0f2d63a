"""Fit the numeric weights of routing.json to labelled data, and cross-validate the fit.

The term lists stay as written; only numbers move (length curve, keyword group
points, step tables, nature points). The fit is a coordinate search that starts
from the seed's neutral weights (PRIOR), so the cross-validated numbers measure
the same procedure that produced the shipped weights.

    python bench/calibrate.py            # 5-fold CV report + fit on all dev data
    python bench/calibrate.py --write    # also write the fitted numbers to routing.json
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys

from datasets import PROMPTS_DEV, folds, read_jsonl, swebench_dev_path
from stats import roc_auc, spearman

os.environ.setdefault("TEC_CONFIG", os.devnull + ".absent")  # the bundled data only

from tec.routing import rules as routing_rules
from tec.routing import scoring

# Requirements that must keep holding whatever the fit finds (issue #2).
SCENARIOS = [
    ("Fix typo in variable name", None, "gemini-flash"),
    ("Add new API endpoint for user profile", {"files_count": 3, "requires_tests": True}, "haiku"),
    ("Add user authentication to API endpoint",
     {"files_count": 3, "requires_tests": True, "external_apis": ["Auth0"], "subsystems": ["api", "auth"]},
     "haiku"),
    ("Refactor authentication system to use OAuth2",
     {"files_count": 8, "requires_tests": True, "external_apis": ["OAuth2", "JWT"],
      "subsystems": ["auth", "api", "database"]}, "sonnet"),
    ("Add OAuth2 authentication flow with refresh tokens",
     {"files_count": 8, "requires_tests": True, "external_apis": ["OAuth2", "JWT"],
      "subsystems": ["auth", "api", "database"]}, "sonnet"),
    ("Design microservices architecture for scaling to 1M users", None, "opus"),
    ("hi, step by step, pros and cons", None, "haiku"),
    ("hi, quick python question", None, "haiku"),
    ("Prove that there are infinitely many primes of the form 4k+3", None, "sonnet"),
    ("Is this non-compete clause enforceable under California law? Give a legal analysis.", None, "sonnet"),
]
MARGIN = 0.2  # scenario scores must clear tier boundaries by this much
SHRINK = float(os.environ.get("TEC_FIT_SHRINK", "0.004"))  # pull toward the prior, per point moved


def _param_paths(data: dict) -> list[tuple[tuple, float, float]]:
    """(path into the routing data, low, high) for every fitted number."""
    f = data["factors"]
    paths = [(("trivial_score",), 0.0, 2.5)]
    paths += [(("factors", "length", "points", i, 1), 0.0, 3.0) for i in range(1, len(f["length"]["points"]))]
    paths += [(("factors", "keywords", "groups", g, "points"), 0.0, 2.5) for g in f["keywords"]["groups"]]
    paths += [(("factors", "keywords", "diminishing"), 0.0, 1.0), (("factors", "tests", "points"), 0.25, 1.5)]
    paths += [(("factors", "files", "steps", i, 1), 0.0, 2.0) for i in range(len(f["files"]["steps"]))]
    paths += [(("factors", "subsystems", "steps", i, 1), 0.0, 2.0) for i in range(len(f["subsystems"]["steps"]))]
    for i, pattern in enumerate(f["nature"]["patterns"]):
        paths.append((("factors", "nature", "patterns", i, "points"), -3.0, 6.0))
        paths += [(("factors", "nature", "patterns", i, key), 0.0, 1.0)
                  for key in ("keyword_scale", "difficulty_scale") if key in pattern]
    return paths


# The seed's weights as the neutral start: length 1/2/3 by size, keywords 1 per group,
# files 0.5/1.5/2, tests 1.5, subsystems 0.5/1.5/2, every nature 1.0 (no opinion).
def prior(data: dict) -> dict:
    d = copy.deepcopy(data)
    d["trivial_score"] = 1.25
    f = d["factors"]
    for point in f["length"]["points"][1:]:
        point[1] = 1.0 if point[0] < 100 else 2.0
    for group in f["keywords"]["groups"].values():
        group["points"] = 1.0
    f["keywords"]["diminishing"] = 0.5
    f["tests"]["points"] = 1.5
    for steps in (f["files"]["steps"], f["subsystems"]["steps"]):
        for step in steps:
            step[1] = 0.5 if step[0] <= 1 else 1.5 if step[0] < 5 else 2.0
    for pattern in f["nature"]["patterns"]:
        pattern["points"] = 1.0
        for key in ("keyword_scale", "difficulty_scale"):
            if key in pattern:
                pattern[key] = 1.0
    return d


def _get(data, path):
    for key in path:
        data = data[key]
    return data


def _set(data, path, value):
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


class Problem:
    """Features of every example, analysed once; weights are then varied cheaply."""

    def __init__(self, rules: routing_rules.Rules, prompts: list[dict], swe: list[dict]) -> None:
        self.rules = rules
        self.prompts = [(scoring.analyze(p["text"], p.get("context"), None, rules),
                         rules.tiers.index(p["tier"])) for p in prompts]
        self.swe = [(scoring.analyze(r["text"], None, None, rules), r["label_ordinal"]) for r in swe]
        self.scenarios = [(scoring.analyze(t, c, None, rules), rules.tiers.index(tier))
                          for t, c, tier in SCENARIOS]

    def metrics(self, p_idx=None, s_idx=None) -> dict:
        rules, tiers = self.rules, self.rules.tiers
        prompts = self.prompts if p_idx is None else [self.prompts[i] for i in p_idx]
        swe = self.swe if s_idx is None else [self.swe[i] for i in s_idx]
        exact = within = 0
        for feat, label in prompts:
            d = abs(tiers.index(scoring.finish(feat, rules).tier) - label)
            exact += d == 0
            within += d <= 1
        scores = [scoring.finish(feat, rules).score for feat, _ in swe]
        labels = [label for _, label in swe]
        return {"exact": exact / max(1, len(prompts)), "within_one": within / max(1, len(prompts)),
                "spearman": spearman(scores, labels) if swe else 0.0,
                "auc": roc_auc(scores, [lab >= 2 for lab in labels]) if swe else 0.5}

    def scenario_misses(self) -> float:
        """How far the required scenarios fall outside their tier (0 when all hold with margin)."""
        misses = 0.0
        edges = [-1.0, *self.rules.thresholds, 11.0]
        for feat, want in self.scenarios:
            s = scoring.finish(feat, self.rules)
            if s.no_signal and self.rules.tiers.index(s.tier) == want:
                continue
            misses += max(0.0, edges[want] + MARGIN - s.score) + max(0.0, s.score - edges[want + 1] + MARGIN)
        return misses

    def hinge(self, p_idx=None) -> float:
        """Mean distance of prompt scores outside their label's band (a smooth stand-in for accuracy)."""
        rules, edges = self.rules, [-1.0, *self.rules.thresholds, 11.0]
        prompts = self.prompts if p_idx is None else [self.prompts[i] for i in p_idx]
        loss = 0.0
        for feat, label in prompts:
            s = scoring.finish(feat, rules)
            if rules.tiers.index(s.tier) == label:
                continue
            loss += max(0.0, edges[label] + MARGIN - s.score) + max(0.0, s.score - edges[label + 1] + MARGIN)
        return loss / max(1, len(prompts))

    def objective(self, p_idx=None, s_idx=None) -> float:
        m = self.metrics(p_idx, s_idx)
        return (m["exact"] - self.hinge(p_idx) + 0.5 * m["spearman"] + 0.25 * m["auc"]
                - 100.0 * self.scenario_misses())


def fit(problem: Problem, start: dict, p_idx=None, s_idx=None, sweeps: int = 6) -> dict:
    """Coordinate search from `start`, penalising distance from it; returns the fitted data."""
    data = copy.deepcopy(start)
    problem.rules.data = data
    paths = _param_paths(data)
    origin = {path: _get(start, path) for path, _, _ in paths}

    def objective() -> float:
        moved = sum(abs(_get(data, path) - value) for path, value in origin.items())
        return problem.objective(p_idx, s_idx) - SHRINK * moved

    best = objective()
    for _ in range(sweeps):
        improved = False
        for path, lo, hi in paths:
            current = _get(data, path)
            bounds = _neighbour_bounds(data, path, lo, hi)
            for delta in (-1.0, -0.5, -0.25, 0.25, 0.5, 1.0):
                value = round(min(bounds[1], max(bounds[0], current + delta)) * 20) / 20
                if value == current:
                    continue
                _set(data, path, value)
                obj = objective()
                if obj > best + 1e-9:
                    best, current, improved = obj, value, True
                else:
                    _set(data, path, current)
        if not improved:
            break
    return data


def _neighbour_bounds(data, path, lo, hi):
    """Curves and step tables stay non-decreasing (monotone scores)."""
    if path[-1] == 1 and isinstance(path[-2], int):
        table = _get(data, path[:-2])
        i = path[-2]
        if i > 0:
            lo = max(lo, table[i - 1][1])
        if i + 1 < len(table):
            hi = min(hi, table[i + 1][1])
    return lo, hi


def cross_validate(problem: Problem, base: dict, k: int = 5) -> dict:
    p_folds, s_folds = folds(len(problem.prompts), k), folds(len(problem.swe), k)
    p_pred: dict[int, int] = {}
    s_pred: dict[int, float] = {}
    for i in range(k):
        p_train = [j for f in p_folds[:i] + p_folds[i + 1:] for j in f]
        s_train = [j for f in s_folds[:i] + s_folds[i + 1:] for j in f]
        problem.rules.data = fit(problem, prior(base), p_train, s_train)
        for j in p_folds[i]:
            p_pred[j] = problem.rules.tiers.index(scoring.finish(problem.prompts[j][0], problem.rules).tier)
        for j in s_folds[i]:
            s_pred[j] = scoring.finish(problem.swe[j][0], problem.rules).score
    labels = [lab for _, lab in problem.prompts]
    exact = sum(p_pred[j] == labels[j] for j in p_pred) / len(labels)
    within = sum(abs(p_pred[j] - labels[j]) <= 1 for j in p_pred) / len(labels)
    s_labels = [lab for _, lab in problem.swe]
    scores = [s_pred[j] for j in range(len(s_labels))]
    return {"exact": exact, "within_one": within, "spearman": spearman(scores, s_labels),
            "auc": roc_auc(scores, [lab >= 2 for lab in s_labels])}


def load_problem() -> tuple[Problem, dict]:
    rules = routing_rules.load_rules()
    base = copy.deepcopy(rules.data)
    return Problem(rules, read_jsonl(PROMPTS_DEV), read_jsonl(swebench_dev_path())), base


def _fmt(m: dict) -> str:
    return (f"exact {m['exact']:.1%}  within-one {m['within_one']:.1%}  "
            f"SWE spearman {m['spearman']:.3f}  AUC(>=1-4h) {m['auc']:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write the weights fitted on all dev data")
    ap.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    args = ap.parse_args()
    problem, base = load_problem()
    problem.rules.data = base
    print("shipped weights, in-sample:  ", _fmt(problem.metrics()))
    if not args.no_cv:
        print("5-fold CV of the fit:        ", _fmt(cross_validate(problem, base)))
    fitted = fit(problem, prior(base))
    problem.rules.data = fitted
    print("fit on all dev, in-sample:   ", _fmt(problem.metrics()),
          f" scenario shortfall {problem.scenario_misses():.2f}")
    if args.write:
        _write_numbers(fitted)
        print("wrote", routing_rules.bundled_path())


def _write_numbers(fitted: dict) -> None:
    """Replace only the fitted numbers in routing.json, keeping its layout."""
    path = routing_rules.bundled_path()
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    for p, _, _ in _param_paths(data):
        _set(data, p, _get(fitted, p))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from jsonfmt import dumps

    with open(path, "w", encoding="utf-8") as fh:
        fh.write(dumps(data) + "\n")


if __name__ == "__main__":
    main()
