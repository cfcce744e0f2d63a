"""JSON for processes that start once per prompt.

Importing the `json` package pulls in `re` and `enum`, which on a typical machine
costs more than the whole interpreter start-up. The C accelerator `_json` that
`json` itself uses does the same work without them. Anything unusual (a parse
error, an interpreter without `_json`) falls back to `json` for its exact
behaviour and messages.
"""

try:
    from _json import encode_basestring_ascii as _quote
    from _json import make_scanner as _make_scanner
except ImportError:  # pragma: no cover - CPython always has _json
    _make_scanner = None

_WHITESPACE = " \t\n\r"


class _Options:
    """The settings `_json.make_scanner` reads: those of `json.loads` with no hooks."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}.__getitem__


_scan = _make_scanner(_Options()) if _make_scanner else None


def loads(text: str):
    """Parse one JSON document, like `json.loads` (which raises on any error)."""
    if _scan is not None:
        body = text.strip(_WHITESPACE)
        try:
            value, end = _scan(body, 0)
        except Exception:  # any failure: `json` parses it again and words the error
            end = -1
        if end == len(body):
            return value
    import json

    return json.loads(text)


def dumps(value) -> str:
    """Compact JSON for dicts, lists, strings, numbers, booleans and None (ASCII-safe)."""
    if _scan is None:
        import json

        return json.dumps(value, separators=(",", ":"))
    return "".join(_encode(value))


def _encode(value):
    if isinstance(value, str):
        yield _quote(value)
    elif value is None:
        yield "null"
    elif value is True:
        yield "true"
    elif value is False:
        yield "false"
    elif isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"cannot encode {value!r} as JSON")
        yield repr(value) if isinstance(value, float) else str(int(value))
    elif isinstance(value, dict):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            yield ("," if i else "") + _quote(key) + ":"
            yield from _encode(item)
        yield "}"
    elif isinstance(value, (list, tuple)):
        yield "["
        for i, item in enumerate(value):
            if i:
                yield ","
            yield from _encode(item)
        yield "]"
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")
