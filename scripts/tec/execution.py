"""Run a prompt on a tier: budget check, the call, the ledger, and escalation up the tiers.

Every attempt is priced from the usage the API returned and appended to the ledger
(failed attempts too, when they were billed), inside the budget's reserve/settle
transactions. With escalation, a failed attempt (quota, server errors after the
SDK's retries, timeouts, a blocked or empty answer) or one the validation gate
rejects moves up one tier, until the configured top tier or a budget stops it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from . import budgets, clients, defaults, ledger, registry
from .errors import InputError, TecError

TOKEN_FIELDS = ("input", "output", "cache_read", "cache_write", "thinking")


def public_tokens(tokens: dict) -> dict:
    """Registry token kinds → the result's fields (cache writes summed)."""
    return {"input": tokens["input"], "output": tokens["output"], "cache_read": tokens["cache_read"],
            "cache_write": tokens["cache_write_5m"] + tokens["cache_write_1h"], "thinking": tokens["thinking"]}


class Attempt:
    """One call on one model."""

    __slots__ = ("cost", "error", "issues", "kind", "latency_ms", "model_id", "tier", "tokens")

    def __init__(self, tier: str | None, model_id: str) -> None:
        self.tier = tier
        self.model_id = model_id
        self.kind: str | None = None
        self.error: str | None = None
        self.tokens = dict.fromkeys(TOKEN_FIELDS, 0)
        self.cost: float | None = 0.0
        self.latency_ms = 0.0
        self.issues: list[str] = []

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


