"""What the ledger remembers of each Claude Code transcript file, and Claude Code's own
running cost estimates (its `cost-state` lines)."""

from __future__ import annotations


class TranscriptFiles:
    """Ledger methods for the `transcript_files` and `cost_states` tables."""

    db = None  # the Ledger's connection

    def file_state(self, path: str) -> tuple | None:
        """(dev, ino, size, mtime_ns, offset, lines, head, prompt_hash) recorded for `path`, or None."""
        return self.db.execute("select dev, ino, size, mtime_ns, offset, lines, head, prompt_hash "
                               "from transcript_files where path = ?", (path,)).fetchone()

    def stored_offset(self, path: str) -> int | None:
        row = self.db.execute("select offset from transcript_files where path = ?", (path,)).fetchone()
        return row[0] if row else None

    def record_file(self, path: str, dev: int, ino: int, size: int, mtime_ns: int, offset: int, lines: int,
                    head: bytes, prompt_hash: str | None) -> None:
        self.db.execute("insert or replace into transcript_files(path, dev, ino, size, mtime_ns, offset, lines, "
                        "head, prompt_hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (path, dev, ino, size, mtime_ns, offset, lines, head, prompt_hash))

    def add_cost_states(self, rows: list[tuple]) -> None:
        """(session, ts, total_cost_usd, model_usage JSON) rows; a session keeps its latest."""
        self.db.executemany("insert into cost_states(session, ts, total_cost_usd, model_usage) values (?, ?, ?, ?) "
                            "on conflict(session) do update set ts = excluded.ts, total_cost_usd = "
                            "excluded.total_cost_usd, model_usage = excluded.model_usage where excluded.ts >= ts",
                            rows)

    def note_main_models(self, found: dict[str, tuple[str, int]]) -> None:
        """Record each session's main-thread model: session -> (model, ts of that response)."""
        self.db.executemany("insert into sessions(session, main_model, main_ts) values (?, ?, ?) "
                            "on conflict(session) do update set main_model = excluded.main_model, "
                            "main_ts = excluded.main_ts where excluded.main_ts >= coalesce(main_ts, 0)",
                            [(session, model, ts) for session, (model, ts) in found.items()])

    def main_model(self, session: str) -> str | None:
        row = self.db.execute("select main_model from sessions where session = ?", (session,)).fetchone()
        return row[0] if row else None

    def cost_states(self) -> dict[str, float]:
        """session -> Claude Code's own total cost estimate."""
        return dict(self.db.execute("select session, total_cost_usd from cost_states"))

    def is_sidechain_repeat(self, message_id: str, key: str) -> bool:
        """Whether a main-thread row holds `message_id` under a request key other than `key`.
        Keys are `message.id:requestId`, so the unique key index finds a message's rows by prefix."""
        hit = self.db.execute("select 1 from entries where request >= ? and request < ? and sidechain = 0 "
                              "and request != ? limit 1", (message_id + ":", message_id + ";", key)).fetchone()
        return hit is not None
