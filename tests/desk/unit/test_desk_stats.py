"""The team's figures for /stats: counts, medians, ratings, hand-off share and reasons, by hand."""

from __future__ import annotations

import dataclasses

import pytest

from bot.desk.stats import Stats, TicketRecord, compute

SINCE = 1_000_000.0
HOUR = 3600.0


def ticket(
    id: int,
    customer: str = "c1",
    opened: float = SINCE + 10,
    answered: float | None = None,
    closed: float | None = None,
    rating: int | None = None,
) -> TicketRecord:
    return TicketRecord(id, customer, opened, answered, closed, rating)


def test_empty_input():
    assert compute([], 0, [], SINCE) == Stats(
        opened=0,
        closed=0,
        median_first_answer=None,
        median_to_close=None,
        rating_average=None,
        rating_count=0,
        handoff_share=None,
        top_reasons=(),
    )


def test_no_tickets_but_customers_wrote():
    stats = compute([], 12, ["imap-ports"], SINCE)
    assert stats.opened == 0
    assert stats.handoff_share == 0.0
    assert stats.top_reasons == (("imap-ports", 1),)


def test_a_worked_period():
    tickets = [
        # Opened before the period, closed inside it: counts as closed only.
        ticket(1, "anna", opened=SINCE - 5 * HOUR, answered=SINCE - 4 * HOUR, closed=SINCE + HOUR, rating=5),
        # Opened and closed inside.
        ticket(2, "bruno", opened=SINCE + 100, answered=SINCE + 400, closed=SINCE + 100 + 2 * HOUR, rating=4),
        # Opened inside, answered, still open.
        ticket(3, "carla", opened=SINCE + 1000, answered=SINCE + 1600),
        # Opened inside, not answered yet.
        ticket(4, "bruno", opened=SINCE + 2000),
        # Entirely before the period: ignored.
        ticket(5, "dario", opened=SINCE - 10 * HOUR, answered=SINCE - 9 * HOUR, closed=SINCE - 8 * HOUR, rating=1),
    ]
    stats = compute(tickets, 10, ["a", "b", "a"], SINCE)
    assert stats.opened == 3  # 2, 3, 4
    assert stats.closed == 2  # 1, 2
    assert stats.median_first_answer == 450.0  # tickets 2 and 3: 300 s and 600 s
    assert stats.median_to_close == 4 * HOUR  # ticket 1: 6 h, ticket 2: 2 h
    assert stats.rating_average == 4.5  # 5 and 4
    assert stats.rating_count == 2
    assert stats.handoff_share == 0.2  # bruno and carla out of 10
    assert stats.top_reasons == (("a", 2), ("b", 1))


def test_the_boundary_belongs_to_the_period():
    stats = compute([ticket(1, opened=SINCE, answered=SINCE + 60, closed=SINCE + 120)], 1, [], SINCE + 120)
    assert stats.opened == 0
    assert stats.closed == 1
    assert stats.median_to_close == 120.0
    stats = compute([ticket(1, opened=SINCE, answered=SINCE + 60, closed=SINCE + 120)], 1, [], SINCE)
    assert stats.opened == 1
    assert stats.median_first_answer == 60.0


def test_odd_length_median():
    tickets = [ticket(i, opened=SINCE, answered=SINCE + wait) for i, wait in enumerate([900, 60, 300])]
    assert compute(tickets, 3, [], SINCE).median_first_answer == 300.0


def test_even_length_medians():
    tickets = [
        ticket(1, opened=SINCE, answered=SINCE + 60, closed=SINCE + 1000),
        ticket(2, opened=SINCE, answered=SINCE + 120, closed=SINCE + 4000),
        ticket(3, opened=SINCE, answered=SINCE + 7200, closed=SINCE + 2000),
        ticket(4, opened=SINCE, answered=SINCE + 30, closed=SINCE + 9000),
    ]
    stats = compute(tickets, 4, [], SINCE)
    assert stats.median_first_answer == 90.0  # 30, 60 | 120, 7200
    assert stats.median_to_close == 3000.0  # 1000, 2000 | 4000, 9000


def test_first_answer_only_over_tickets_opened_in_the_period():
    tickets = [
        ticket(1, opened=SINCE - 100, answered=SINCE + 10_000),  # answered inside, opened before: left out
        ticket(2, opened=SINCE + 10, answered=SINCE + 70),
    ]
    assert compute(tickets, 2, [], SINCE).median_first_answer == 60.0


