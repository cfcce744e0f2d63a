"""token-efficient-coding: route coding work to the cheapest model tier that will do it well.

This is the Python API. `import tec` loads nothing beyond this file: the hooks
import the package once per prompt, and `tec --version` should not pay for the
scorer or the price table.
"""

__version__ = "0.1.0"
__all__ = ["__version__", "orchestrator_execute", "orchestrator_route", "orchestrator_validate"]


def orchestrator_route(task: str, context: dict | None = None, cwd: str | None = None) -> dict:
    """Recommend a model tier for `task`, with its score, reason and estimated cost.

    `context` may hold files_count, requires_tests, external_apis, subsystems and
    security_critical; keys left out are inferred from the text (and from files
    under `cwd` that the text names). Returns the documented dict: model, model_id,
    complexity_score, complexity_factors, reason, confidence, estimated_cost,
    context, signals, warnings. Raises `tec.errors.InputError` for an empty task
    or a malformed context.
    """
    from .routing.recommend import route  # deferred so importing the package stays cheap

    return route(task, context, cwd).to_dict()


def orchestrator_execute(model: str, prompt: str, max_tokens: int | None = None, *, escalate: bool = False,
                         validate: bool = False) -> dict:
    """Run `prompt` on `model` (gemini-flash, haiku, sonnet, opus or a model id) and record its cost.

    Returns the documented dict: success, output, model, model_id, tokens (input,
    output, cache_read, cache_write, thinking), cost (USD from the usage the API
    returned, every attempt included), latency_ms, error, attempts, warnings. With
    `escalate`, a failed or rejected answer moves up one tier. API failures come
    back in the dict; a missing API key raises `tec.errors.ConfigError`.
    """
    from .run import execute, validation

    judge = validation.gate() if validate else None
    return execute.execute(model, prompt, max_tokens, escalate=escalate, judge=judge).to_dict()


def orchestrator_validate(task: str, output: str, model: str | None = None) -> dict:
    """Judge `output` against `task` with an LLM (Sonnet by default).

    Returns pass, issues (at most 3 sentences), confidence (0-1), escalate, model,
    model_id, cost, tokens and error (set, with pass false, when the judge failed).
    """
    from .run import validation

    return validation.validate(task, output, model).to_dict()
