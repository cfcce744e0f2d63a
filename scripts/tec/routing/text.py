"""One task's text, normalised once: prose tokens, structure markers, the files it names.

Runs in a hook process once per prompt: string methods and sets only, no `re`.
"""

# Tokens are runs of letters and digits: every ASCII character that is neither,
# and common typographic punctuation, becomes a space before splitting.
_SEPARATORS = str.maketrans(
    {c: " " for c in [chr(i) for i in range(128) if not chr(i).isalnum()] + list("—–‘’“”…→←·•")})
_TRACEBACK_HEAD = "Traceback (most recent call last):"
_QUOTES = "'\"`"
_PATH_STRIP = "`'\"()[]{}<>,;:!?*"


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

    def __init__(self, raw: str, rules) -> None:  # rules: a `rules.Rules`
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