class ExecutionResult:
    """The documented result of `orchestrator_execute` and `tec execute --json`.

    `tokens` and `cost` add up every attempt (what was paid); `model`/`model_id`
    are those of the last attempt, the one whose answer `output` holds.
    """

    __slots__ = ("attempts", "data", "output", "warnings")

    def __init__(self) -> None:
        self.attempts: list[Attempt] = []
        self.output: str | None = None
        self.data: dict | None = None
        self.warnings: list[str] = []

    @property
    def success(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok

    @property
    def cost(self) -> float | None:
        costs = [a.cost for a in self.attempts]
        return None if any(c is None for c in costs) else round(sum(costs), 9)

    def to_dict(self) -> dict:
        last = self.attempts[-1] if self.attempts else None
        tokens = dict.fromkeys(TOKEN_FIELDS, 0)
        for attempt in self.attempts:
            for field in TOKEN_FIELDS:
                tokens[field] += attempt.tokens[field]
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
    """A tier name or model id → (tier, model id)."""
    if not isinstance(model, str) or not model.strip():
        raise InputError("no model given", f"use a tier ({', '.join(reg.tiers)}) or a model id")
    model_id = reg.resolve(model)
    return reg.tier_of(model_id), model_id


def ladder(tier: str | None, top: str, reg) -> list[str]:
    """The tiers above `tier`, up to and including `top`, in the registry's order."""
    order = list(reg.tiers)
    if tier not in order or top not in order:
        return []
    return order[order.index(tier) + 1: order.index(top) + 1]


def estimate_input_tokens(text: str, model_id: str, reg, chars_per_token: float) -> int:
    return math.ceil(len(text) / chars_per_token * reg.tokenizer_factor(model_id))


def execute(
    model: str,
    prompt: str,
    max_tokens: int | None = None,
    *,
    escalate: bool = False,
    validate: bool = False,
    system: str | None = None,
    schema: dict | None = None,
    session: str | None = None,
    project: str | None = None,
    source: str = "execute",
    judge: Callable[[str, str], object] | None = None,
) -> ExecutionResult:
    """Run `prompt` on `model` (a tier or a model id); see the module doc for escalation.

    `validate` sends each successful answer to the validation gate (an LLM judge);
    `judge(prompt, output)` replaces that gate (it returns an object with `passed`
    and `issues`). A missing API key or a bad argument raises; API failures do not.
    """
    if not isinstance(prompt, str) or not prompt.strip():
        raise InputError("the prompt is empty", "pass the task text with --prompt or --prompt-file")
    reg = registry.load_registry()
    conf = defaults.settings("execution")
    max_tokens = int(max_tokens or conf["max_tokens"])
    if max_tokens < 1:
        raise InputError(f"max_tokens must be at least 1, not {max_tokens}")
    tier, model_id = resolve(model, reg)
    steps = [(tier, model_id)]
    if escalate:
        top = conf["top_tier"]
        if top not in reg.tiers:
            raise InputError(f"[execution] top_tier = {top!r} is not a tier", f"use one of: {', '.join(reg.tiers)}")
        steps += [(t, reg.model_for_tier(t)) for t in ladder(tier, top, reg)]
    if system is None:
        from .prompts import render

        system = render("execute_system.txt.j2")
    result = ExecutionResult()
    pricer = ledger.Pricer(reg)
    with ledger.Ledger() as book:
        for step_tier, step_model in steps:
            attempt = _attempt(book, pricer, reg, conf, step_tier, step_model, prompt, system, max_tokens, schema,
                               session, project, source, result)
            if attempt is None:  # refused by a budget
                break
            result.attempts.append(attempt)
            if attempt.ok and (validate or judge is not None):
                _gate(result, attempt, prompt, judge, session, project)
            if attempt.ok or attempt.kind not in conf["escalate_on"]:
                break
    return result


def _attempt(book, pricer, reg, conf, tier, model_id, prompt, system, max_tokens, schema, session, project,
             source, result) -> Attempt | None:
    """Reserve the worst case, call, settle with the real cost. None when a budget refuses."""
    while True:
        worst = budgets.worst_case(reg, model_id, estimate_input_tokens(system + prompt, model_id, reg,
                                                                        conf["chars_per_token"]), max_tokens)
        decision = budgets.reserve(book, worst, session=session, label=f"{source} {model_id}")
        if decision.action != "downgrade":
            break
        cheaper = budgets.cheaper_tier(reg, tier) if tier else None
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
        row = pricer.row(source, model_id, call.tokens, ts=ledger.now_ms(), session=session, project=project,
                         tier=tier, status="ok" if call.ok else "error", prompt=prompt)
        entries.append(ledger.Entry.from_row(row))
        attempt.cost = entries[0].cost
    budgets.settle(book, decision.reservation, entries)
    if call.ok:
        result.output, result.data = call.text, call.data
    return attempt


def _refused(result: ExecutionResult, tier, model_id, message: str) -> None:
    attempt = Attempt(tier, model_id)
    attempt.kind, attempt.error = "budget", message
    result.attempts.append(attempt)


def _gate(result: ExecutionResult, attempt: Attempt, prompt: str, judge, session, project) -> None:
    """Ask the judge about a successful answer; a rejection turns the attempt into a failure."""
    if judge is None:
        from . import validation

        def judge(task, output):
            return validation.validate(task, output, session=session, project=project)

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

    workers = max(1, int(concurrency or defaults.settings("execution")["batch_concurrency"]))

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


# --------------------------------------------------------------------------- edits


class EditResult:
    """The documented result of `tec edit --json`."""

    __slots__ = ("applied", "attempts", "backup", "diff", "error", "new_text", "path", "warnings")

    def __init__(self, path: str) -> None:
        self.path = path
        self.diff = ""
        self.new_text: str | None = None
        self.applied = False
        self.backup: str | None = None
        self.error: str | None = None
        self.attempts: list[dict] = []
        self.warnings: list[str] = []

    @property
    def success(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        costs = [a["cost"] for a in self.attempts]
        return {"success": self.success, "path": self.path, "applied": self.applied, "diff": self.diff,
                "backup": self.backup, "error": self.error,
                "model": self.attempts[-1]["model"] if self.attempts else None,
                "cost": None if any(c is None for c in costs) else round(sum(costs), 9),
                "attempts": list(self.attempts), "warnings": list(self.warnings)}


def project_root(cwd: str | None = None) -> str:
    """`$CLAUDE_PROJECT_DIR`, else the enclosing git work tree, else the working directory."""
    import os

    env = os.environ.get("CLAUDE_PROJECT_DIR")
    if env:
        return os.path.realpath(env)
    here = os.path.realpath(cwd or os.getcwd())
    probe = here
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return here
        probe = parent


def edit_file(path: str, instruction: str, *, apply: bool = False, model: str | None = None, force: bool = False,
              root: str | None = None, session: str | None = None) -> EditResult:
    """Ask a cheap model for search/replace blocks, apply them in memory, check the
    syntax, and (with `apply`) write atomically after a backup.

    A reply that does not apply or breaks the syntax is retried once on the same
    model with the problem stated, then the edit moves to `[edit] escalate_to`
    (haiku), then it is reported. The file changes only on success with `apply`.
    """
    import os

    from . import config, edits, syntax
    from .prompts import render

    if not isinstance(instruction, str) or not instruction.strip():
        raise InputError("the edit instruction is empty", 'tec edit PATH "what to change"')
    conf = defaults.settings("edit")
    root = root or project_root()
    real = edits.check_target(path, root, force=force, max_bytes=int(conf["max_bytes"]))
    with open(real, encoding="utf-8", newline="") as fh:
        text = fh.read()
    lines = edits.split_lines(text)
    start, end = edits.select_region(text, instruction, int(conf["region_chars"]))
    region = "".join(lines[start:end])
    before = syntax.check(real, text)
    shown = os.path.relpath(real, root)
    result = EditResult(shown)
    reg = registry.load_registry()
    first, _ = resolve(model or conf["model"], reg)
    tiers = [first] if conf["escalate_to"] in (first, "") else [first, conf["escalate_to"]]
    system = render("edit_system.txt.j2", edit_format=edits.EDIT_FORMAT)
    problem = None
    for tier in tiers:
        # a reply that did not apply gets one more try on the first model; the next model gets one
        for _try in range(2 if tier == first else 1):
            prompt = render("edit_user.txt.j2", instruction=instruction.strip(), path=shown, text=region,
                            partial=(start, end) != (0, len(lines)), first=start + 1, last=end,
                            total=len(lines), problem=problem)
            run = execute(tier, prompt, int(conf["max_tokens"]), system=system, session=session, project=root,
                          source="edit")
            result.warnings.extend(run.warnings)
            result.attempts.extend(run.to_dict()["attempts"])
            if not run.success:
                result.error, problem = run.to_dict()["error"], None
                if run.attempts and run.attempts[-1].kind == "budget":
                    return result
                break  # the call failed: nothing to correct, move to the next model
            try:
                new_text = _edited(lines, start, end, region, run.output, real, before)
            except edits.EditError as exc:
                problem = result.error = exc.message
                continue
            result.error = None
            result.new_text = new_text
            result.diff = edits.unified_diff(text, new_text, shown)
            if not result.diff:
                result.warnings.append("the model proposed no change")
            elif apply:
                result.backup = edits.write_with_backup(real, new_text, os.path.join(config.tec_home(), "backups"))
                result.applied = True
            return result
    return result


def _edited(lines: list[str], start: int, end: int, region: str, reply: str, path: str, before) -> str:
    """The whole file with the reply's blocks applied to the region; EditError when
    the blocks do not apply or the file stops parsing (when it parsed before)."""
    from . import edits, syntax

    new_text = "".join(lines[:start]) + edits.apply_blocks(region, edits.parse_blocks(reply)) + "".join(lines[end:])
    after = syntax.check(path, new_text)
    if before.ok and not after.ok:
        raise edits.EditError(f"the edited file no longer parses as {after.language}: {after.error}")
    return new_text
