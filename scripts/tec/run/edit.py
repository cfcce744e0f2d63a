"""The `tec edit` workflow: read the file (or the region the instruction names), ask a cheap
model for search/replace blocks, apply them in memory, check the syntax, and only then
(with `apply`) write, atomically and after a backup."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .. import config, registry
from ..errors import InputError
from . import blocks, region, secrets, syntax
from .execute import execute, resolve
from .prompts import render


@dataclass
class EditResult:
    """The documented result of `tec edit --json`."""

    path: str
    diff: str = ""
    new_text: str | None = None
    applied: bool = False
    backup: str | None = None
    error: str | None = None
    attempts: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

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


def edit_file(path: str, instruction: str, *, apply: bool = False, model: str | None = None, force: bool = False,
              root: str | None = None, session: str | None = None) -> EditResult:
    """Ask a cheap model for search/replace blocks, apply them in memory, check the
    syntax, and (with `apply`) write atomically after a backup.

    A reply that does not apply or breaks the syntax is retried once on the same
    model with the problem stated, then the edit moves to `[edit] escalate_to`
    (haiku), then it is reported. The file changes only on success with `apply`.
    """
    if not isinstance(instruction, str) or not instruction.strip():
        raise InputError("the edit instruction is empty", 'tec edit PATH "what to change"')
    conf = config.settings("edit")
    root = root or secrets.project_root()
    real, text = secrets.read_file(path, root, force=force, max_bytes=int(conf["max_bytes"]), what="file to edit")
    lines = blocks.split_lines(text)
    start, end = region.select_region(text, instruction, int(conf["region_chars"]))
    part = "".join(lines[start:end])
    before = syntax.check(real, text)
    shown = os.path.relpath(real, root)
    result = EditResult(shown)
    reg = registry.load_registry()
    first, _ = resolve(model or conf["model"], reg)
    tiers = [first] if conf["escalate_to"] in (first, "") else [first, conf["escalate_to"]]
    system = render("edit_system.txt.j2", edit_format=blocks.EDIT_FORMAT)
    problem = None
    for tier in tiers:
        # a reply that did not apply gets one more try on the first model; the next model gets one
        for _try in range(2 if tier == first else 1):
            prompt = render("edit_user.txt.j2", instruction=instruction.strip(), path=shown, text=part,
                            partial=(start, end) != (0, len(lines)), first=start + 1, last=end,
                            total=len(lines), problem=problem)
            run = execute(tier, prompt, int(conf["max_tokens"]), system=system, session=session, project=root,
                          source="edit", force=force)
            result.warnings.extend(run.warnings)
            result.attempts.extend(run.to_dict()["attempts"])
            if not run.success:
                result.error, problem = run.to_dict()["error"], None
                if run.attempts and run.attempts[-1].kind == "budget":
                    return result
                break  # the call failed: nothing to correct, move to the next model
            try:
                new_text = _edited(lines, start, end, part, run.output, real, before)
            except blocks.EditError as exc:
                problem = result.error = exc.message
                continue
            result.error = None
            result.new_text = new_text
            result.diff = blocks.unified_diff(text, new_text, shown)
            if not result.diff:
                result.warnings.append("the model proposed no change")
            elif apply:
                result.backup = blocks.write_with_backup(real, new_text, config.home_path("backups"), original=text)
                result.applied = True
            return result
    return result


def _edited(lines: list[str], start: int, end: int, part: str, reply: str, path: str, before) -> str:
    """The whole file with the reply's blocks applied to the region; EditError when
    the blocks do not apply or the file stops parsing (when it parsed before)."""
    new_text = "".join(lines[:start]) + blocks.apply_blocks(part, blocks.parse_blocks(reply)) + "".join(lines[end:])
    after = syntax.check(path, new_text)
    if before.ok and not after.ok:
        raise blocks.EditError(f"the edited file no longer parses as {after.language}: {after.error}")
    return new_text
