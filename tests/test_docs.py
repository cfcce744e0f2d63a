"""Generated reference pages quote the data files and notice when they go stale; SKILL.md is a valid,
small skill whose scripts exist and whose numbers all live in the generated references."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tec import config, registry, vocabulary
from tec.cli import docs
from tec.costs import budgets
from tec.costs.entries import COLUMNS, DEFAULT_BASELINE
from tec.errors import TecError
from tec.routing import recommend, scoring
from tec.routing import rules as routing_rules
from tec.run import blocks as edits
from tec.run import secrets, syntax, validation

ROOT = docs.ROOT
SKILL = os.path.join(ROOT, "SKILL.md")
SCRIPT_PATTERN = "Bash(${CLAUDE_SKILL_DIR}/scripts/%s *)"
BODY_LIMIT = 4000
REFERENCE_LIMIT = 12000
PRICE_COLUMNS = {"$/1M in": "input", "$/1M out": "output", "$/1M cache write 5m": "cache_write_5m",
                 "$/1M cache write 1h": "cache_write_1h", "$/1M cache read": "cache_read"}


# --------------------------------------------------------------------------- helpers


def read_skill() -> tuple[dict, str]:
    """(frontmatter, body) of SKILL.md; the frontmatter as the subset of YAML it uses
    (`key: value` and `key:` followed by `  - item` lines)."""
    with open(SKILL, encoding="utf-8") as fh:
        text = fh.read()
    match = re.match(r"---\n(.*?)\n---\n(.*)\Z", text, re.DOTALL)
    assert match, "SKILL.md must start with a --- frontmatter block"
    return parse_frontmatter(match.group(1)), match.group(2)


def parse_frontmatter(block: str) -> dict:
    meta: dict = {}
    key = None
    for line in block.splitlines():
        item = re.match(r"\s+- (.+)$", line)
        if item and key is not None and isinstance(meta[key], list):
            meta[key].append(item.group(1).strip())
            continue
        pair = re.match(r"([A-Za-z_-]+):\s*(.*)$", line)
        assert pair, f"unexpected frontmatter line: {line!r}"
        key, value = pair.group(1), pair.group(2).strip()
        assert key not in meta, f"duplicate frontmatter key {key}"
        meta[key] = value if value else []
    return meta


def invoked_scripts(body: str) -> set[str]:
    return set(re.findall(r"\$\{CLAUDE_SKILL_DIR\}/scripts/([\w-]+\.py)", body))


def linked_references(body: str) -> set[str]:
    return set(re.findall(r"\]\((references/[\w.-]+\.md)\)", body))


def tables(page: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every markdown table of a page: (header cells, row cells); `\\|` inside a cell is kept."""
    out = []
    lines = page.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"\|(-+\|)+$", lines[i + 1]):
            header = cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(cells(lines[i]))
                i += 1
            out.append((header, rows))
        else:
            i += 1
    return out


def cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def price_cells(page: str) -> list[tuple[str, str | None, str, str]]:
    """(model id, long-context threshold cell or None, price kind, cell text) for every price cell
    of every table that has `$/1M` columns."""
    found = []
    for header, rows in tables(page):
        kinds = {i: PRICE_COLUMNS[h] for i, h in enumerate(header) if h in PRICE_COLUMNS}
        unknown = [h for h in header if h.startswith("$/1M") and h not in PRICE_COLUMNS]
        assert not unknown, f"price column(s) the test cannot check: {unknown}"
        if not kinds:
            continue
        model_col = next(i for i, h in enumerate(header) if h in ("model", "default model"))
        above = next((i for i, h in enumerate(header) if h.startswith("above")), None)
        for row in rows:
            model = row[model_col].strip("`")
            for i, kind in kinds.items():
                found.append((model, row[above] if above is not None else None, kind, row[i]))
    return found


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return docs.render_all()


# --------------------------------------------------------------------------- generation


def test_stale_or_missing_pages_are_reported_and_rewritten(tmp_path, monkeypatch):
    monkeypatch.setattr(docs, "ROOT", str(tmp_path))
    with pytest.raises(TecError, match="tec docs"):
        docs.write(check=True)
    assert docs.write() == list(docs.PAGES)
    assert docs.write(check=True) == []
    for path in docs.PAGES:
        page = tmp_path / path
        original = page.read_text()
        page.write_text(original + "\nedited by hand\n")
        with pytest.raises(TecError, match=re.escape(path)):
            docs.write(check=True)
        page.write_text(original)
    assert docs.write(check=True) == []


def test_committed_references_are_up_to_date():
    # Fails when a data file, a constant or a template changed without `tec docs` being run.
    # check=True only compares: a test never rewrites the checkout.
    try:
        docs.write(check=True)
    except TecError as exc:
        pytest.fail(str(exc))


