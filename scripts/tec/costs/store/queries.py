"""The sums reports are made of: grouped totals over the rollup and the entries."""

from __future__ import annotations

from collections.abc import Iterator

from .schema import BUCKET_MS
from .sql import time_filter, where

GROUP_COLUMNS = ("session", "model", "tier", "project", "source")

# The same sums over raw entries (for the edges of a period that cut a bucket) and
# over the rollup (for everything else), in the order `Queries.grouped` yields them.
_ENTRY_SUMS = ("sum(cost), sum(baseline_cost), sum(savings), "
               "sum(case when savings is not null then baseline_cost end), count(*), sum(cost is null), "
               "sum(input), sum(output), sum(cache_write_5m + cache_write_1h), sum(cache_read), sum(thinking), "
               "group_concat(distinct case when cost is null then model end)")
_ROLLUP_SUMS = ("sum(cost), sum(baseline_cost), sum(savings), sum(compared), sum(calls), sum(unpriced), sum(input), "
                "sum(output), sum(cache_write), sum(cache_read), sum(thinking), "
                "group_concat(distinct case when unpriced > 0 then model end)")


def _spans(since: int | None, until: int | None) -> list[tuple[str, str, list]]:
    """(table, where clause, params) pieces that together cover [since, until): whole
    15-minute buckets from the rollup, the cut buckets at either end from the entries."""
    lo = None if since is None else -(-since // BUCKET_MS)  # first whole bucket
    hi = None if until is None else until // BUCKET_MS  # first bucket not wholly inside
    if lo is not None and hi is not None and lo >= hi:
        return [("entries", *time_filter(since, until))]
    spans = [("rollup", *where(("bucket >= ?", lo), ("bucket < ?", hi)))]
    if since is not None and since < lo * BUCKET_MS:
        spans.append(("entries", *time_filter(since, lo * BUCKET_MS)))
    if until is not None and hi * BUCKET_MS < until:
        spans.append(("entries", *time_filter(hi * BUCKET_MS, until)))
    return spans


class Queries:
    """Ledger methods that read the rollup for reports."""

    db = None  # the Ledger's connection

    def grouped(self, column: str | None, since: int | None, until: int | None, *,
                sources: list[str] | None = None, per_bucket: bool = False) -> Iterator[tuple]:
        """(key, tier, cost, baseline_cost, savings, compared, calls, unpriced, input, output,
        cache_write, cache_read, thinking, unpriced models) per group over [since, until).

        `column` is one of GROUP_COLUMNS, or None for 15-minute buckets (the key is the
        bucket number: ms // BUCKET_MS). With `per_bucket` a column's rows start with the
        bucket number too. `sources` keeps only those ledger sources. A key may repeat
        across the pieces of the period."""
        if column is not None and column not in GROUP_COLUMNS:
            raise ValueError(f"cannot group by {column!r}")
        for table, clause, params in _spans(since, until):
            time_key = "bucket" if table == "rollup" else f"ts / {BUCKET_MS}"
            sums = _ROLLUP_SUMS if table == "rollup" else _ENTRY_SUMS
            keys = [time_key] if column is None else [time_key, column] if per_bucket else [column]
            if sources is not None:
                extra, more = where(("source in (?)", list(sources)))
                clause = f"{clause} and {extra[6:]}" if clause else extra
                params = [*params, *more]
            positions = ", ".join(str(i + 1) for i in range(len(keys) + 1))
            yield from self.db.execute(f"select {', '.join(keys)}, tier, {sums} from {table} {clause} "
                                       f"group by {positions}", params)
