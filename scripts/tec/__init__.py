"""token-efficient-coding: route coding work to the cheapest model tier that will do it well.

This is the Python API. `import tec` loads nothing beyond this file: the hooks
import the package once per prompt, and `tec --version` should not pay for the
scorer or the price table.
"""

__version__ = "0.1.0"
__all__ = ["__version__", "orchestrator_route"]


def orchestrator_route(task: str, context: dict | None = None, cwd: str | None = None) -> dict:
    """Recommend a model tier for `task`, with its score, reason and estimated cost.

    `context` may hold files_count, requires_tests, external_apis, subsystems and
    security_critical; keys left out are inferred from the text (and from files
    under `cwd` that the text names). Returns the documented dict: model, model_id,
    complexity_score, complexity_factors, reason, confidence, estimated_cost,
    context, signals, warnings. Raises `tec.errors.InputError` for an empty task
    or a malformed context.
    """
    from . import router  # deferred so importing the package stays cheap

    return router.route(task, context, cwd).to_dict()