def test_user_config_does_not_leak_into_generated_pages(tec_home, pages):
    (tec_home / "config.toml").write_text(
        '[tiers]\nopus = "claude-opus-4-8"\n[routing]\ndefault_tier = "opus"\nthresholds = [1.0, 2.0, 3.0]\n'
        '[prices."claude-haiku-5-5"]\ninput = 9.99\n[ledger]\nbaseline = "sonnet"\nstore_prompts = true\n'
        '[budgets]\ndaily = 1.0\nwarn_at = 0.5\naction = "refuse"\n'
        '[execution]\ntop_tier = "sonnet"\ntimeout_s = 7\n[edit]\nmax_bytes = 10\n[validate]\nmodel = "opus"\n'
        '[hooks]\nmode = "strict"\n')
    assert docs.render_all() == pages
    assert "below `haiku`" in pages["references/routing.md"]


def test_every_page_is_small_enough_for_a_reference(pages):
    for path, text in pages.items():
        assert len(text) < REFERENCE_LIMIT, f"{path} is {len(text)} characters"


# --------------------------------------------------------------------------- pages quote the data


def test_routing_page_quotes_the_data(pages):
    page = pages["references/routing.md"]
    with open(routing_rules.bundled_path()) as fh:
        data = json.load(fh)
    reg = registry.bundled_registry()
    for tier, threshold in zip(vocabulary.tiers(), data["thresholds"]):
        assert f"`{tier}` |" in page and f"{threshold}" in page
        assert f"`{reg.model_for_tier(tier)}`" in page
    for pattern in data["factors"]["nature"]["patterns"]:
        assert f"| {pattern['name']} | {pattern['kind']} | {pattern['points']} |" in page
    for heading in ("## Decision process", "## Context hints", "## Common scenarios", "## Cost-optimisation patterns"):
        assert heading in page
    for key in scoring.CONTEXT_KEYS:
        assert f"`{key}`" in page


def test_scenarios_are_the_router_s_answers(pages):
    rules, reg = docs.bundled_rules(), registry.bundled_registry()
    rows = {row[0]: row for header, rows in tables(pages["references/routing.md"]) if header[0] == "task"
            for row in rows}
    with open(os.path.join(ROOT, "scripts", "tec", "data", "examples.jsonl")) as fh:
        examples = [json.loads(line) for line in fh if line.strip()]
    assert len(rows) == len(examples)
    for example in examples:
        rec = recommend.route(example["text"], example.get("context"), None, rules, reg).to_dict()
        row = rows[example["text"]]
        assert float(row[2]) == rec["complexity_score"] and row[3] == f"`{rec['model']}`"
        assert float(row[4]) == rec["estimated_cost"]["usd"]
        assert float(row[5]) == rec["estimated_cost"]["top_tier"]["usd"]


def test_every_price_in_a_reference_is_the_registry_s(pages):
    reg = registry.bundled_registry()
    checked: dict[str, set] = {}
    for path, page in pages.items():
        for model, above, kind, cell in price_cells(page):
            assert model in reg.models, f"{path}: {model} is not in the registry"
            rates = reg.models[model]
            if above is not None:
                rates = rates["long_context"]
                assert int(above) == rates["threshold_tokens"], f"{path}: {model} long-context threshold"
            expected = rates.get(kind)
            if expected is None:
                assert cell == "–", f"{path}: {model} {kind} is unpriced, the page says {cell}"
            else:
                assert float(cell) == pytest.approx(expected, rel=0, abs=1e-12), f"{path}: {model} {kind}: {cell}"
            checked.setdefault(model + (" (long context)" if above else ""), set()).add(kind)
    # the dated table lists every model, with every price kind, and each long-context tier
    for model, entry in reg.models.items():
        assert checked.get(model) == set(vocabulary.PRICE_KINDS), f"{model} is missing from the price table"
        if entry.get("long_context"):
            assert checked.get(model + " (long context)") == set(vocabulary.PRICE_KINDS)
    assert reg.date in pages["references/costs-and-budgets.md"]


def test_no_dollar_amounts_outside_the_price_tables(pages):
    for path, page in pages.items():
        assert not re.search(r"\$\s?\d", page), f"{path} quotes a dollar amount outside a table column"


def test_execution_page_quotes_the_data(pages):
    page = pages["references/execution-and-edits.md"]
    data = {name: config.defaults(name) for name in ("execution", "edit", "validate")}
    for key, value in {**data["execution"], **data["edit"]}.items():
        assert f"| `{key}` | `{json.dumps(value)}` |" in page, key
    for kind in data["execution"]["escalate_on"]:
        assert f"| `{kind}` |" in page
    assert edits.EDIT_FORMAT in page
    for pattern in (*secrets.SECRET_NAME_PATTERNS, *secrets.SECRET_NAME_EXCEPTIONS):
        assert f"`{pattern}`" in page
    for directory in secrets.SECRET_DIRS:
        assert f"`{directory}/`" in page
    for code in ("0", "1", "2", "3"):
        assert f"\n| {code} |" in page


