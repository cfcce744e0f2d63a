"""Prompts are jinja2 templates in `templates/prompts/`, rendered here (jinja2 is imported on first use)."""

from __future__ import annotations

_env = None


def render(name: str, **values: object) -> str:
    """Render `templates/<name>`; a value the template uses but was not given is an error."""
    global _env
    if _env is None:
        import jinja2

        _env = jinja2.Environment(loader=jinja2.PackageLoader("tec", "templates/prompts"), autoescape=False,
                                  undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return _env.get_template(name).render(**values).strip()
