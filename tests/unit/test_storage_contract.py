"""The storage contract, on SQLite and on PostgreSQL (``any_store``; ``other_store`` is another replica on
the same database): sessions, the inbox, the outbox, tickets and leases, one caller at a time. What
happens when callers race is in tests/e2e/test_storage_races.py (threads: not among the fast tests)."""

from __future__ import annotations

import time

import pytest

from bot.core.ports import LimitReached
from bot.core.session import SessionKey
from bot.storage.inbox import DONE, PENDING
from bot.storage.leases import Lease, LeaseLost
from bot.storage.outbox import DAILY_LIMIT, current_source
from bot.storage.tickets import ALREADY_OPEN, CLOSED, NEW, OPEN, REOPENED

KEY = SessionKey("telegram", "42")


def update(update_id: int, chat: int = 42, text: str = "ciao") -> dict:
    return {"update_id": update_id, "message": {"message_id": update_id, "chat": {"id": chat}, "text": text}}


# sessions

def test_sessions_get_set_update_delete_keys(any_store):
    assert any_store.get(KEY) is None and list(any_store.keys()) == []
    any_store.update(KEY, lambda data: data.update(n=1))  # a missing session starts empty
    assert any_store.get(KEY) == {"n": 1}
    any_store.update(KEY, lambda data: data.update(n=data["n"] + 1, lang="it"))
    assert any_store.get(KEY) == {"n": 2, "lang": "it"}
    any_store.set(SessionKey("telegram", "7"), {"emoji": "👋"})
    assert list(any_store.keys()) == [SessionKey("telegram", "42"), SessionKey("telegram", "7")]
    any_store.delete(KEY)
    assert any_store.get(KEY) is None and list(any_store.keys()) == [SessionKey("telegram", "7")]


def test_a_session_written_by_one_replica_is_read_by_the_other(any_store, other_store):
    any_store.set(KEY, {"flow": "setup"})
    other_store.update(KEY, lambda data: data.update(step="guide"))
    assert any_store.get(KEY) == {"flow": "setup", "step": "guide"}


def test_an_update_that_fails_changes_nothing(any_store):
    any_store.set(KEY, {"n": 1})

    def change(data):
        data["n"] = 99
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        any_store.update(KEY, change)
    assert any_store.get(KEY) == {"n": 1}


# the inbox

def test_the_inbox_dedupes_and_keeps_each_chats_order(any_store, other_store):
    assert any_store.inbox.add([update(5, chat=1), update(3, chat=2), update(4, chat=1)]) == 3
    assert other_store.inbox.add([update(4, chat=1), update(6, chat=2), {"no": "id"}]) == 1
    assert [s.update_id for s in any_store.inbox.pending_of("1")] == [4, 5]
    assert [s.update_id for s in other_store.inbox.pending_of("2")] == [3, 6]
    assert [s.update_id for s in any_store.inbox.pending()] == [3, 4, 5, 6]
    assert any_store.inbox.chats_waiting(10) == ["2", "1"]  # the longest waiting first
    assert any_store.inbox.mark(3, DONE)
    assert any_store.inbox.chats_waiting(10) == ["1", "2"] and any_store.inbox.count(PENDING) == 3
    assert any_store.inbox.pending_of("1")[0].data == update(4, chat=1)


def test_an_update_is_marked_only_under_the_chats_lease_while_it_holds(any_store, other_store):
    any_store.inbox.add([update(1), update(2)])
    lease = any_store.leases.acquire("chat:42", 30)
    assert any_store.inbox.mark(1, DONE, lease=lease)
    any_store.leases.release(lease)
    taken = other_store.leases.acquire("chat:42", 30)
    assert taken.epoch == lease.epoch + 1
    assert not any_store.inbox.mark(2, DONE, lease=lease)  # fenced: the chat moved on
    assert [s.update_id for s in other_store.inbox.pending_of("42")] == [2]
    assert other_store.inbox.mark(2, DONE, lease=taken)


# the outbox

def test_a_pending_request_for_a_mailbox_is_found_not_made_again(any_store, other_store):
    first, made = any_store.outbox.submit("telegram:1", ["info@rossi.it"], {"name": "Rossi"})
    assert made and first.reference.startswith("IMAP-")
    again, made = other_store.outbox.submit("telegram:2", ["vendite@rossi.it", "INFO@Rossi.it"], {"name": "Rossi"})
    assert not made and again.id == first.id and again.reference == first.reference
    assert first.mailboxes == ("info@rossi.it",)


