"""Complexity scoring: seven weighted factors, context inference, score → tier.

Two stages: `analyze` matches the text against the term lists once (the slow
part), `combine` turns what matched into points (cheap, so calibration can try
many weightings). Everything tunable lives in `data/routing.json` (see `rules`).

This runs in a hook process once per prompt, so it imports nothing that Python
does not load at start-up anyway: no `re` (it alone costs about half a bare
interpreter start), no `json` (see fastjson), only string methods and sets.
"""

import math
import os
import time

from ..errors import InputError
from .rules import Rules, load_rules
from .text import Text

FACTORS = ("length", "keywords", "files", "tests", "external_apis", "subsystems", "nature")
CONTEXT_KEYS = ("files_count", "requires_tests", "external_apis", "subsystems", "security_critical")

REPO_CHECK_SECONDS = 0.02
BIG_FILE_BYTES = 50_000


class Features:
    """What `analyze` found; `combine` turns it into points."""

    __slots__ = ("effective_chars", "keyword_hits", "context", "natures", "signals", "text_silent",
                 "inferred_subsystems")

    def __init__(self, **kw) -> None:
        for key in self.__slots__:
            setattr(self, key, kw[key])


class Score:
    """A complexity score with its factors, the context it used and what it matched."""

    __slots__ = ("score", "tier", "factors", "confidence", "context", "signals", "nature", "no_signal")

    def __init__(self, **kw) -> None:
        for key in self.__slots__:
            setattr(self, key, kw[key])


def score(task: str, context: dict | None = None, cwd: str | None = None,
          rules: Rules | None = None) -> Score:
    """Score `task` 0–10. `context` values win over anything inferred from the text."""
    rules = rules or load_rules()
    return finish(analyze(task, context, cwd, rules), rules)


def analyze(task: str, context: dict | None, cwd: str | None, rules: Rules) -> Features:
    if not isinstance(task, str) or not task.strip():
        raise InputError("the task is empty", 'pass the task text, e.g. tec route "fix typo in README"')
    caller = _check_context(context)
    f = rules.data["factors"]
    text = Text(task, rules)
    hits = text.match_all(rules.index)
    signals: dict[str, list[str]] = {}
    inferred = _infer_context(text, hits, signals, cwd)
    used = {**inferred, **caller}
    keyword_hits = {name: hits.get("kw:" + name, []) for name in f["keywords"]["groups"]}
    natures = []
    for name, needs_with, max_chars in rules.natures:
        found = hits.get("nature:" + name)
        if not found or (needs_with and "with:" + name not in hits):
            continue
        if max_chars is not None and text.chars > int(max_chars):
            continue
        natures.append((text.first_position(found), name))
        signals["nature:" + name] = found
    natures = [name for _, name in sorted(natures)]
    text_silent = not any(signals.values()) and not any(keyword_hits.values())
    if used.get("security_critical"):
        keyword_hits["high"] = sorted({*keyword_hits["high"], "security_critical"})
    signals.update(("keywords:" + name, found) for name, found in keyword_hits.items())
    effective = text.prose_chars + float(f["length"]["code_weight"]) * text.code_chars
    return Features(effective_chars=effective, keyword_hits=keyword_hits,
                    context=used, natures=natures, text_silent=text_silent,
                    inferred_subsystems="subsystems" not in caller,
                    signals={k: v for k, v in signals.items() if v})


def combine(feat: Features, rules: Rules) -> tuple[dict, str, bool]:
    """Points per factor, the task nature that set the nature points, and whether that
    nature is an override (a trivial edit or quick lookup: evidence for a cheap tier)."""
    f = rules.data["factors"]
    used = feat.context
    kw = f["keywords"]
    nature, nature_points, keyword_scale, override = _nature_points(feat.natures, feat.keyword_hits, rules)
    keywords = keyword_scale * sum(float(kw["groups"][g]["points"]) * len(h) ** float(kw["diminishing"])
                                   for g, h in feat.keyword_hits.items() if h)
    size = math.log1p(feat.effective_chars)
    # The fitted curve covers prompts; a fixed tail keeps long reports ranked by length.
    curve = [(math.log1p(x), y) for x, y in f["length"]["points"] + f["length"]["long_tail"]]
    # In a long report (an issue, a pasted log) task words and the subsystems it names
    # mostly describe rather than scope the work: they fade to `scale`. Subsystems the
    # caller names never fade.
    long = f["long_text"]
    fade = 1.0 - (1.0 - float(long["scale"])) * interpolate(
        [(math.log1p(long["from_chars"]), 0.0), (math.log1p(long["to_chars"]), 1.0)], size)
    points = {
        "length": min(float(f["length"]["max"]), interpolate(curve, size)),
        "keywords": min(float(kw["max"]), keywords),
        "files": _step(f["files"]["steps"], int(used["files_count"])),
        "tests": float(f["tests"]["points"]) if used["requires_tests"] else 0.0,
        "external_apis": min(float(f["external_apis"]["max"]),
                             float(f["external_apis"]["each"]) * _count(used["external_apis"])),
        "subsystems": (fade if feat.inferred_subsystems else 1.0) * _step(f["subsystems"]["steps"],
                                                                          _count(used["subsystems"])),
        "nature": fade * nature_points,
    }
    return {k: round(points[k], 2) for k in FACTORS}, nature, override


