"""Reference pages rendered from the data files, so quoted numbers never disagree with them.

`references/*.md` are generated: edit `templates/*.md.j2` or the data, then run
`tec docs`. `tec docs --check` (and a test) fail when a committed page is stale.
"""

from __future__ import annotations

import os

from . import config, fastjson, registry, scoring
from .errors import TecError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
PAGES = {"references/routing.md": "routing.md.j2"}


def render_all() -> dict[str, str]:
    """{repo-relative path: page text} from the bundled data only (no user config)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["usd"] = lambda v: "–" if v is None else f"{v:g}"
    context = _context()
    return {path: env.get_template(name).render(**context) for path, name in PAGES.items()}


def _context() -> dict:
    with open(scoring.bundled_path(), encoding="utf-8") as fh:
        rules = scoring.Rules(fastjson.loads(fh.read()))
    reg = registry.bundled_registry()
    f = rules.data["factors"]
    tiers = []
    for i, tier in enumerate(rules.tiers):
        model_id = reg.model_for_tier(tier)
        tiers.append({"name": tier, "model_id": model_id, "price": reg.price(model_id),
                      "low": rules.thresholds[i - 1] if i else 0.0,
                      "high": rules.thresholds[i] if i < len(rules.thresholds) else 10.0})
    return {"rules": rules.data, "tiers": tiers, "factors": f, "price_date": reg.date,
            "natures": f["nature"]["patterns"], "estimate": rules.data["estimate"],
            "tokenizer": {t["model_id"]: reg.tokenizer_factor(t["model_id"]) for t in tiers}}


def write(check: bool = False) -> list[str]:
    """Write the pages (or, with `check`, only compare); returns the stale paths."""
    stale = []
    for path, text in render_all().items():
        full = os.path.join(ROOT, path)
        try:
            with open(full, encoding="utf-8") as fh:
                current = fh.read()
        except OSError:
            current = None
        if current != text:
            stale.append(path)
            if not check:
                config.write_atomic(full, text)
    if check and stale:
        raise TecError(f"stale generated page(s): {', '.join(stale)}", "run `tec docs` and commit the result")
    return stale
