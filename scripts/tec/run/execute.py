"""Run a prompt on a tier: budget check, the call, the ledger, and escalation up the tiers.

Every attempt is priced from the usage the API returned and appended to the ledger
(failed attempts too, when they were billed), inside the budget's reserve/settle
transactions. With escalation, a failed attempt (quota, server errors after the
SDK's retries, timeouts, a blocked or empty answer) or one the validation gate
rejects moves up one tier, until the configured top tier or a budget stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import config, registry, vocabulary
from ..costs import budgets
from ..costs.entries import Entry, Pricer, now_ms
from ..costs.store import Ledger
from ..errors import InputError, TecError
from ..vocabulary import PUBLIC_TOKENS, public_tokens
from . import clients, secrets


@dataclass
class Attempt:
    """One call on one model."""

    tier: str | None
    model_id: str
    kind: str | None = None
    error: str | None = None
    tokens: dict = field(default_factory=lambda: dict.fromkeys(PUBLIC_TOKENS, 0))
    cost: float | None = 0.0
    latency_ms: float = 0.0
    issues: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.kind is None

    def to_dict(self) -> dict:
        out = {"model": self.tier, "model_id": self.model_id, "success": self.ok, "error": self.error,
               "error_kind": self.kind, "tokens": dict(self.tokens), "cost": self.cost,
               "latency_ms": self.latency_ms}
        if self.issues:
            out["issues"] = list(self.issues)
        return out


@dataclass
class ExecutionResult:
    """The documented result of `orchestrator_execute` and `tec execute --json`.

    `tokens` and `cost` add up every attempt (what was paid); `model`/`model_id`
    are those of the last attempt, the one whose answer `output` holds.
    """

    attempts: list = field(default_factory=list)
    output: str | None = None
    data: dict | None = None
    warnings: list = field(default_factory=list)

    @property
    def success(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok

    @property
    def cost(self) -> float | None:
        costs = [a.cost for a in self.attempts]
        return None if any(c is None for c in costs) else round(sum(costs), 9)

    def to_dict(self) -> dict:
        last = self.attempts[-1] if self.attempts else None
        tokens = dict.fromkeys(PUBLIC_TOKENS, 0)
        for attempt in self.attempts:
            for kind in PUBLIC_TOKENS:
                tokens[kind] += attempt.tokens[kind]
        return {
            "success": self.success,
            "output": self.output,
            "model": last.tier if last else None,
            "model_id": last.model_id if last else None,
            "tokens": tokens,
            "cost": self.cost,
            "latency_ms": round(sum(a.latency_ms for a in self.attempts), 1),
            "error": None if self.success or last is None else last.error,
            "attempts": [a.to_dict() for a in self.attempts],
            "warnings": list(self.warnings),
        }


def resolve(model: str, reg) -> tuple[str | None, str]:
    """A tier name or model id → (tier, model id). A model no client can call is bad input,
    named with the closest known names; a Claude or Gemini id without a price is allowed (unpriced)."""
    if not isinstance(model, str) or not model.strip():
        raise InputError("no model given", f"use a tier ({', '.join(reg.tiers)}) or a model id")
    model_id = reg.resolve(model)
    if clients.provider_of(model_id, reg) not in clients.PROVIDERS:
        import difflib

        known = [*reg.tiers, *reg.models]
        close = difflib.get_close_matches(model.strip().lower(), known, n=3, cutoff=0.5)
        raise InputError(f"unknown model {model!r}",
                         (f"did you mean {' or '.join(close)}? " if close else "")
                         + f"use a tier ({', '.join(reg.tiers)}) or a Claude or Gemini model id")
    return reg.tier_of(model_id), model_id


def execute(
    model: str,
    prompt: str,
    max_tokens: int | None = None,
    *,
    escalate: bool = False,
    system: str | None = None,
    schema: dict | None = None,
    session: str | None = None,
    project: str | None = None,
    source: str = "execute",
    judge: Callable[[str, str], object] | None = None,
    force: bool = False,
) -> ExecutionResult:
    """Run `prompt` on `model` (a tier or a model id); see the module doc for escalation.

    `judge(prompt, output)`, when given, checks each successful answer (it returns an
    object with `passed` and `issues`; `validation.gate` is the LLM judge). A prompt that
    holds a credential is refused before anything is sent (`secrets`; `force` from a person
    at a terminal overrides). A missing API key or a bad argument raises; API failures do not.
    """
    if not isinstance(prompt, str) or not prompt.strip():
        raise InputError("the prompt is empty", "pass the task text with --prompt or --prompt-file")
    secrets.check_text(prompt, "prompt", force=force)
    reg = registry.load_registry()
    conf = config.settings("execution")
    max_tokens = int(max_tokens or conf["max_tokens"])
    if max_tokens < 1:
        raise InputError(f"max_tokens must be at least 1, not {max_tokens}")
    tier, model_id = resolve(model, reg)
    steps = [(tier, model_id)]
    if escalate:
        top = conf["top_tier"]
        steps += [(t, reg.model_for_tier(t)) for t in vocabulary.above(tier, top)]
    if system is None:
        from .prompts import render

        system = render("execute_system.txt.j2")
    result = ExecutionResult()
    pricer = Pricer(reg)
    with Ledger() as book:
        for step_tier, step_model in steps:
            attempt = _attempt(book, pricer, reg, conf, step_tier, step_model, prompt, system, max_tokens, schema,
                               session, project, source, result)
            if attempt is None:  # refused by a budget
                break
            result.attempts.append(attempt)
            if attempt.ok and judge is not None:
                _gate(result, attempt, prompt, judge)
            if attempt.ok or attempt.kind not in conf["escalate_on"]:
                break
    return result


def _attempt(book, pricer, reg, conf, tier, model_id, prompt, system, max_tokens, schema, session, project,
             source, result) -> Attempt | None:
    """Reserve the worst case, call, settle with the real cost. None when a budget refuses."""
    while True:
        worst = budgets.worst_case(reg, model_id, reg.estimate_tokens(system + prompt, model_id), max_tokens)
        decision = budgets.reserve(book, worst, session=session, label=f"{source} {model_id}")
        if decision.action != "downgrade":
            break
        cheaper = vocabulary.cheaper(tier)
        if cheaper is None:
            result.warnings.append(decision.message)
            _refused(result, tier, model_id, decision.message)
            return None
        result.warnings.append(f"{decision.message} ({tier} → {cheaper})")
        tier, model_id = cheaper, reg.model_for_tier(cheaper)
    if decision.action == "refuse":
        _refused(result, tier, model_id, decision.message)
        return None
    if decision.message:
        result.warnings.append(decision.message)
    attempt = Attempt(tier, model_id)
    try:
        call = clients.call(model_id, prompt, reg=reg, system=system, max_tokens=max_tokens, schema=schema)
    except BaseException:
        budgets.release(book, decision.reservation)
        raise
    attempt.kind, attempt.error, attempt.latency_ms = call.kind, call.error, call.latency_ms
    attempt.tokens = public_tokens(call.tokens)
    entries = []
    if call.ok or call.billable:
        row = pricer.row(source, model_id, call.tokens, ts=now_ms(), session=session, project=project,
                         tier=tier, status="ok" if call.ok else "error", prompt=prompt)
        entries.append(Entry.from_row(row))
        attempt.cost = entries[0].cost
    budgets.settle(book, decision.reservation, entries)
    if call.ok:
        result.output, result.data = call.text, call.data
    return attempt


def _refused(result: ExecutionResult, tier, model_id, message: str) -> None:
    attempt = Attempt(tier, model_id)
    attempt.kind, attempt.error = "budget", message
    result.attempts.append(attempt)


def _gate(result: ExecutionResult, attempt: Attempt, prompt: str, judge) -> None:
    """Ask the judge about a successful answer; a rejection turns the attempt into a failure."""
    try:
        verdict = judge(prompt, result.output if result.output is not None else str(result.data))
    except TecError as exc:  # the gate could not judge: keep the answer, say so
        result.warnings.append(f"validation skipped: {exc.message}")
        return
    if getattr(verdict, "error", None):
        result.warnings.append(f"validation skipped: {verdict.error}")
        return
    if not verdict.passed:
        attempt.kind = "rejected"
        attempt.issues = list(verdict.issues)
        attempt.error = "the validation gate rejected the answer: " + "; ".join(verdict.issues or ["no reason"])


def execute_batch(items: list[dict], *, concurrency: int | None = None, escalate: bool = False,
                  progress: Callable[..., None] | None = None) -> list[dict]:
    """Run many simple tasks, at most `concurrency` at a time; results in input order.

    Each item: `{"id"?, "prompt", "model"?, "max_tokens"?}`. One item's failure (an
    API error, a bad item, a missing key) is its result's error; the rest still run.
    """
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, int(concurrency or config.settings("execution")["batch_concurrency"]))

    def run(item: dict) -> dict:
        try:
            if not isinstance(item, dict):
                raise InputError("each line must be a JSON object with a prompt")
            out = execute(item.get("model") or "gemini-flash", item.get("prompt"), item.get("max_tokens"),
                          escalate=escalate).to_dict()
        except TecError as exc:
            out = {"success": False, "output": None, "error": exc.message, "attempts": []}
        if isinstance(item, dict) and "id" in item:
            out = {"id": item["id"], **out}
        return out

    results: list[dict] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done, out in enumerate(pool.map(run, items), 1):
            results.append(out)
            if progress is not None:
                progress(done, len(items))
    return results
