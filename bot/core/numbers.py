"""Numbers people type (a page, a number of days): ASCII digits only, within bounds.

``str.isdigit`` also accepts "²" and "٣", which ``int`` refuses or reads as another number than the
writer meant; here they are simply not numbers.
"""

from __future__ import annotations

MAX_DIGITS = 9


def whole_number(text: str, low: int, high: int) -> int | None:
    """``text`` (spaces around allowed) as an int from ``low`` to ``high``; None for anything else."""
    text = text.strip()
    if not text or len(text) > MAX_DIGITS or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if low <= number <= high else None
