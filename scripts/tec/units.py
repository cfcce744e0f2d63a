"""Numbers for people that are not money (see `vocabulary.format_usd`): token counts and text bars."""

BAR_WIDTH = 24
_EIGHTHS = " ▏▎▍▌▋▊▉█"


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (0x09,)}


def printable(text: str) -> str:
    """`text` safe for a terminal: control characters (an escape sequence in a transcript's cwd
    could clear the screen or write the clipboard) are shown as \\xNN; tabs are kept."""
    return text.translate(_CONTROL)


def compact(n: float) -> str:
    """Token counts: 950, 12.3k, 4.5M, 1.2B."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            return f"{n / size:.1f}{suffix}"
    return f"{int(n)}"


def bar(value: float, peak: float, width: int = BAR_WIDTH) -> str:
    """A unicode bar of `value` against `peak`, in eighths of a cell."""
    if peak <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / peak))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")
