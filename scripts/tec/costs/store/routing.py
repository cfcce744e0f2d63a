"""The hooks' routing decisions: folded in from their spool file, and counted for reports.

The prompt and subagent hooks cannot open SQLite (it would cost them their start-up
budget), so they append one JSON line per decision to `$TEC_HOME/routing.jsonl`; the
Stop hook and `tec costs` fold what is new into the `routing` table.
"""

from __future__ import annotations

import os

from ... import config, fastjson
from ...vocabulary import TOKEN_KINDS
from .sql import where

_FIELDS = ("ts", "session", "tool_use_id", "event", "mode", "score", "recommended", "model", "explicit", "action",
           "resolved_model", "agent_id", "main", "why")
ROUTED_ACTIONS = ("set", "lowered", "raised")  # decisions that changed a subagent's model


def spool_path() -> str:
    return config.home_path("routing.jsonl")


class RoutingLog:
    """Ledger methods for the `routing` and `spools` tables."""

    db = None  # the Ledger's connection

    def fold_spool(self, path: str | None = None) -> int:
        """Move spool lines written since the last fold into the routing table; returns how many."""
        path = path or spool_path()
        try:
            with open(path, "rb") as fh, self.transaction():
                row = self.db.execute("select offset from spools where path = ?", (path,)).fetchone()
                offset = row[0] if row else 0
                if os.fstat(fh.fileno()).st_size < offset:
                    offset = 0  # the spool was replaced
                fh.seek(offset)
                data = fh.read()
                end = data.rfind(b"\n") + 1
                rows = [_routing_row(line) for line in data[:end].splitlines()]
                self.db.executemany(f"insert into routing({', '.join(_FIELDS)}) values "
                                    f"({', '.join('?' * len(_FIELDS))})", [r for r in rows if r])
                self.db.execute("insert or replace into spools(path, offset) values (?, ?)", (path, offset + end))
        except FileNotFoundError:
            return 0
        return len(rows)

    def unsettled_routed_entries(self) -> list[tuple]:
        """(id, session, model, *token kinds) of subagent entries whose model the hook chose and
        whose baseline is still their own model."""
        return self.db.execute(
            f"select e.id, e.session, e.model, {', '.join('e.' + k for k in TOKEN_KINDS)} from entries e "
            "join routing post on post.agent_id = e.agent_id and post.event = 'post' "
            "join routing pre on pre.tool_use_id = post.tool_use_id and pre.event = 'pre' "
            f"where e.sidechain = 1 and e.baseline_from = 'own model' and pre.action in "
            f"({', '.join('?' * len(ROUTED_ACTIONS))}) group by e.id", ROUTED_ACTIONS).fetchall()

    def set_baselines(self, rows: list[tuple]) -> None:
        """(baseline model, baseline cost, savings, baseline_from, entry id) rows, in one transaction."""
        with self.transaction():
            self.db.executemany("update entries set baseline_model = ?, baseline_cost = ?, savings = ?, "
                                "baseline_from = ? where id = ?", rows)

    def baseline_counts(self, since: int | None, until: int | None) -> dict[str, int]:
        """baseline_from -> entries in [since, until): how the report's baselines were found."""
        clause, params = where(("ts >= ?", since), ("ts < ?", until))
        return dict(self.db.execute(f"select coalesce(baseline_from, 'unrecorded'), count(*) from entries {clause} "
                                    "group by 1", params))

    def routing_actions(self, since: int | None, until: int | None) -> list[tuple]:
        """(action, model, count) of the PreToolUse decisions in [since, until)."""
        clause, params = where(("ts >= ?", since), ("ts < ?", until), ("event = ?", "pre"))
        return self.db.execute(f"select action, model, count(*) from routing {clause} group by 1, 2",
                               params).fetchall()

    def resolved_models(self, since: int | None, until: int | None) -> list[tuple]:
        """(model the subagent ran on, count) from PostToolUse in [since, until)."""
        clause, params = where(("ts >= ?", since), ("ts < ?", until), ("event = ?", "post"))
        return self.db.execute(f"select resolved_model, count(*) from routing {clause} group by 1",
                               params).fetchall()


def _routing_row(line: bytes) -> tuple | None:
    try:
        r = fastjson.loads(line.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(r, dict):
        return None
    return tuple(r.get(field) for field in _FIELDS)
