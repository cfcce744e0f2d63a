"""Budget reservations, and the spend they are checked against."""

from __future__ import annotations

from .sql import where


class Reservations:
    """Ledger methods for the `reservations` table and the spend sums budgets need."""

    db = None  # the Ledger's connection

    def spend(self, since: int | None = None, session: str | None = None, sources: list | None = None) -> float:
        """USD spent since `since` (the entries, by their time index) or in `session` (the
        rollup, which is kept per session), from `sources` only when given."""
        clause, params = where(("ts >= ?", since), ("session = ?", session), ("source in (?)", sources))
        table = "rollup" if since is None and session is not None else "entries"
        return self.db.execute(f"select coalesce(sum(cost), 0) from {table} {clause}", params).fetchone()[0]

    def session_totals(self, session: str, since: int | None = None) -> tuple[float, float]:
        """(USD spent, USD saved) in `session`, from `since` on when given (a turn)."""
        table = "entries" if since is not None else "rollup"
        clause, params = where(("session = ?", session), ("ts >= ?", since))
        cost, saved = self.db.execute(f"select coalesce(sum(cost), 0), coalesce(sum(savings), 0) from {table} {clause}",
                                      params).fetchone()
        return cost, saved

    def reserved(self, now_ms: int, session: str | None = None) -> float:
        """USD held by live reservations (of `session` only, when given)."""
        clause, params = where(("expires > ?", now_ms), ("session = ?", session))
        return self.db.execute(f"select coalesce(sum(usd), 0) from reservations {clause}", params).fetchone()[0]

    def drop_expired(self, now_ms: int) -> None:
        self.db.execute("delete from reservations where expires <= ?", (now_ms,))

    def add_reservation(self, now_ms: int, expires: int, usd: float, session: str | None,
                        label: str | None) -> int:
        cursor = self.db.execute("insert into reservations(ts, expires, usd, session, label) values (?, ?, ?, ?, ?)",
                                 (now_ms, expires, usd, session, label))
        return cursor.lastrowid

    def drop_reservation(self, reservation: int) -> None:
        self.db.execute("delete from reservations where id = ?", (reservation,))
