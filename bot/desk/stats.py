"""The support team's figures for ``/stats [DAYS]``: tickets opened and closed, waiting times, ratings.

Pure arithmetic over records the caller reads from storage; nothing here knows SQLite or Telegram.
Times are UNIX seconds. A ticket counts as opened in the period when it was opened at or after
``since``, and as closed in the period when it was closed at or after ``since`` (even if it was opened
before): closing figures (time to close, ratings) are over the tickets closed in the period.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import floor

TOP_REASONS = 3


@dataclass(frozen=True)
class TicketRecord:
    """One ticket as the figures need it."""

    id: int
    customer: str
    opened_at: float
    first_answer_at: float | None
    closed_at: float | None
    rating: int | None


@dataclass(frozen=True)
class Stats:
    """The figures of one period; None where there is nothing to measure."""

    opened: int
    closed: int
    median_first_answer: float | None  # seconds, tickets opened in the period and answered
    median_to_close: float | None  # seconds from opening to closing, tickets closed in the period
    rating_average: float | None  # one decimal, rounded half up
    rating_count: int
    handoff_share: float | None  # 0.0 .. 1.0: customers who asked for a person / customers who wrote
    top_reasons: tuple[tuple[str, int], ...]  # (article id, times shown before a hand-off), at most 3


def compute(tickets: Iterable[TicketRecord], customers_total: int, reasons: Iterable[str], since: float) -> Stats:
    """The figures of the period starting at ``since``.

    ``customers_total`` is the number of distinct customers who wrote to the bot in the period;
    ``reasons`` the article ids shown to customers before they asked for a person (repeats count).
    ``handoff_share`` is None when ``customers_total`` is 0, and never above 1.0 (the two counts come
    from different tables, so they may disagree a little).
    """
    tickets = list(tickets)
    opened = [ticket for ticket in tickets if ticket.opened_at >= since]
    closed = [ticket for ticket in tickets if ticket.closed_at is not None and ticket.closed_at >= since]
    ratings = [ticket.rating for ticket in closed if ticket.rating is not None]
    customers = {ticket.customer for ticket in opened}
    return Stats(
        opened=len(opened),
        closed=len(closed),
        median_first_answer=_median([t.first_answer_at - t.opened_at for t in opened if t.first_answer_at is not None]),
        median_to_close=_median([t.closed_at - t.opened_at for t in closed if t.closed_at is not None]),
        rating_average=_average(ratings),
        rating_count=len(ratings),
        handoff_share=min(1.0, len(customers) / customers_total) if customers_total > 0 else None,
        top_reasons=_top(reasons),
    )


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _average(ratings: Sequence[int]) -> float | None:
    """The mean to one decimal, half up (4.25 is 4.3), computed exactly: no binary rounding surprise."""
    if not ratings:
        return None
    return floor(Fraction(sum(ratings), len(ratings)) * 10 + Fraction(1, 2)) / 10


def _top(reasons: Iterable[str]) -> tuple[tuple[str, int], ...]:
    counts = Counter(reasons)
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_REASONS])