def test_validation_page_quotes_the_data(pages):
    page = pages["references/validation.md"]
    assert json.dumps(validation.VERDICT_SCHEMA, indent=2) in page
    for field in validation.VERDICT_SCHEMA["properties"]:
        assert f"| `{field}` |" in page
    for ext in syntax.LANGUAGES:
        assert f"`{ext}`" in page
    assert f"`{config.defaults('validate')['model']}`" in page


def test_costs_page_quotes_the_data(pages):
    page = pages["references/costs-and-budgets.md"]
    for column in COLUMNS:
        assert f"| `{column}` |" in page
    for name in (*budgets.PERIODS, *config.table()["budgets"]["action"]["allowed"]):
        assert f"`{name}`" in page
    assert f"default {config.defaults('budgets')['warn_at']}" in page
    assert f"default `{DEFAULT_BASELINE}`" in page
    assert "tec.costs/1" in page


def test_configuration_page_has_every_table_and_default(pages):
    page = pages["references/configuration-and-hooks.md"]
    for table in ("routing", "tiers", 'prices."MODEL_ID"', "ledger", "budgets", "execution", "edit", "validate",
                  "hooks"):
        assert f"`[{table}]`" in page, table
    data = {name: config.defaults(name) for name in ("execution", "edit", "validate")}
    for table in ("execution", "edit", "validate"):
        for key, value in data[table].items():
            assert f"| `[{table}]` | `{key}` | `{json.dumps(value)}` |" in page, (table, key)
    for key, value in config.defaults("hooks").items():
        assert f"{key} = {json.dumps(value)}" in page
    for tier, model in registry.bundled_registry().tiers.items():
        assert f'{tier} = "{model}"' in page
    assert f'baseline = "{DEFAULT_BASELINE}"' in page
    assert f"warn_at = {config.defaults('budgets')['warn_at']}" in page


# --------------------------------------------------------------------------- SKILL.md


def test_skill_frontmatter_is_valid():
    meta, _ = read_skill()
    name = meta.get("name")
    assert name == "token-efficient-coding"
    assert re.fullmatch(r"[a-z0-9-]+", name) and len(name) <= 64
    assert not name.startswith("-") and not name.endswith("-") and "--" not in name
    description = meta.get("description")
    assert isinstance(description, str) and 0 < len(description) < 300
    assert "<" not in description and ">" not in description
    assert set(meta) <= {"name", "description", "allowed-tools", "license", "compatibility", "metadata"}


def test_allowed_tools_are_exactly_the_scripts_the_body_runs():
    meta, body = read_skill()
    allowed = meta.get("allowed-tools")
    assert isinstance(allowed, list) and len(allowed) == len(set(allowed))
    scripts = invoked_scripts(body)
    assert scripts, "the body runs no script"
    assert sorted(allowed) == sorted(SCRIPT_PATTERN % name for name in scripts)


@pytest.mark.parametrize("name", sorted(invoked_scripts(read_skill()[1])))
def test_each_script_exists_is_executable_and_runs(name):
    path = os.path.join(ROOT, "scripts", name)
    assert os.path.isfile(path), f"SKILL.md names scripts/{name}, which does not exist"
    assert os.access(path, os.X_OK), f"scripts/{name} is not executable"
    with open(path, encoding="utf-8") as fh:
        assert fh.readline() == "#!/usr/bin/env python3\n"
    command = name.removesuffix(".py").replace("route_task", "route")
    run = subprocess.run([sys.executable, path, "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"usage: tec {command}")


def test_skill_body_is_short_and_runs_scripts_directly():
    _, body = read_skill()
    assert len(body) < BODY_LIMIT, f"SKILL.md body is {len(body)} characters"
    assert not re.search(r"python3?\s+\S*scripts/", body), "run the scripts directly, not through python"
    assert not re.search(r"(?<!\$\{CLAUDE_SKILL_DIR\}/)\bscripts/[\w-]+\.py", body), \
        "name scripts as ${CLAUDE_SKILL_DIR}/scripts/... so allowed-tools matches"


def test_skill_body_quotes_no_prices_or_model_ids():
    _, body = read_skill()
    reg = registry.bundled_registry()
    assert not re.search(r"\$\s?\d|per 1M|/1M", body), "prices belong in the references"
    for model in reg.models:
        assert model not in body, f"model id {model} belongs in the references"
    for threshold in docs.bundled_rules().thresholds:
        assert not re.search(rf"(?<![\w.]){re.escape(str(threshold))}(?![\w.])", body), f"threshold {threshold}"


def test_every_reference_is_linked_and_exists():
    _, body = read_skill()
    links = linked_references(body)
    assert links == set(docs.PAGES), "SKILL.md must link each generated reference, and only those that exist"
    for link in links:
        assert os.path.isfile(os.path.join(ROOT, link)), f"{link} is linked but missing"
        with open(os.path.join(ROOT, link), encoding="utf-8") as fh:
            assert len(fh.read()) < REFERENCE_LIMIT
