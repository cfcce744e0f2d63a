"""fastjson parses and writes what `json` does, without importing it on the happy path."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tec import fastjson

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_round_trips_like_json(value):
    text = fastjson.dumps(value)
    assert json.loads(text) == value
    assert fastjson.loads(text) == value
    assert fastjson.loads(" \n" + json.dumps(value, indent=2) + "\n ") == value


@pytest.mark.parametrize("bad", ["", "{bad", "[1,2", '{"a":1} x', "nul", '{"a": }', "NaN x"])
def test_errors_are_json_decode_errors(bad):
    with pytest.raises(json.JSONDecodeError):
        fastjson.loads(bad)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {1: "a"}, object()])
def test_refuses_what_json_cannot_hold(value):
    with pytest.raises((TypeError, ValueError)):
        fastjson.dumps(value)
