"""Complexity scoring: seven weighted factors, context inference, score → tier.

Two stages: `analyze` matches the text against the term lists once (the slow
part), `combine` turns what matched into points (cheap, so calibration can try
many weightings). Everything tunable lives in `data/routing.json`, deep-merged
with the `[routing]` table of the user config.

This runs in a hook process once per prompt, so it imports nothing that Python
does not load at start-up anyway: no `re` (it alone costs about half a bare
interpreter start), no `json` (see fastjson), only string methods and sets.
"""

import marshal
import math
import os
import sys
import time

from . import config, fastjson
from .errors import ConfigError, InputError

FACTORS = ("length", "keywords", "files", "tests", "external_apis", "subsystems", "nature")
CONTEXT_KEYS = ("files_count", "requires_tests", "external_apis", "subsystems", "security_critical")

# Tokens are runs of letters and digits: every ASCII character that is neither,
# and common typographic punctuation, becomes a space before splitting.
_SEPARATORS = str.maketrans(
    {c: " " for c in [chr(i) for i in range(128) if not chr(i).isalnum()] + list("—–‘’“”…→←·•")})
_TRACEBACK_HEAD = "Traceback (most recent call last):"
_QUOTES = "'\"`"
_PATH_STRIP = "`'\"()[]{}<>,;:!?*"

REPO_CHECK_SECONDS = 0.02
BIG_FILE_BYTES = 50_000


class Rules:
    """The routing data, validated, with term lists compiled for fast matching."""

    __slots__ = ("data", "thresholds", "tiers", "default_tier", "index", "natures", "structure")

    def __init__(self, data: dict, index: tuple | None = None) -> None:
        self.data = data
        self.tiers = list(data["tiers"])
        self.thresholds = [float(t) for t in data["thresholds"]]
        self.default_tier = data["default_tier"]
        _validate(self)
        f = data["factors"]
        self.natures = [(p["name"], bool(p.get("with")), p.get("max_chars")) for p in f["nature"]["patterns"]]
        self.structure = {k: frozenset(v) if isinstance(v, list) else v for k, v in data["structure"].items()}
        self.index = index or build_index(term_lists(f))

    def tier_for(self, score: float) -> str:
        for tier, limit in zip(self.tiers, self.thresholds):
            if score < limit:
                return tier
        return self.tiers[-1]


def _validate(rules: Rules) -> None:
    where = f"routing data (data/routing.json merged with [routing] in {config.config_path()})"
    t = rules.thresholds
    if len(t) != len(rules.tiers) - 1:
        raise ConfigError(f"{where}: {len(rules.tiers)} tiers need {len(rules.tiers) - 1} thresholds, got {len(t)}")
    if not (t[0] > 0 and all(a < b for a, b in zip(t, t[1:])) and t[-1] < 10):  # NaN fails too
        raise ConfigError(f"{where}: thresholds must ascend strictly within (0, 10), got {t}",
                          "e.g. thresholds = [2.5, 5.5, 8.0]")
    if rules.default_tier not in rules.tiers:
        raise ConfigError(f"{where}: default_tier {rules.default_tier!r} is not one of {rules.tiers}")


def term_lists(f: dict) -> dict[str, list[str]]:
    """Every term list of the factors, by a name `Text.match_all` reports hits under."""
    lists = {"tests": f["tests"]["terms"], "external_apis": f["external_apis"]["names"]}
    lists.update(("kw:" + name, group["terms"]) for name, group in f["keywords"]["groups"].items())
    lists.update(("sub:" + name, words) for name, words in f["subsystems"]["groups"].items())
    for p in f["nature"]["patterns"]:
        lists["nature:" + p["name"]] = p["terms"]
        if p.get("with"):
            lists["with:" + p["name"]] = p["with"]
    return lists


def build_index(lists: dict[str, list[str]]) -> tuple[dict, dict, tuple]:
    """One lookup for all term lists: single tokens and two-token phrases map to the
    lists they belong to (matched by one set intersection each); longer phrases are
    searched as substrings, only when their first two tokens occur. `@name` terms
    are markers that `Text` adds for structure.
    """
    words: dict[str, list[str]] = {}
    pairs: dict[str, list[str]] = {}
    longer = []
    for name, terms in lists.items():
        for term in terms:
            # Most terms are plain lowercase words: split them without the translate pass.
            plain = term.islower() and term.replace(" ", "").isalnum()
            toks = [term] if term.startswith("@") else term.split() if plain else tokenize(term.lower())
            if len(toks) == 1 and toks[0].isdigit() and toks[0] != term.strip():
                raise ValueError(f"term {term!r} in {name} would match every {toks[0]} in a text")
            if len(toks) == 1:
                words.setdefault(toks[0], []).append(name)
            elif len(toks) == 2:
                pairs.setdefault(" ".join(toks), []).append(name)
            elif toks:
                longer.append((" ".join(toks[:2]), " " + " ".join(toks) + " ", name))
    return words, pairs, tuple(longer)


