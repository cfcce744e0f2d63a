"""What routing saved: subagents whose model the hook chose, priced against the session's main model.

Ingest prices every Claude Code response against its own model (nothing saved). Which
subagent the hook routed is known only once the hooks' spool is folded in: PreToolUse
recorded its decision under the tool use id, PostToolUse the agent id the subagent ran
as. `refresh` folds the spool and settles those subagents' entries; it runs wherever the
spool is folded (the turn-end hook, `tec costs`). A subagent whose session's main model
is not known yet stays at its own model until it is.
"""

from __future__ import annotations

from ..vocabulary import TOKEN_KINDS
from .entries import Pricer


def refresh(book) -> int:
    """Fold the hooks' spool into the ledger and settle the routed subagents; how many were settled."""
    book.fold_spool()
    return settle_routed(book)


def settle_routed(book) -> int:
    pricer = Pricer(main_model=book.main_model)
    updates = []
    for entry_id, session, model, *tokens in book.unsettled_routed_entries():
        main = pricer.session_model(session) if session else None
        if main is None:
            continue
        _cost, base, savings = pricer.costs(pricer.model(model)[2], main, dict(zip(TOKEN_KINDS, tokens)))
        updates.append((main, base, savings, "routed", entry_id))
    if updates:
        book.set_baselines(updates)
    return len(updates)
