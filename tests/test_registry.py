"""Model registry: bundled table, config overrides, costs, LiteLLM import."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from helpers import write_config
from tec import vocabulary
from tec.cli.pricing import format_pricing
from tec.errors import ConfigError, InputError
from tec.litellm import import_litellm
from tec.registry import load_registry

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "litellm_sample.json")



# --------------------------------------------------------------------------- bundled table


def test_bundled_tiers_resolve_to_current_models():
    reg = load_registry()
    assert reg.date == "2026-11-25"
    assert reg.model_for_tier("haiku") == "claude-haiku-5-5"
    assert reg.model_for_tier("sonnet") == "claude-sonnet-5-5"
    assert reg.model_for_tier("opus") == "claude-opus-5-5"
    flash = reg.model_for_tier("gemini-flash")
    assert flash == "gemini-2.5-flash-lite"
    assert flash not in ("gemini-2.0-flash", "gemini-2.5-flash")
    assert reg.price(flash)["status"] == "current"
    assert reg.resolve("flash") == flash
    for target in reg.tiers.values():
        assert reg.is_priced(target)


def test_unknown_tier_lists_valid_ones():
    with pytest.raises(InputError) as exc:
        load_registry().model_for_tier("tiny")
    assert "tiny" in str(exc.value)
    for tier in ("gemini-flash", "haiku", "sonnet", "opus"):
        assert tier in str(exc.value)


def test_bundled_table_is_complete_and_consistent():
    reg = load_registry()
    assert reg.overlay is None
    for mid, entry in reg.models.items():
        for kind in vocabulary.PRICE_KINDS:
            assert entry[kind] >= 0, (mid, kind)
        assert entry["status"] in ("current", "legacy", "deprecated", "retired"), mid
        assert entry["provider"] in ("anthropic", "google"), mid
        if entry["provider"] == "google":
            # Gemini has no cache-write premium.
            assert entry["cache_write_5m"] == entry["input"] == entry["cache_write_1h"], mid
            assert entry["tokenizer_factor"] == 1.0
    for alias in reg.aliases:
        assert reg.is_priced(reg.resolve(alias)), alias
    assert reg.tokenizer_factor("claude-opus-4-7") == 1.3
    assert reg.tokenizer_factor("claude-haiku-5-5") == 1.3
    assert reg.tokenizer_factor("claude-opus-4-6") == 1.0
    assert reg.tokenizer_factor("claude-haiku-4-5") == 1.0
    assert reg.tokenizer_factor("gemini-2.5-flash-lite") == 1.0
    assert reg.tokenizer_factor("no-such-model") == 1.0
    assert reg.price("claude-3-5-haiku-20241022")["status"] == "retired"
    assert reg.price("claude-opus-4-1")["input"] == 15.0
    assert reg.price("claude-sonnet-4-5")["long_context"]["threshold_tokens"] == 200_000


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-opus-4-5-20251101", "claude-opus-4-5"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("anthropic/claude-sonnet-5-5", "claude-sonnet-5-5"),
        ("gemini/gemini-2.5-flash-lite", "gemini-2.5-flash-lite"),
        ("models/gemini-3.5-flash", "gemini-3.5-flash"),
        ("  Claude-Opus-5-5  ", "claude-opus-5-5"),
        ("claude-sonnet-4-6[1m]", "claude-sonnet-4-6"),
        ("HAIKU", "claude-haiku-5-5"),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku-20241022"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku-20241022"),
        ("gemini-2.0-flash-001", "gemini-2.0-flash"),
        # unknown: cleaned, otherwise unchanged (the date stays: its base is unknown)
        ("Claude-Unknown-9-20990101", "claude-unknown-9-20990101"),
        ("My-Model", "my-model"),
    ],
)
def test_resolve(name, expected):
    assert load_registry().resolve(name) == expected


# --------------------------------------------------------------------------- costs


def test_cost_sonnet_5_5_matches_hand_computation():
    tokens = {
        "input": 12_345,
        "output": 2_000,
        "cache_write_5m": 1_000,
        "cache_write_1h": 500,
        "cache_read": 100_000,
    }
    # 12345*2.00 + 2000*10.00 + 1000*2.50 + 500*4.00 + 100000*0.10 = 59190 per 1M
    expected = 59_190 / 1_000_000
    reg = load_registry()
    assert reg.cost("claude-sonnet-5-5", tokens) == pytest.approx(expected, abs=1e-12)
    assert reg.cost("sonnet", tokens) == pytest.approx(expected, abs=1e-12)


def test_thinking_is_priced_as_output_and_none_is_zero():
    reg = load_registry()
    split = reg.cost("gemini-2.5-flash-lite", {"output": 100, "thinking": 900, "input": None})
    whole = reg.cost("gemini-2.5-flash-lite", {"output": 1000})
    assert split == pytest.approx(whole) == pytest.approx(1000 * 0.40 / 1e6)
    assert reg.cost("claude-haiku-4-5", {}) == 0.0


def test_haiku_5_5_long_context_applies_to_every_token():
    reg = load_registry()
    below = {"input": 90_000, "cache_read": 10_000, "output": 1_000}
    assert reg.cost("haiku", below) == pytest.approx(
        (90_000 * 0.10 + 10_000 * 0.01 + 1_000 * 0.50) / 1e6
    )
    above = {"input": 90_000, "cache_read": 10_001, "output": 1_000}
    assert reg.cost("haiku", above) == pytest.approx(
        (90_000 * 0.50 + 10_001 * 0.05 + 1_000 * 2.50) / 1e6
    )
    # cache writes count toward the threshold too
    writes = {"input": 50_000, "cache_write_1h": 50_001, "output": 10}
    assert reg.cost("haiku", writes) == pytest.approx(
        (50_000 * 0.50 + 50_001 * 1.00 + 10 * 2.50) / 1e6
    )


def test_sonnet_4_5_long_context_above_200k():
    reg = load_registry()
    assert reg.cost("claude-sonnet-4-5-20250929", {"input": 200_001, "output": 100}) == (
        pytest.approx((200_001 * 6.00 + 100 * 22.50) / 1e6)
    )


def test_unknown_model_is_unpriced_never_zero(tec_home):
    reg = load_registry()
    assert reg.cost("claude-mystery-9", {"input": 1000, "output": 1000}) is None
    assert reg.price("claude-mystery-9") is None
    assert not reg.is_priced("claude-mystery-9")
    warnings: list = []
    assert reg.cost_or_warn("claude-mystery-9", {"input": 1}, warnings) is None
    assert reg.cost_or_warn("claude-mystery-9", {"input": 2}, warnings) is None
    assert len(warnings) == 1
    line = warnings[0]
    assert "claude-mystery-9" in line and "unpriced" in line
    assert "[prices]" in line and os.environ["TEC_CONFIG"] in line
    assert "tec pricing import" in line and "\n" not in line
    assert reg.cost_or_warn("haiku", {"input": 10}, warnings) == pytest.approx(1e-6)
    assert len(warnings) == 1


def test_bad_token_counts_raise_input_error():
    reg = load_registry()
    with pytest.raises(InputError, match="input_tokens"):
        reg.cost("haiku", {"input_tokens": 5})
    with pytest.raises(InputError, match="output"):
        reg.cost("haiku", {"output": -1})
    with pytest.raises(InputError):
        reg.cost("haiku", {"output": "12"})


# --------------------------------------------------------------------------- config layer


def test_config_tiers_and_prices_override(tec_home):
    write_config("""
