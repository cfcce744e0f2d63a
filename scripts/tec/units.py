"""Numbers for people: USD amounts and token counts."""

import math


def format_usd(usd: float | None) -> str:
    """Cents from $1 up (`$1,234.50`), 4 significant digits below (`$0.000261`); "unpriced" for None."""
    if usd is None:
        return "unpriced"
    if usd == 0:
        return "$0"
    if abs(usd) >= 1:
        return f"{'-' if usd < 0 else ''}${abs(usd):,.2f}"
    decimals = 3 - math.floor(math.log10(abs(usd)))
    text = f"{abs(usd):.{decimals}f}".rstrip("0").rstrip(".")  # 0.0002610 reads as more precise than it is
    return f"{'-' if usd < 0 else ''}${text}"


def compact(n: float) -> str:
    """Token counts: 950, 12.3k, 4.5M, 1.2B."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            return f"{n / size:.1f}{suffix}"
    return f"{int(n)}"
