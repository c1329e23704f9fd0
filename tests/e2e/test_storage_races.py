"""The storage contract when callers race, on SQLite and on PostgreSQL: threads over two store objects
on one database (two replicas), started together at a barrier. Whatever the interleaving, no update is
lost, nothing is stored twice, and of competing callers exactly one wins."""

from __future__ import annotations

import threading
from collections import Counter

from bot.core.session import SessionKey
from bot.storage.tickets import ALREADY_OPEN, NEW, REOPENED

KEY = SessionKey("telegram", "42")


def race(count: int, stores, work):
    """``work(store, n)`` in ``count`` threads at once, alternating between ``stores``; their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = work(stores[n % len(stores)], n)
        except BaseException as exc:  # noqa: BLE001 - reported below, with the test's failure
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    assert not errors, errors
    return results


def increment(data):
    data["n"] = data.get("n", 0) + 1


def test_concurrent_updates_lose_nothing(any_store, other_store):
    any_store.set(KEY, {"n": 0, "lang": "it"})
    race(20, [any_store, other_store], lambda store, n: store.update(KEY, increment))
    assert any_store.get(KEY) == {"n": 20, "lang": "it"}


def test_concurrent_updates_of_a_new_session_lose_nothing(any_store, other_store):
    race(20, [any_store, other_store], lambda store, n: store.update(KEY, increment))
    assert other_store.get(KEY) == {"n": 20}


def test_the_same_updates_stored_at_once_by_two_replicas_count_once(any_store, other_store):
    batch = [{"update_id": n, "message": {"chat": {"id": n % 3}, "text": "x"}} for n in range(100, 130)]
    new = race(8, [any_store, other_store], lambda store, n: store.inbox.add(batch))
    assert sum(new) == len(batch)
    assert [s.update_id for s in any_store.inbox.pending()] == list(range(100, 130))


def test_every_due_request_is_claimed_exactly_once(any_store, other_store):
    ids = {any_store.outbox.submit(f"telegram:{n}", [f"box{n}@rossi.it"], {}, now=1000.0)[0].id for n in range(40)}

    def claim_all(store, n):
        claimed = []
        while batch := store.outbox.claim_due(300, limit=3, now=1000.0 + n * 0.001):
            claimed += [request.id for request, _epoch in batch]
        return claimed

    claims = Counter(i for claimed in race(10, [any_store, other_store], claim_all) for i in claimed)
    assert set(claims) == ids and set(claims.values()) == {1}
    assert {r.id for r, _ in any_store.outbox.claim_due(300, now=1200.0)} == set()  # all held


def test_one_claim_of_a_request_wins(any_store, other_store):
    request, _ = any_store.outbox.submit("telegram:1", ["info@rossi.it"], {})
    epochs = race(20, [any_store, other_store], lambda store, n: store.outbox.claim(request.id, 300))
    assert [e for e in epochs if e is not None] == [1]


def test_two_replicas_opening_a_customers_ticket_open_one(any_store, other_store):
    results = race(10, [any_store, other_store], lambda store, n: store.tickets.lifecycle.open(1, "Mario", None, "it"))
    assert sorted(how for _, how in results) == [ALREADY_OPEN] * 9 + [NEW]
    assert len({ticket.id for ticket, _ in results}) == 1 and any_store.tickets.reports.count_open() == 1


def test_two_replicas_reopening_a_customers_ticket_reopen_it_once(any_store, other_store):
    ticket, _ = any_store.tickets.lifecycle.open(1, "Mario", None, "it", now=1000.0)
    any_store.tickets.lifecycle.close(ticket.id, now=1001.0)
    results = race(10, [any_store, other_store], lambda store, n: store.tickets.lifecycle.open(1, "Mario", None, "it", now=1002.0))
    assert sorted(how for _, how in results) == [ALREADY_OPEN] * 9 + [REOPENED]
    assert {t.id for t, _ in results} == {ticket.id} and any_store.tickets.reports.count_open() == 1


def test_of_concurrent_closers_exactly_one_wins(any_store, other_store):
    ticket, _ = any_store.tickets.lifecycle.open(1, "Mario", None, "it")
    assert race(10, [any_store, other_store], lambda store, n: store.tickets.lifecycle.close(ticket.id)).count(True) == 1


def test_of_concurrent_reopeners_exactly_one_wins(any_store, other_store):
    ticket, _ = any_store.tickets.lifecycle.open(1, "Mario", None, "it")
    any_store.tickets.lifecycle.close(ticket.id)
    assert race(10, [any_store, other_store], lambda store, n: store.tickets.lifecycle.reopen(ticket.id)).count(True) == 1


def test_one_replica_acquires_a_lease(any_store, other_store):
    leases = race(50, [any_store, other_store], lambda store, n: store.leases.acquire("role:poller", 30))
    owners = {lease.owner for lease in leases if lease is not None}
    assert len(owners) == 1 and {lease.epoch for lease in leases if lease is not None} == {1}
    assert leases.count(None) == 25  # every thread of the other replica was refused


def test_a_periodic_job_has_one_winner(any_store, other_store):
    assert race(20, [any_store, other_store], lambda store, n: store.leases.due("prune", 3600)).count(True) == 1


def test_a_reopen_racing_a_new_ticket_of_the_same_customer_leaves_one_open(any_store, other_store):
    for customer in range(1, 11):
        old, _ = any_store.tickets.lifecycle.open(customer, "Mario", None, "it", now=0.0)
        any_store.tickets.lifecycle.close(old.id, now=1.0)  # days ago: asking again opens a new ticket
        results = race(2, [any_store, other_store], lambda store, n, old=old, customer=customer:
                       store.tickets.lifecycle.reopen(old.id) if n == 0 else store.tickets.lifecycle.open(customer, "Mario", None, "it")[1])
        assert results.count(True) + results.count(NEW) == 1, results
        assert len([t for t in any_store.tickets.reports.of_customer(customer) if t.state == "open"]) == 1