def test_the_daily_limit_is_per_customer(any_store, other_store):
    for n in range(DAILY_LIMIT):
        (any_store if n % 2 else other_store).outbox.submit("telegram:1", [f"box{n}@rossi.it"], {})
    with pytest.raises(LimitReached):
        any_store.outbox.submit("telegram:1", ["another@rossi.it"], {})
    assert other_store.outbox.submit("telegram:2", ["another@rossi.it"], {})[1]


def test_the_same_event_gives_the_same_request(any_store, other_store):
    token = current_source.set("telegram:1:1001")
    try:
        first, made = any_store.outbox.submit("telegram:1", ["info@rossi.it"], {"n": 1})
        again, made_again = other_store.outbox.submit("telegram:1", ["other@rossi.it"], {"n": 2})
    finally:
        current_source.reset(token)
    assert made and not made_again and again == first
    assert len(any_store.outbox.all()) == 1


def test_a_stale_claim_cannot_record_the_result(any_store, other_store):
    request, _ = any_store.outbox.submit("telegram:1", ["info@rossi.it"], {}, now=1000.0)
    [(claimed, first)] = any_store.outbox.claim_due(60, now=1000.0)
    assert claimed.id == request.id and other_store.outbox.claim(request.id, 60, now=1010.0) is None
    second = other_store.outbox.claim(request.id, 60, now=1100.0)  # the first claim ran out
    assert second == first + 1
    assert not any_store.outbox.delivered(request.id, claim=first)
    assert not any_store.outbox.attempt_failed(request.id, "late", 2000.0, permanent=False, claim=first)
    assert other_store.outbox.delivered(request.id, claim=second)
    assert any_store.outbox.get(request.id).state == "delivered" and any_store.outbox.get(request.id).last_error is None


def test_the_claim_of_a_replica_no_longer_seen_is_taken_at_once(any_store, other_store):
    request, _ = any_store.outbox.submit("telegram:1", ["info@rossi.it"], {})
    any_store.leases.beat()
    epoch = any_store.outbox.claim(request.id, 3600)
    assert other_store.outbox.claim(request.id, 3600) is None and other_store.outbox.claim_due(3600) == []
    assert other_store.outbox.claimed(request.id)
    any_store.db.execute("UPDATE replicas SET seen = seen - 3600 WHERE id = ?", ("a",))  # killed an hour ago
    assert not other_store.outbox.claimed(request.id)
    [(claimed, taken)] = other_store.outbox.claim_due(3600)
    assert claimed.id == request.id and taken == epoch + 1


def test_next_due_waits_for_a_live_claim(any_store):
    request, _ = any_store.outbox.submit("telegram:1", ["info@rossi.it"], {}, now=1000.0)
    assert any_store.outbox.next_due(now=1000.0) == 1000.0
    any_store.outbox.claim(request.id, 300, now=1000.0)
    assert any_store.outbox.next_due(now=1000.0) == 1300.0
    assert any_store.outbox.next_due(now=1400.0) == 1000.0  # the claim ran out: due since its time
    any_store.outbox.release()
    assert any_store.outbox.next_due(now=1000.0) == 1000.0


def test_next_due_does_not_wait_for_the_claim_of_a_replica_no_longer_seen(any_store, other_store):
    """Regression: a request claimed by a replica killed mid-delivery was due only when the claim ran out
    (minutes), though ``claim_due`` could take it at once: the other replica's worker slept meanwhile."""
    request, _ = any_store.outbox.submit("telegram:1", ["info@rossi.it"], {})
    any_store.leases.beat()
    any_store.outbox.claim(request.id, 3600)
    assert other_store.outbox.next_due() == pytest.approx(request.next_attempt + 3600, abs=5)
    any_store.db.execute("UPDATE replicas SET seen = seen - 3600 WHERE id = 'a'")
    assert other_store.outbox.next_due() == request.next_attempt
    any_store.leases.beat()
    any_store.leases.stopped()
    assert other_store.outbox.next_due() == request.next_attempt


# tickets

