"""The routing data: `data/routing.json` deep-merged with the user's `[routing]` table,
validated, with its term lists compiled into one index for fast matching.

Parsing and indexing take about as long as a hook's whole budget, so the merged data
and index are kept between processes (`config.cached`).
"""


from .. import bundled, config, fastjson, vocabulary
from ..errors import ConfigError
from .text import tokenize


class Rules:
    """The routing data, validated, with term lists compiled for fast matching."""

    __slots__ = ("data", "thresholds", "tiers", "default_tier", "index", "natures", "structure")

    def __init__(self, data: dict, index: tuple | None = None) -> None:
        self.data = data
        self.tiers = vocabulary.tiers()
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
    """Bundled routing data merged with the user's `[routing]` overrides (cached). In a hook, a
    broken override gives the bundled rules (hooks never fail on config)."""
    override = config.section("routing")
    key = repr(override)
    if _rules_cache.get("key") != key:
        try:
            _rules_cache["rules"] = Rules(*_stored_rules(override, key))
        except (KeyError, TypeError, ValueError, AttributeError, ConfigError) as exc:
            if not config.lenient() or not override:
                if isinstance(exc, ConfigError):
                    raise
                raise ConfigError(f"routing override in {config.config_path()} is malformed: {exc!r}",
                                  "compare it with the [routing] example in the README") from None
            _rules_cache["rules"] = Rules(*_stored_rules({}, repr({})))
        _rules_cache["key"] = key
    return _rules_cache["rules"]  # type: ignore[return-value]


def _stored_rules(override: dict, key: str) -> tuple[dict, tuple]:
    """The merged routing data and its term index, rebuilt when the bundled data or the override change."""
    def build() -> tuple[dict, tuple]:
        with open(bundled_path(), encoding="utf-8") as fh:
            data = config.deep_merge(fastjson.loads(fh.read()), override)
        return data, build_index(term_lists(data["factors"]))

    return config.cached("routing", [bundled_path()], key, build)


def bundled_path() -> str:
    return bundled.path("routing.json")