def test_no_answer_yet_means_no_median():
    stats = compute([ticket(1), ticket(2)], 2, [], SINCE)
    assert stats.opened == 2
    assert stats.median_first_answer is None
    assert stats.median_to_close is None


def test_tickets_opened_before_the_period_and_closed_inside_it():
    tickets = [
        ticket(1, opened=SINCE - 2 * HOUR, closed=SINCE + HOUR, rating=3),
        ticket(2, opened=SINCE - 30 * HOUR, closed=SINCE + 2 * HOUR, rating=4),
    ]
    stats = compute(tickets, 5, [], SINCE)
    assert stats.opened == 0
    assert stats.closed == 2
    assert stats.median_to_close == 17.5 * HOUR  # 3 h and 32 h
    assert stats.rating_average == 3.5
    assert stats.rating_count == 2
    assert stats.handoff_share == 0.0  # nobody asked for a person in the period


def test_ratings_only_of_tickets_closed_in_the_period():
    tickets = [
        ticket(1, opened=SINCE - 100, closed=SINCE - 50, rating=1),  # closed before
        ticket(2, closed=SINCE + 50, rating=5),
        ticket(3, closed=SINCE + 60),  # closed, not rated
        ticket(4, rating=2),  # rating of a ticket still open: not counted
    ]
    stats = compute(tickets, 4, [], SINCE)
    assert stats.rating_average == 5.0
    assert stats.rating_count == 1


def test_rating_average_is_rounded_to_one_decimal_half_up():
    def average(*ratings: int) -> float | None:
        tickets = [ticket(i, closed=SINCE + 60, rating=r) for i, r in enumerate(ratings)]
        return compute(tickets, 1, [], SINCE).rating_average

    assert average(5, 4, 4) == 4.3  # 4.333...
    assert average(5, 5, 4) == 4.7  # 4.666...
    assert average(5, 4, 4, 4) == 4.3  # 4.25, half up (round() would give 4.2)
    assert average(1, 1, 1, 2) == 1.3  # 1.25
    assert average(3) == 3.0
    assert isinstance(average(3), float)


def test_no_ratings():
    stats = compute([ticket(1, closed=SINCE + 5)], 1, [], SINCE)
    assert stats.rating_average is None
    assert stats.rating_count == 0


def test_handoff_share_counts_distinct_customers():
    tickets = [ticket(1, "anna"), ticket(2, "anna", closed=SINCE + 50), ticket(3, "bruno"), ticket(4, "carla")]
    assert compute(tickets, 8, [], SINCE).handoff_share == 3 / 8


def test_handoff_share_ignores_tickets_opened_before_the_period():
    tickets = [ticket(1, "anna", opened=SINCE - 1, closed=SINCE + 50), ticket(2, "bruno")]
    assert compute(tickets, 4, [], SINCE).handoff_share == 0.25


def test_handoff_share_is_capped_at_one():
    tickets = [ticket(1, "anna"), ticket(2, "bruno"), ticket(3, "carla")]
    assert compute(tickets, 2, [], SINCE).handoff_share == 1.0


def test_handoff_share_without_customers_is_none():
    assert compute([ticket(1, "anna")], 0, [], SINCE).handoff_share is None


def test_top_reasons_are_the_three_most_frequent_ties_by_id():
    reasons = ["smtp", "imap", "pop3", "smtp", "imap", "spam", "smtp", "quota", "pop3"]
    assert compute([], 1, reasons, SINCE).top_reasons == (("smtp", 3), ("imap", 2), ("pop3", 2))


def test_top_reasons_ties_at_the_cut_are_decided_by_id():
    reasons = ["d", "c", "b", "a", "e", "e"]
    assert compute([], 1, reasons, SINCE).top_reasons == (("e", 2), ("a", 1), ("b", 1))


def test_fewer_than_three_reasons():
    assert compute([], 1, ["x"], SINCE).top_reasons == (("x", 1),)
    assert compute([], 1, [], SINCE).top_reasons == ()


def test_any_iterables_are_accepted():
    tickets = (ticket(i) for i in range(3))
    stats = compute(tickets, 3, iter(["a", "a"]), SINCE)
    assert stats.opened == 3
    assert stats.top_reasons == (("a", 2),)


def test_records_and_figures_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ticket(1).rating = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        compute([], 0, [], SINCE).opened = 1  # type: ignore[misc]