def test_opening_is_idempotent_and_one_ticket_stays_open(any_store, other_store):
    ticket, how = any_store.tickets.lifecycle.open(1, "Mario", "mario", "it", now=1000.0)
    assert how == NEW and ticket.state == OPEN
    again, how = other_store.tickets.lifecycle.open(1, "Mario", "mario", "it", now=1001.0)
    assert how == ALREADY_OPEN and again.id == ticket.id
    assert other_store.tickets.lifecycle.close(ticket.id, now=1002.0) and not any_store.tickets.lifecycle.close(ticket.id, now=1003.0)
    reopened, how = any_store.tickets.lifecycle.open(1, "Mario", "mario", "it", now=1004.0)
    assert how == REOPENED and reopened.id == ticket.id
    any_store.tickets.lifecycle.close(ticket.id, now=1005.0)
    fresh, how = any_store.tickets.lifecycle.open(1, "Mario", "mario", "it", now=1005.0 + 2 * 86400)
    assert how == NEW and fresh.id > ticket.id


def test_reopen_refuses_while_another_ticket_is_open(any_store):
    old, _ = any_store.tickets.lifecycle.open(1, "Mario", None, "it", now=0.0)
    any_store.tickets.lifecycle.close(old.id, now=1.0)
    new, how = any_store.tickets.lifecycle.open(1, "Mario", None, "it", now=3 * 86400.0)
    assert how == NEW
    assert not any_store.tickets.lifecycle.reopen(old.id) and any_store.tickets.lifecycle.get(old.id).state == CLOSED
    assert not any_store.tickets.lifecycle.reopen(new.id)  # open already
    any_store.tickets.lifecycle.close(new.id)
    assert any_store.tickets.lifecycle.reopen(old.id) and [t.id for t in any_store.tickets.reports.open_tickets()] == [old.id]


def test_the_database_refuses_a_second_open_ticket(any_store):
    any_store.tickets.lifecycle.open(1, "Mario", None, "it")
    with pytest.raises(Exception):
        any_store.db.execute("INSERT INTO tickets (customer_chat, name, lang, state, opened) VALUES (1, 'M', 'it', 'open', 0)")
    assert any_store.tickets.reports.count_open() == 1


def test_a_takeover_needs_the_same_agent_twice(any_store, other_store):
    ticket, _ = any_store.tickets.lifecycle.open(1, "Mario", None, "it")
    any_store.tickets.handling.take(ticket.id, 10, "Giulia")
    assert not any_store.tickets.handling.ask_takeover(ticket.id, 11)
    assert other_store.tickets.handling.ask_takeover(ticket.id, 11)  # on any replica
    assert not other_store.tickets.handling.ask_takeover(ticket.id, 12)
    other_store.tickets.handling.take(ticket.id, 12, "Luca")
    assert not any_store.tickets.handling.ask_takeover(ticket.id, 12)  # taking clears the request


def test_the_guides_progress_is_new_only_when_it_changed(any_store, other_store):
    ticket, _ = any_store.tickets.lifecycle.open(1, "Mario", None, "it")
    assert any_store.tickets.handling.guide_progress(ticket.id, "2/5")
    assert not other_store.tickets.handling.guide_progress(ticket.id, "2/5")
    assert other_store.tickets.handling.guide_progress(ticket.id, "3/5")
    assert any_store.tickets.handling.guide_progress(ticket.id, None) and not any_store.tickets.handling.guide_progress(ticket.id, None)


def test_links_copies_bans_and_ratings(any_store, other_store):
    ticket, _ = any_store.tickets.lifecycle.open(1, "Mario", None, "it")
    any_store.tickets.links.link(500, ticket.id)
    assert other_store.tickets.links.ticket_of(500).id == ticket.id and other_store.tickets.links.has_messages(ticket.id)
    other_store.tickets.bans.ban(1)
    assert any_store.tickets.bans.banned(1)
    any_store.tickets.bans.unban(1)
    assert not other_store.tickets.bans.banned(1)
    assert not any_store.tickets.ratings.rate(ticket.id, 1, 5)  # open: not yet
    any_store.tickets.lifecycle.close(ticket.id)
    assert not any_store.tickets.ratings.rate(ticket.id, 2, 5) and any_store.tickets.ratings.rate(ticket.id, 1, 5)
    assert not other_store.tickets.ratings.rate(ticket.id, 1, 1) and any_store.tickets.lifecycle.get(ticket.id).rating == 5


# leases

