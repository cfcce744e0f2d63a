"""Generated reference pages quote the data files and notice when they go stale."""

import json

import pytest

from tec import docs, registry, scoring
from tec.errors import TecError


def test_stale_or_missing_pages_are_reported_and_rewritten(tmp_path, monkeypatch):
    monkeypatch.setattr(docs, "ROOT", str(tmp_path))
    with pytest.raises(TecError, match="tec docs"):
        docs.write(check=True)
    assert docs.write() == ["references/routing.md"]
    assert docs.write(check=True) == []
    page = tmp_path / "references" / "routing.md"
    page.write_text(page.read_text().replace("claude-opus-5-5", "claude-opus-9"))
    with pytest.raises(TecError, match="stale"):
        docs.write(check=True)


def test_routing_page_quotes_the_data():
    page = docs.render_all()["references/routing.md"]
    with open(scoring.bundled_path()) as fh:
        data = json.load(fh)
    reg = registry.bundled_registry()
    for tier, threshold in zip(data["tiers"], data["thresholds"]):
        assert f"`{tier}` |" in page and f"{threshold}" in page
        assert f"`{reg.model_for_tier(tier)}`" in page
    for pattern in data["factors"]["nature"]["patterns"]:
        assert f"| {pattern['name']} | {pattern['kind']} | {pattern['points']} |" in page


def test_user_config_does_not_leak_into_generated_pages(tec_home):
    (tec_home / "config.toml").write_text('[tiers]\nopus = "claude-opus-4-8"\n[routing]\ndefault_tier = "opus"\n')
    page = docs.render_all()["references/routing.md"]
    assert "claude-opus-4-8" not in page and "below `haiku`" in page