_rules_cache: dict[str, object] = {}


def load_rules() -> Rules:
    """Bundled routing data merged with the user's `[routing]` overrides (cached)."""
    override = config.section("routing")
    key = repr(override)
    if _rules_cache.get("key") != key:
        try:
            _rules_cache["rules"] = Rules(*_stored_rules(override, key))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"routing override in {config.config_path()} is malformed: {exc!r}",
                              "compare it with the [routing] example in the README") from None
        _rules_cache["key"] = key
    return _rules_cache["rules"]  # type: ignore[return-value]


def _stored_rules(override: dict, key: str) -> tuple[dict, tuple]:
    """The merged routing data and its term index, kept in `$TEC_HOME` between processes:
    parsing and indexing take about as long as a hook's whole budget. Rebuilt when the
    bundled data, the override or the Python version change."""
    path = bundled_path()
    st = os.stat(path)
    stamp = (path, st.st_size, st.st_mtime_ns, key, sys.version)
    store = os.path.join(config.tec_home(), ".routing-cache.marshal")
    try:
        with open(store, "rb") as fh:
            stored_stamp, data, index = marshal.loads(fh.read())
        if stored_stamp == stamp:
            return data, index
    except (OSError, EOFError, ValueError, TypeError):
        pass
    with open(path, encoding="utf-8") as fh:
        data = config.deep_merge(fastjson.loads(fh.read()), override)
    index = build_index(term_lists(data["factors"]))
    try:  # noqa: SIM105 - contextlib would cost every hook process its imports
        config.write_atomic(store, marshal.dumps((stamp, data, index)))
    except (OSError, ValueError):  # ValueError: a value marshal cannot store
        pass
    return data, index


def bundled_path() -> str:
    return os.path.join(os.path.dirname(__file__), "data", "routing.json")


def tokenize(lowered: str) -> list[str]:
    return lowered.translate(_SEPARATORS).split()


def _strip_between(text: str, start: str, end: str) -> tuple[str, int]:
    """`text` without the `start`…`end` spans (an unclosed span runs to the end), and their size."""
    if start not in text:
        return text, 0
    kept, removed, pos = [], 0, 0
    while (i := text.find(start, pos)) >= 0:
        j = text.find(end, i + len(start))
        j = len(text) if j < 0 else j + len(end)
        kept.append(text[pos:i])
        removed += j - i
        pos = j
    kept.append(text[pos:])
    return " ".join(kept), removed


def _strip_tracebacks(text: str) -> tuple[str, int]:
    """Remove Python tracebacks: the header, its indented frame lines and the exception line."""
    if _TRACEBACK_HEAD not in text:
        return text, 0
    kept, removed, in_traceback = [], 0, False
    for line in text.split("\n"):
        if line.startswith(_TRACEBACK_HEAD) or (in_traceback and line[:1] in (" ", "\t")):
            in_traceback = True
            removed += len(line) + 1
        elif in_traceback:
            in_traceback = False
            removed += len(line) + 1
        else:
            kept.append(line)
    return "\n".join(kept), removed


def _paths(prose: str, structure: dict) -> list[str]:
    """Files, folders and modules the prose mentions (tracebacks excluded: their frames are library code)."""
    words = prose.split()
    found = set(structure["file_names"].intersection(words))
    for i, raw in [(i, w) for i, w in enumerate(words) if "." in w or "/" in w]:
        token = raw.strip(_PATH_STRIP).rstrip(".")
        if "//" in token or ("." not in token and "/" not in token):
            continue  # a URL, or a word that only ends a sentence
        following = words[i + 1].strip(",.;:").lower() if i + 1 < len(words) else ""
        if _is_file(token, structure) or _is_module(raw, token, following, structure):
            found.add(token)
    return sorted(found)


def _is_file(token: str, structure: dict) -> bool:
    """A known file name, a folder (`src/`), or a name with a known extension (not `node.js`)."""
    stem, _, ext = token.rpartition(".")
    return token in structure["file_names"] or (token.endswith("/") and len(token) > 2 and token[0].isalnum()) or (
        ext.lower() in structure["file_extensions"] and bool(stem) and stem[-1] not in "./"
        and ("/" in token or stem.lower() not in structure["not_files"]))


def _is_module(raw: str, token: str, following: str, structure: dict) -> bool:
    """A dotted name followed by "module" or "package", or a lowercase one with two dots or
    more in backticks (`django.db.models`, not `self.items`)."""
    if "." not in token or not all(part.isidentifier() for part in token.split(".")):
        return False
    return following in structure["module_words"] or (raw.startswith("`") and token.count(".") >= 2 and token.islower())


def _has_quantity(tokens: list[str], words: set, units: frozenset) -> bool:
    """A number with a unit of scale: "60k lines", "14 services", "10x"."""
    if any(w[:-1].isdigit() for w in words if w[-1] == "x"):
        return True
    return not units.isdisjoint(words) and any(  # "0042_customers" is a file name, not a count
        a[0].isdigit() and a[0] != "0" for a, b in zip(tokens, tokens[1:]) if b in units)


