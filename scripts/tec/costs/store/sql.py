"""Small builders of `where` clauses shared by the store's tables."""


def where(*conditions: tuple[str, object]) -> tuple[str, list]:
    """A `where` clause and its params from (sql, value) pairs; a pair whose value is
    None is left out, and a list value fills an `in (?)`."""
    clauses, params = [], []
    for sql, value in conditions:
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            clauses.append(sql.replace("(?)", f"({', '.join('?' * len(value))})"))
            params.extend(value)
        else:
            clauses.append(sql)
            params.append(value)
    return ("where " + " and ".join(clauses)) if clauses else "", params


def time_filter(since: int | None, until: int | None) -> tuple[str, list]:
    """A `where` clause on ts (milliseconds): since inclusive, until exclusive."""
    return where(("ts >= ?", None if since is None else int(since)), ("ts < ?", None if until is None else int(until)))
