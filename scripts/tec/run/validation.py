"""Validation: an LLM judge of an output against its task.

The judge (Sonnet by default, `[validate] model`) answers through structured
output: a forced tool call on Claude, a JSON schema on Gemini. Its call goes
through `execution.execute`, so it is budgeted and lands in the ledger as source
`validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import config
from ..errors import InputError
from . import secrets

MAX_ISSUES = 3
VERDICT_SCHEMA = {
    "type": "object",
    "properties": {
        "pass": {"type": "boolean", "description": "true when the output does the task correctly"},
        "issues": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_ISSUES,
                   "description": "at most three problems, one sentence each"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "escalate": {"type": "boolean", "description": "a stronger model should redo the task"},
    },
    "required": ["pass", "issues", "confidence", "escalate"],
}


@dataclass
class Verdict:
    """The documented result of `orchestrator_validate` and `tec validate --json`."""

    passed: bool = False
    issues: list = field(default_factory=list)
    confidence: float = 0.0
    escalate: bool = False
    model: str | None = None
    model_id: str | None = None
    cost: float | None = None
    tokens: dict = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict:
        return {"pass": self.passed, "issues": list(self.issues), "confidence": self.confidence,
                "escalate": self.escalate, "model": self.model, "model_id": self.model_id, "cost": self.cost,
                "tokens": dict(self.tokens), "error": self.error}


def read_verdict(data: object) -> tuple[bool, list[str], float, bool]:
    """The judge's JSON, checked and clamped; ValueError when it does not fit the schema."""
    if not isinstance(data, dict):
        raise ValueError("the verdict is not a JSON object")
    passed, issues, confidence, escalate = (data.get(k) for k in ("pass", "issues", "confidence", "escalate"))
    if not isinstance(passed, bool) or not isinstance(escalate, bool):
        raise ValueError("pass and escalate must be true or false")
    if not isinstance(issues, list) or not all(isinstance(i, str) for i in issues):
        raise ValueError("issues must be a list of sentences")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        raise ValueError("confidence must be a number")
    issues = [" ".join(i.split()) for i in issues if i.strip()][:MAX_ISSUES]
    return passed, issues, min(max(float(confidence), 0.0), 1.0), escalate


def validate(task: str, output: str, model: str | None = None, *, session: str | None = None,
             project: str | None = None, force: bool = False) -> Verdict:
    """Judge `output` against `task`. API failures come back as `error` with pass false."""
    from .execute import execute
    from .prompts import render

    for name, value in (("task", task), ("output", output)):
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"the {name} to validate is empty", f"pass --{name}")
    secrets.check_text(task, "task", force=force)
    secrets.check_text(output, "output to judge", force=force)
    conf = config.settings("validate")
    limit = int(conf["output_chars"])
    prompt = render("validate_user.txt.j2", task=task, output=output[:limit], truncated=len(output) > limit,
                    limit=limit)
    run = execute(model or conf["model"], prompt, int(conf["max_tokens"]),
                            system=render("validate_system.txt.j2"), schema=VERDICT_SCHEMA, session=session,
                            project=project, source="validate", force=force)
    summary = run.to_dict()
    verdict = Verdict()
    verdict.model, verdict.model_id = summary["model"], summary["model_id"]
    verdict.cost, verdict.tokens = summary["cost"], summary["tokens"]
    if not run.success:
        verdict.error = summary["error"]
        return verdict
    try:
        verdict.passed, verdict.issues, verdict.confidence, verdict.escalate = read_verdict(run.data)
    except ValueError as exc:
        verdict.error = f"the judge's answer does not fit the verdict schema: {exc}"
    return verdict


def gate(session: str | None = None, project: str | None = None, force: bool = False):
    """The judge `execute(judge=...)` takes: the LLM judge, its calls in the same session."""
    def judge(task: str, output: str) -> Verdict:
        return validate(task, output, session=session, project=project, force=force)

    return judge