[tiers]
haiku = "claude-haiku-4-5-20251001"
local = "my-local-model"

[prices."claude-sonnet-5-5"]
input = 2.5

[prices."My-Local-Model"]
input = 0.2
output = 0.8
""",
    )
    reg = load_registry()
    assert reg.model_for_tier("haiku") == "claude-haiku-4-5"
    assert reg.model_for_tier("local") == "my-local-model"
    assert reg.model_for_tier("sonnet") == "claude-sonnet-5-5"

    sonnet = reg.price("sonnet")
    assert sonnet["input"] == 2.5
    assert sonnet["output"] == 10.0  # untouched fields keep the bundled value
    assert sonnet["cache_read"] == 0.10

    local = reg.price("local")
    assert (local["input"], local["output"]) == (0.2, 0.8)
    assert local["cache_read"] == pytest.approx(0.2)  # unknown provider: no assumed discount
    assert local["status"] == "unknown"
    assert reg.cost("local", {"input": 1_000_000, "output": 1_000_000}) == pytest.approx(1.0)

    doc = reg.to_dict()
    assert doc["models"]["claude-sonnet-5-5"]["source"] == "config"
    assert doc["models"]["my-local-model"]["source"] == "config"
    assert doc["models"]["claude-opus-5-5"]["source"] == "bundled"
    assert doc["tiers"]["haiku"] == "claude-haiku-4-5"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('[prices."claude-sonnet-5-5"]\ninput = -1\n', "input = -1"),
        ('[prices."claude-sonnet-5-5"]\noutput = "cheap"\n', "output = 'cheap'"),
        ('[prices."claude-sonnet-5-5"]\nouput = 3\n', "ouput"),
        ('[prices."claude-sonnet-5-5"]\ninput = true\n', "input = True"),
        ('[prices."brand-new-model"]\ninput = 1.0\n', "output"),
        ('[prices."claude-sonnet-5-5".long_context]\nthreshold_tokens = -5\n', "threshold"),
        ("[tiers]\nhaiku = 3\n", "haiku = 3"),
        ('prices = "cheap"\n', "[prices]"),
    ],
)
def test_invalid_config_raises_config_error(tec_home, body, fragment):
    path = write_config(body)
    with pytest.raises(ConfigError) as exc:
        load_registry()
    text = str(exc.value)
    assert path in text
    assert fragment in text
    assert exc.value.hint


def test_registry_is_cached_until_config_changes(tec_home):
    first = load_registry()
    assert load_registry() is first
    write_config('[tiers]\nhaiku = "claude-haiku-4-5"\n')
    second = load_registry()
    assert second is not first
    assert second.model_for_tier("haiku") == "claude-haiku-4-5"


# --------------------------------------------------------------------------- LiteLLM import


def test_import_litellm_sample(tec_home):
    result = import_litellm(SAMPLE)
    overlay = os.path.join(str(tec_home), "prices.json")
    # 8 usable anthropic/gemini chat entries, two of them the same model (dated + base);
    # skipped: sample_spec, bedrock, vertex claude, vertex gemini, embedding, image, duplicate
    assert result == {
        "added": 7,
        "updated": 0,
        "unchanged": 0,
        "skipped": 7,
        "refused": [],
        "path": overlay,
    }
    with open(overlay, encoding="utf-8") as fh:
        doc = json.load(fh)
    assert doc["source"] == "litellm_sample.json"
    assert doc["imported_at"].endswith("Z")
    assert sorted(doc["models"]) == [
        "claude-3-haiku-20240307",
        "claude-fable-5-1",
        "claude-haiku-4-5",
        "claude-opus-5-5",
        "claude-sonnet-4-5",
        "gemini-2.5-flash-lite",
        "gemini-3.5-flash",
    ]
    sonnet = doc["models"]["claude-sonnet-4-5"]
    assert sonnet["input"] == 3.0 and sonnet["output"] == 15.0  # no float noise
    assert sonnet["cache_read"] == 0.3
    assert sonnet["long_context"] == {
        "threshold_tokens": 200_000,
        "input": 6.0,
        "output": 22.5,
        "cache_write_5m": 7.5,
        "cache_write_1h": 12.0,
        "cache_read": 0.6,
    }
    gemini = doc["models"]["gemini-3.5-flash"]
    assert gemini["provider"] == "google"
    assert gemini["cache_write_5m"] == gemini["input"] == 1.5
    assert gemini["long_context"]["threshold_tokens"] == 200_000
    assert gemini["long_context"]["output"] == 13.5


def test_overlay_is_used_by_load_registry(tec_home):
    import_litellm(SAMPLE)
    reg = load_registry()
    assert reg.overlay == os.path.join(str(tec_home), "prices.json")
    # the sample lists a different cache-read price for Opus 5.5: the overlay wins
    opus = reg.price("opus")
    assert opus["cache_read"] == 0.4
    assert opus["status"] == "current"  # fields LiteLLM lacks keep the bundled value
    assert reg.source("opus") == "imported"
    assert reg.source("claude-opus-5") == "bundled"
    fable = reg.price("claude-fable-5-1")
    assert (fable["input"], fable["output"]) == (10.0, 50.0)
    assert fable["cache_write_5m"] == 12.5 and fable["cache_read"] == 1.0
    assert fable["status"] == "unknown"
    assert reg.tokenizer_factor("claude-fable-5-1") == 1.3
    assert reg.cost("claude-3-haiku-20240307", {"input": 1_000_000}) == pytest.approx(0.25)
    assert reg.to_dict()["models"]["claude-fable-5-1"]["source"] == "imported"
    # config still beats the overlay
    write_config('[prices."claude-opus-5-5"]\ncache_read = 0.2\n')
    assert load_registry().price("opus")["cache_read"] == 0.2


def test_second_import_is_idempotent(tec_home):
    import_litellm(SAMPLE)
    overlay = os.path.join(str(tec_home), "prices.json")
    with open(overlay, encoding="utf-8") as fh:
        before = json.load(fh)["models"]
    again = import_litellm(SAMPLE)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 7)
    assert again["skipped"] == 7
    with open(overlay, encoding="utf-8") as fh:
        assert json.load(fh)["models"] == before


def test_import_updates_changed_and_keeps_others(tec_home, tmp_path):
    import_litellm(SAMPLE)
    with open(SAMPLE, encoding="utf-8") as fh:
        data = json.load(fh)
    data["claude-opus-5-5"]["cache_read_input_token_cost"] = 2e-07
    del data["anthropic/claude-fable-5-1"]
    changed = tmp_path / "model_prices_and_context_window.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    result = import_litellm(str(changed))
    assert (result["added"], result["updated"], result["unchanged"]) == (0, 1, 5)
    reg = load_registry()
    assert reg.price("opus")["cache_read"] == 0.2
    assert reg.is_priced("claude-fable-5-1")  # kept from the first import


def test_import_refuses_unbelievable_prices_and_keeps_the_rest(tec_home, tmp_path):
    with open(SAMPLE, encoding="utf-8") as fh:
        data = json.load(fh)
    data["claude-opus-5-5"]["input_cost_per_token"] = 1e300
    data["claude-sonnet-4-5"]["output_cost_per_token"] = -1e-6
    changed = tmp_path / "model_prices_and_context_window.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    result = import_litellm(str(changed))
    assert sorted(result["refused"]) == ["claude-opus-5-5", "claude-sonnet-4-5"]
    reg = load_registry()
    assert reg.sources["claude-opus-5-5"] == "bundled"  # not overwritten by the absurd price
    assert reg.price("opus")["input"] < 1000


@pytest.mark.parametrize("content", ["{}", '{"gpt-9": {"litellm_provider": "openai", "mode": "chat"}}',
                                     '{"claude-x": {"litellm_provider": "anthropic", "mode": "chat", '
                                     '"input_cost_per_token": 1e300, "output_cost_per_token": 1}}'])
def test_import_with_nothing_usable_is_an_error_and_writes_nothing(tec_home, tmp_path, content):
    source = tmp_path / "prices.json"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match="nothing imported"):
        import_litellm(str(source))
    assert not (tec_home / "prices.json").exists()


def test_config_price_out_of_range_names_the_limit(tec_home):
    write_config('[prices."claude-x"]\ninput = 1e300\noutput = 1\n')
    with pytest.raises(ConfigError, match="from 0 to 10,000"):
        load_registry()


def test_import_missing_file_raises_input_error(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(InputError) as exc:
        import_litellm(str(missing))
    assert str(missing) in str(exc.value)
    assert exc.value.hint


@pytest.mark.parametrize("content", ["{not json", "[1, 2, 3]", "\u00ff\u00fe".encode("latin-1")])
def test_import_bad_content_raises_input_error(tmp_path, content):
    bad = tmp_path / "prices.json"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_litellm(str(bad))
    assert str(bad) in str(exc.value)


def test_corrupt_overlay_is_a_config_error(tec_home):
    overlay = tec_home / "prices.json"
    overlay.write_text('{"models": {"claude-x": {"input": -2, "output": 1}}}', encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_registry()
    assert str(overlay) in str(exc.value) and "input = -2" in str(exc.value)
    overlay.write_text("garbage", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        import_litellm(SAMPLE)


def test_import_into_empty_home_creates_overlay(tec_home):
    shutil.rmtree(tec_home)
    result = import_litellm(SAMPLE)
    assert os.path.exists(result["path"])


# --------------------------------------------------------------------------- output


def test_to_dict_is_documented_json():
    doc = load_registry().to_dict()
    assert set(doc) >= {"date", "tiers", "models", "overlay"}
    assert doc["overlay"] is None
    assert doc["date"] == "2026-11-25"
    haiku = doc["models"]["claude-haiku-5-5"]
    assert haiku["source"] == "bundled"
    assert haiku["long_context"]["threshold_tokens"] == 100_000
    assert json.loads(json.dumps(doc)) == doc


def test_format_pricing_table():
    reg = load_registry()
    text = format_pricing(reg)
    lines = text.splitlines()
    assert "2026-11-25" in lines[0]
    for mid in reg.models:
        assert mid in text
    haiku_row = next(line for line in lines if " claude-haiku-5-5 " in line)
    assert haiku_row.startswith("haiku")
    assert "0.10" in haiku_row and "0.50" in haiku_row and "current" in haiku_row
    flash_row = next(line for line in lines if " gemini-2.5-flash-lite " in line)
    assert flash_row.startswith("gemini-flash")
    assert any("prompt > 100k" in line for line in lines)
