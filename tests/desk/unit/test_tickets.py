"""Tickets beyond open and close: who took them, the first answer, idleness, copies, the figures."""

from __future__ import annotations

import pytest

from bot.storage.tickets import CLOSED, IN, OUT


@pytest.fixture
def tickets(any_store):
    """The tickets of a store on each backend."""
    return any_store.tickets


def test_take_and_take_over_record_the_agent(tickets):
    ticket, _ = tickets.lifecycle.open(1, "Mario", "mario", "it", now=1000.0)
    assert tickets.handling.get(ticket.id).agent_name is None
    tickets.handling.take(ticket.id, 42, "Giulia")
    tickets.handling.take(ticket.id, 43, "Luca")
    work = tickets.handling.get(ticket.id)
    assert (work.agent_id, work.agent_name) == (43, "Luca")


def test_the_first_answer_is_kept_and_the_last_message_moves(tickets):
    ticket, _ = tickets.lifecycle.open(1, "Mario", None, "it", now=1000.0)
    tickets.lifecycle.customer_wrote(ticket.id, now=1010.0)
    tickets.lifecycle.team_answered(ticket.id, now=1100.0)
    tickets.lifecycle.customer_wrote(ticket.id, now=1200.0)
    tickets.lifecycle.team_answered(ticket.id, now=1300.0)
    work = tickets.handling.get(ticket.id)
    assert work.first_answer == 1100.0 and work.last_message == 1300.0
    assert tickets.lifecycle.get(ticket.id).waiting_since is None


def test_idle_tickets_are_those_without_a_message_for_the_days_given(tickets):
    quiet, _ = tickets.lifecycle.open(1, "Mario", None, "it", now=0.0)
    busy, _ = tickets.lifecycle.open(2, "Mary", None, "en", now=0.0)
    tickets.lifecycle.customer_wrote(busy.id, now=6 * 86400.0)
    closed, _ = tickets.lifecycle.open(3, "Ugo", None, "it", now=0.0)
    tickets.lifecycle.close(closed.id, now=1.0)
    assert [t.id for t in tickets.reports.idle(7, now=8 * 86400.0)] == [quiet.id]
    tickets.handling.touch(quiet.id, now=8 * 86400.0)
    assert tickets.reports.idle(7, now=8 * 86400.0) == []


def test_copies_are_found_by_direction_and_source(tickets):
    ticket, _ = tickets.lifecycle.open(1, "Mario", None, "it")
    tickets.links.copied(ticket.id, IN, 10, 500)
    tickets.links.copied(ticket.id, OUT, 10, 20)
    assert tickets.links.copy_of(ticket.id, IN, 10) == 500
    assert tickets.links.copy_of(ticket.id, OUT, 10) == 20
    assert tickets.links.copy_of(ticket.id, OUT, 11) is None


def test_since_gives_tickets_opened_or_closed_in_the_period_with_their_work(tickets):
    old, _ = tickets.lifecycle.open(1, "Mario", None, "it", now=100.0)
    tickets.lifecycle.close(old.id, now=200.0)
    older, _ = tickets.lifecycle.open(2, "Mary", None, "en", now=100.0)
    tickets.lifecycle.close(older.id, now=1500.0)
    new, _ = tickets.lifecycle.open(3, "Ugo", None, "it", now=2000.0)
    tickets.handling.set_reason(new.id, "cannot-send")
    found = {t.id: (t, w) for t, w in tickets.reports.since(1000.0)}
    assert set(found) == {older.id, new.id}
    assert found[older.id][0].state == CLOSED and found[new.id][1].reason == "cannot-send"
    assert [t.id for t in tickets.reports.of_customer(2)] == [older.id]


def test_a_ticket_from_before_the_work_table_is_not_idle_at_the_first_look(tickets):
    """Regression: after an upgrade every open ticket older than SUPPORT_IDLE_CLOSE_DAYS was closed at once,
    its last message unknown."""
    ticket, _ = tickets.lifecycle.open(1, "Mario", None, "it", now=0.0)
    tickets.reports.db.execute("DELETE FROM ticket_work")
    assert tickets.reports.idle(7, now=30 * 86400.0) == []
    assert [t.id for t in tickets.reports.idle(7, now=38 * 86400.0)] == [ticket.id]


def test_a_ticket_the_team_reopens_counts_as_idle_from_the_reopening(tickets):
    """Regression: /reopen of an old ticket was closed again as idle at the next check."""
    ticket, _ = tickets.lifecycle.open(1, "Mario", None, "it", now=0.0)
    tickets.lifecycle.close(ticket.id, now=10 * 86400.0)
    tickets.lifecycle.reopen(ticket.id, now=10 * 86400.0)
    assert tickets.reports.idle(7, now=11 * 86400.0) == []