def _has_error_name(lowered: str, suffixes: frozenset) -> bool:
    """A word ending in one of `suffixes` but longer than it: TypeError, IOException."""
    for suffix in suffixes:
        i = lowered.find(suffix, 1)
        while i > 0:
            after = lowered[i + len(suffix): i + len(suffix) + 1]
            if lowered[i - 1].isalnum() and not after.isalnum():
                return True
            i = lowered.find(suffix, i + 1)
    return False


def _has_literal_edit(lowered: str, verbs: frozenset) -> bool:
    """ "change X to 8080", "rename `a` to `b`", "should be 'Y'": an edit whose new value is spelled out."""
    words = lowered.split()
    for i, word in enumerate(words):
        if word == "should" and words[i + 1:i + 2] == ["be"] and words[i + 2:i + 3] and words[i + 2][0] in _QUOTES:
            return True  # "... 'Paramétres', should be 'Paramètres'"
        if word.strip(_QUOTES + ",.:") not in verbs:
            continue
        for j in range(i + 1, min(i + 15, len(words) - 1)):
            if words[j] == "to":
                target = words[j + 1]
                if target[0] in _QUOTES or any(ch.isdigit() for ch in target):
                    return True
                break
    return False


def _quotes_shown_text(lowered: str, verbs: frozenset) -> bool:
    """ "the button says 'Sumbit'", "heading reads \"Pgae\"": a complaint about literal text."""
    words = lowered.split()
    return any(word in verbs and any(w[:1] in _QUOTES for w in words[i + 1:i + 4]) for i, word in enumerate(words))


def _markers(head: str, prose: str, lowered: str, tokens: list[str], structure: dict, code: bool) -> set[str]:
    """Structure seen in the text, as `@name` pseudo-terms the term lists can use."""
    found = {"@code"} if code else set()
    words = set(tokens)
    if (_TRACEBACK_HEAD in head or not structure["crash_words"].isdisjoint(words)
            or _has_error_name(head.lower(), structure["error_suffixes"])):
        found.add("@traceback")
    if prose.rstrip().endswith("?"):
        found.add("@question")
    if tokens and tokens[0] in structure["interrogatives"]:
        found.add("@interrogative")
    if _has_quantity(tokens, words, structure["quantity_units"]):
        found.add("@quantity")
    if lowered.count(",") + lowered.count(";") + lowered.count("\n- ") >= structure["list_separators"]:
        found.add("@list")
    if len(prose) <= structure["literal_edit_max_chars"]:
        if _has_literal_edit(lowered, structure["edit_verbs"]):
            found.add("@literal-edit")
        if _quotes_shown_text(lowered, structure["display_verbs"]):
            found.add("@shown-text")
    return found


class Text:
    """One task's text, normalised once: prose tokens, structure markers, paths, sizes."""

    __slots__ = ("chars", "words", "pairs", "joined", "prose_chars", "code_chars", "paths")

    def __init__(self, raw: str, rules: Rules) -> None:
        limit = int(rules.data["max_analyzed_chars"])
        self.chars = len(raw)
        if "\r" in raw:
            raw = raw.replace("\r\n", "\n")
        head = raw if len(raw) <= limit else raw[: limit * 3 // 4] + "\n" + raw[-limit // 4 :]
        head, comments = _strip_between(head, "<!--", "-->")  # issue-template boilerplate
        prose, code = _strip_between(head, "```", "```")
        prose, traceback = _strip_tracebacks(prose)
        self.code_chars = code + traceback + max(0, len(raw) - limit)
        self.prose_chars = max(0, len(raw) - self.code_chars - comments)
        lowered = prose.lower()
        tokens = tokenize(lowered)
        markers = _markers(head, prose, lowered, tokens, rules.structure, code > 0 or "`" in prose)
        self.words = frozenset(tokens).union(markers)
        self.joined = " " + " ".join(tokens) + " "
        self.pairs = frozenset(map(" ".join, zip(tokens, tokens[1:])))
        self.paths = _paths(prose, rules.structure)

    def first_position(self, hits: list[str]) -> int:
        """Where the earliest of `hits` occurs in the prose (markers count as the end)."""
        found = [self.joined.find(f" {h} ") for h in hits]
        return min((i for i in found if i >= 0), default=len(self.joined))

    def match_all(self, index: tuple[dict, dict, tuple]) -> dict[str, list[str]]:
        """Hits per term list: {list name: sorted matched terms}, lists without hits left out."""
        words, pairs, longer = index
        hits: dict[str, list[str]] = {}
        for table, present in ((words, self.words), (pairs, self.pairs)):
            for term in present.intersection(table):
                for name in table[term]:
                    hits.setdefault(name, []).append(term)
        for first, padded, name in longer:
            if first in self.pairs and padded in self.joined:
                hits.setdefault(name, []).append(padded.strip())
        for found in hits.values():
            found.sort()
        return hits


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