def test_a_lease_has_one_owner_and_its_epoch_grows_only_with_a_new_owner(any_store, other_store):
    lease = any_store.leases.acquire("role:poller", 30)
    assert lease == Lease("role:poller", 1, "a")
    assert other_store.leases.acquire("role:poller", 30) is None
    assert any_store.leases.acquire("role:poller", 30) == lease  # renewed, same epoch
    assert any_store.leases.renew(30) == {"role:poller"} and any_store.leases.holds(lease)
    assert other_store.leases.owner("role:poller") == "a"
    assert any_store.leases.release(lease)
    taken = other_store.leases.acquire("role:poller", 30)
    assert taken == Lease("role:poller", 2, "b") and not any_store.leases.holds(lease)
    assert not any_store.leases.release(lease)  # not any more its own


def test_an_expired_lease_is_taken_with_the_next_epoch(any_store, other_store):
    lease = any_store.leases.acquire("chat:1", 0.3)
    assert other_store.leases.acquire("chat:1", 30) is None
    deadline = time.monotonic() + 5
    while (taken := other_store.leases.acquire("chat:1", 30)) is None:
        assert time.monotonic() < deadline, "the lease never ran out"
        time.sleep(0.05)
    assert taken.epoch == lease.epoch + 1 and taken.owner == "b"


def test_renew_keeps_what_is_held_and_drops_what_was_lost(any_store, other_store):
    kept, lost = any_store.leases.acquire("chat:1", 30), any_store.leases.acquire("chat:2", 30)
    any_store.db.execute("UPDATE leases SET expires = 0 WHERE key = ?", ("chat:2",))
    assert other_store.leases.acquire("chat:2", 30).epoch == lost.epoch + 1
    assert any_store.leases.renew(30) == {"chat:1"}
    assert any_store.leases.held() == {"chat": 1} and other_store.leases.held() == {"chat": 1}
    assert any_store.leases.holds(kept) and not any_store.leases.holds(lost)


def test_fence_raises_inside_the_transaction_once_the_lease_moved(any_store, other_store):
    lease = any_store.leases.acquire("chat:1", 30)
    with any_store.db.transaction() as tx:
        any_store.leases.fence(tx, lease)
    for stale in (Lease("chat:1", lease.epoch - 1, "a"), Lease("chat:1", lease.epoch, "b")):
        with pytest.raises(LeaseLost):
            with any_store.db.transaction() as tx:
                tx.execute("INSERT INTO bans (customer_chat, since) VALUES (1, 0)")
                any_store.leases.fence(tx, stale)
    assert not any_store.tickets.bans.banned(1)  # what the fenced transaction wrote is gone
    any_store.leases.release(lease)
    other_store.leases.acquire("chat:1", 30)
    with pytest.raises(LeaseLost):
        with any_store.db.transaction() as tx:
            any_store.leases.fence(tx, lease)


def test_a_periodic_job_runs_once_per_period(any_store, other_store):
    assert any_store.leases.due("prune", 3600)
    assert not other_store.leases.due("prune", 3600) and not any_store.leases.due("prune", 3600)
    any_store.db.execute("UPDATE periodic SET last_run = last_run - 3601")
    assert other_store.leases.due("prune", 3600) and not any_store.leases.due("prune", 3600)


def test_a_clean_stop_frees_everything_at_once(any_store, other_store):
    held = [any_store.leases.acquire(f"chat:{n}", 3600) for n in range(3)]
    any_store.leases.beat()
    other_store.leases.beat()
    assert any_store.leases.others_alive() and other_store.leases.others_alive()
    any_store.leases.stopped()
    assert not other_store.leases.others_alive() and any_store.leases.others_alive()
    for lease in held:
        assert other_store.leases.acquire(lease.key, 30).epoch == lease.epoch + 1
    any_store.leases.beat()  # started again
    assert other_store.leases.others_alive()


def test_a_replica_not_seen_lately_is_not_alive_and_its_leases_move_on(any_store, other_store):
    lease = any_store.leases.acquire("role:poller", 3600)
    any_store.leases.beat()
    assert other_store.leases.acquire("role:poller", 30) is None
    any_store.db.execute("UPDATE replicas SET seen = seen - 60 WHERE id = 'a'")
    assert not other_store.leases.others_alive()
    assert other_store.leases.acquire("role:poller", 30).epoch == lease.epoch + 1
    assert [r[0] for r in other_store.leases.replicas()] == ["a"]
