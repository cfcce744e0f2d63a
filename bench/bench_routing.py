"""Routing quality against labelled data, with baselines measured in the same run.

    python bench/bench_routing.py          # shipped weights + 5-fold CV of the weight fit
    python bench/bench_routing.py --quick  # shipped weights only

Data: bench/data/prompts.jsonl (short Claude Code prompts, tier labels; the
development set), bench/data/prompts_blind.jsonl (written apart from the scorer
and never tuned on), and the SWE-bench Verified dev split (human time-to-fix
labels), read from ../shared/data at run time.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

import calibrate
from datasets import PROMPTS_BLIND, PROMPTS_DEV, read_jsonl, swebench_dev_path
from stats import roc_auc, spearman
from tec.routing import rules as routing_rules
from tec.routing import scoring

TARGETS = {"spearman": 0.30, "auc": 0.72, "exact": 0.85, "within_one": 0.98}


def tier_metrics(rules: routing_rules.Rules, prompts: list[dict]) -> dict:
    tiers = rules.tiers
    exact = within = 0
    for p in prompts:
        d = abs(tiers.index(scoring.score(p["text"], p.get("context"), rules=rules).tier) - tiers.index(p["tier"]))
        exact += d == 0
        within += d <= 1
    return {"exact": exact / len(prompts), "within_one": within / len(prompts)}


def swe_metrics(scores: list[float], labels: list[int]) -> dict:
    return {"spearman": spearman(scores, labels), "auc": roc_auc(scores, [lab >= 2 for lab in labels])}


def seed_style_score(text: str) -> float:
    """The original orchestrator's scorer as its page describes it (length buckets + keywords)."""
    low = text.lower()
    length = 1.0 if len(text) < 100 else 2.0 if len(text) <= 500 else 3.0
    high = any(w in low for w in ("architecture", "refactor", "security"))
    critical = any(w in low for w in ("migration", "performance", "optimization"))
    return min(10.0, length + (1.0 if high else 0.0) + (1.0 if critical else 0.0))


def row(name: str, m: dict) -> str:
    cells = ["" if k not in m else f"{m[k]:.1%}" if k in ("exact", "within_one") else f"{m[k]:.3f}"
             for k in ("exact", "within_one", "spearman", "auc")]
    return f"{name:44s}" + "".join(f"{c:>12s}" for c in cells)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the cross-validation (about a minute)")
    args = ap.parse_args()
    rules = routing_rules.load_rules()
    dev = read_jsonl(PROMPTS_DEV)
    blind = read_jsonl(PROMPTS_BLIND) if os.path.exists(PROMPTS_BLIND) else []
    swe = read_jsonl(swebench_dev_path())
    labels = [r["label_ordinal"] for r in swe]
    print(f"data: {len(dev)} dev prompts, {len(blind)} blind prompts, {len(swe)} SWE-bench dev rows\n")
    print(f"{'':44s}{'exact':>12s}{'within-one':>12s}{'SWE rho':>12s}{'SWE AUC':>12s}")
    shipped = {**tier_metrics(rules, dev),
               **swe_metrics([scoring.score(r["text"], rules=rules).score for r in swe], labels)}
    print(row("shipped weights, dev prompts (in-sample)", shipped))
    results = {"shipped": shipped}
    if blind:
        results["blind"] = tier_metrics(rules, blind)
        print(row("shipped weights, blind prompts", results["blind"]))
    if not args.quick:
        problem, base = calibrate.load_problem()
        results["cv"] = calibrate.cross_validate(problem, base)
        print(row("5-fold CV of the weight fit (dev + SWE)", results["cv"]))
    print("\nbaselines, same run:")
    always = {"exact": sum(p["tier"] == rules.default_tier for p in dev) / len(dev),
              "within_one": sum(abs(rules.tiers.index(p["tier"]) - rules.tiers.index(rules.default_tier)) <= 1
                                for p in dev) / len(dev)}
    print(row(f"always {rules.default_tier}, dev prompts", always))
    print(row("text length alone, SWE", swe_metrics([math.log1p(len(r["text"])) for r in swe], labels)))
    print(row("seed-style keyword scorer, SWE", swe_metrics([seed_style_score(r["text"]) for r in swe], labels)))
    honest = {**results.get("cv", shipped), **({"exact": results["blind"]["exact"],
                                                "within_one": results["blind"]["within_one"]} if blind else {})}
    print("\ntargets (cross-validated SWE, blind prompts when present, else CV):")
    failed = 0
    for key, target in TARGETS.items():
        ok = honest[key] >= target
        failed += not ok
        print(f"  {key:11s} {honest[key]:.3f}  target >= {target}  {'PASS' if ok else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