def finish(feat: Features, rules: Rules) -> Score:
    points, nature, override = combine(feat, rules)
    total = round(min(10.0, max(0.0, sum(points.values()))), 2)
    tier = rules.tier_for(total)
    # Below the default tier only on evidence: a trivial edit or quick lookup named in
    # the text, or a score under `trivial_score`. Text with no signal is always floored,
    # so adding files or tests can raise a prompt but never lower its tier.
    below = rules.tiers.index(tier) < rules.tiers.index(rules.default_tier)
    evidence = override or (total < float(rules.data["trivial_score"]) and not feat.text_silent)
    if below and not evidence:
        tier = rules.default_tier
    return Score(score=total, tier=tier, factors=points, nature=nature, no_signal=feat.text_silent,
                 confidence=_confidence(total, tier, rules, feat.text_silent),
                 context=feat.context, signals=feat.signals)


def _nature_points(matched: list[str], keyword_hits: dict, rules: Rules) -> tuple[str, float, float, bool]:
    """The task's nature, its points, how much the keywords count for it, and whether an override decided.

    A length-limited override (a trivial edit, a quick lookup) decides alone unless a
    hard domain matched or one of the keyword groups it `yields_to` did (a trivial edit
    "in every file" is not one spot); its keywords mostly describe the text being
    edited, so they count less. Otherwise: the first-mentioned intent (fix, add, test,
    explain...) plus the hardest domain matched anywhere (design, incident...), both
    domain and keywords scaled by the intent's `difficulty_scale` (describing a hard
    thing, as docs and explanations do, is easier than building it).
    """
    spec = rules.data["factors"]["nature"]
    kinds = {p["name"]: p for p in spec["patterns"]}
    domains = [n for n in matched if kinds[n]["kind"] == "domain"]
    override = next((n for n in matched if kinds[n]["kind"] == "override"), None)
    if override and not domains and not any(keyword_hits.get(g) for g in kinds[override].get("yields_to", ())):
        return override, float(kinds[override]["points"]), float(kinds[override]["keyword_scale"]), True
    intent = next((n for n in matched if kinds[n]["kind"] == "intent"), None)
    domain = max(domains, key=lambda n: float(kinds[n]["points"]), default=None)
    points = float(kinds[intent]["points"]) if intent else float(spec["unknown"])
    scale = float(kinds[intent]["difficulty_scale"]) if intent else 1.0
    if domain:
        points += scale * float(kinds[domain]["points"])
    return "+".join(n for n in (intent, domain) if n) or "unknown", points, scale, False


def _check_context(context: dict | None) -> dict:
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise InputError("context must be an object", f"allowed keys: {', '.join(CONTEXT_KEYS)}")
    unknown = sorted(set(context) - set(CONTEXT_KEYS))
    if unknown:
        raise InputError(f"unknown context key(s): {', '.join(unknown)}", f"allowed: {', '.join(CONTEXT_KEYS)}")
    out = {k: v for k, v in context.items() if v is not None}
    if "files_count" in out and not _is_count(out["files_count"]):
        raise InputError("context files_count must be a whole number ≥ 0")
    for key in ("external_apis", "subsystems"):
        value = out.get(key)
        if value is not None and not _is_count(value) and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise InputError(f"context {key} must be a list of names (or a count)")
    for key in ("requires_tests", "security_critical"):
        if key in out and not isinstance(out[key], bool):
            raise InputError(f"context {key} must be true or false")
    return out


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _count(value) -> int:
    return value if isinstance(value, int) else len({v.lower() for v in value})


def _infer_context(text: Text, hits: dict, signals: dict, cwd: str | None) -> dict:
    signals["files"] = text.paths
    files = len(text.paths)
    if cwd and text.paths:
        files += _inspect_repo(cwd, text.paths, signals)
    signals["tests"] = hits.get("tests", [])
    signals["external_apis"] = hits.get("external_apis", [])
    subsystems = sorted(name[4:] for name in hits if name.startswith("sub:"))
    signals["subsystems"] = subsystems
    return {"files_count": files, "requires_tests": bool(signals["tests"]),
            "external_apis": signals["external_apis"], "subsystems": subsystems,
            "security_critical": False}


def _inspect_repo(cwd: str, paths: list[str], signals: dict) -> int:
    """Stat mentioned paths under `cwd` within a hard time cap; each big file counts once more."""
    deadline = time.perf_counter() + REPO_CHECK_SECONDS
    root = os.path.realpath(cwd)
    found, big = [], 0
    for rel in paths:
        if time.perf_counter() > deadline:
            signals["repo_timeout"] = ["stopped after 20 ms"]
            break
        full = os.path.realpath(os.path.join(root, rel))
        if not full.startswith(root + os.sep):
            continue
        try:
            size = os.stat(full).st_size
        except OSError:
            continue
        found.append(rel)
        big += size >= BIG_FILE_BYTES
    signals["files_found"] = found
    return big


def interpolate(points: list, x: float) -> float:
    """Piecewise-linear y at x through (x, y) points sorted by x; flat beyond the ends."""
    if x <= points[0][0]:
        return float(points[0][1])
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return float(points[-1][1])


def _step(steps: list, count: int) -> float:
    points = 0.0
    for threshold, value in steps:
        if count >= threshold:
            points = float(value)
    return points


def _confidence(total: float, tier: str, rules: Rules, no_signal: bool) -> float:
    spec = rules.data["confidence"]
    if no_signal:
        return float(spec["no_signal"])
    i = rules.tiers.index(tier)
    edges = rules.thresholds[max(0, i - 1): i + 1]
    margin = min(abs(total - e) for e in edges)
    low, high = float(spec["low"]), float(spec["high"])
    return round(low + (high - low) * min(1.0, margin / float(spec["margin_full"])), 2)
