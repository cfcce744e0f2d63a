"""Rank statistics for the benchmarks (stdlib only, ties get average ranks)."""

from __future__ import annotations


def ranks(xs: list[float]) -> list[float]:
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    out = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def pearson(a: list[float], b: list[float]) -> float:
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = sum((x - ma) ** 2 for x in a)
    vb = sum((y - mb) ** 2 for y in b)
    return cov / (va * vb) ** 0.5 if va and vb else 0.0


def spearman(a: list[float], b: list[float]) -> float:
    return pearson(ranks(a), ranks(b))


def roc_auc(scores: list[float], positive: list[bool]) -> float:
    """Probability a random positive outscores a random negative (Mann–Whitney U)."""
    r = ranks(scores)
    pos = [ri for ri, p in zip(r, positive) if p]
    n1, n0 = len(pos), len(positive) - len(pos)
    return (sum(pos) - n1 * (n1 + 1) / 2) / (n1 * n0)
