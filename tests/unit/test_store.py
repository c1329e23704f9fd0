"""The session store contract, run against every backend (SQLite and PostgreSQL: ``any_store``)."""

from __future__ import annotations

from bot.core.session import SessionKey


def test_get_set_delete_keys(any_store):
    a, b = SessionKey("telegram", "1"), SessionKey("terminal", "1")
    assert any_store.get(a) is None
    any_store.set(a, {"lang": "it", "history": [["customer", "ciao 👋"]]})
    any_store.set(b, {"lang": "en"})
    any_store.set(a, {"lang": "en"})
    assert any_store.get(a) == {"lang": "en"}
    assert list(any_store.keys()) == [a, b]
    any_store.delete(a)
    assert any_store.get(a) is None and list(any_store.keys()) == [b]


def test_data_survives_reopening_the_database(stores):
    first = stores.open()
    first.set(SessionKey("telegram", "7"), {"flow": "setup"})
    first.record_unanswered("it", "quanto costa?", "out_of_scope")
    first.close()
    second = stores.open()
    assert second.get(SessionKey("telegram", "7")) == {"flow": "setup"}
    assert second.unanswered_report()[0]["question"] == "quanto costa?"


def test_a_corrupt_session_row_reads_as_no_session(any_store):
    any_store.db.execute("INSERT INTO sessions VALUES ('telegram', '9', 'not json', 0)")
    assert any_store.get(SessionKey("telegram", "9")) is None


def test_retention_deletes_what_is_older_and_keeps_the_rest(any_store):
    import time as clock

    from bot.storage.store import MAX_LOGGED_QUESTION

    store = any_store
    old, recent = SessionKey("telegram", "1"), SessionKey("telegram", "2")
    store.set(old, {"lang": "it"})
    store.set(recent, {"lang": "en"})
    store.record_unanswered("it", "x" * 5000, "unsure")
    store.record_feedback(old, "it", "smtp", "cos'è smtp", True)
    store.db.execute("UPDATE sessions SET updated = updated - 400 * 86400 WHERE chat_id = '1'")
    store.db.execute("UPDATE feedback SET at = at - 400 * 86400")
    removed = store.prune(365, now=clock.time())
    assert removed["sessions"] == 1 and removed["feedback"] == 1 and removed["unanswered"] == 0
    assert store.get(old) is None and store.get(recent) == {"lang": "en"}
    [row] = store.unanswered_report()
    assert len(row["question"]) == MAX_LOGGED_QUESTION  # one message cannot fill the table



def test_retention_keeps_the_session_of_a_customer_whose_ticket_is_open(any_store):
    """Issue 18: pruning the session of a customer with an open ticket sent their next message to the bot."""
    import time as clock

    store = any_store
    waiting, closed, gone = SessionKey("telegram", "101"), SessionKey("telegram", "102"), SessionKey("telegram", "103")
    for key in (waiting, closed, gone):
        store.set(key, {"lang": "it", "flows": [{"flow": "human", "state": {"step": "with-team"}}]})
    store.tickets.lifecycle.open(101, "Mario", None, "it")
    ticket, _how = store.tickets.lifecycle.open(102, "Anna", None, "it")
    store.tickets.lifecycle.close(ticket.id)
    store.db.execute("UPDATE sessions SET updated = updated - 400 * 86400")
    removed = store.prune(365, now=clock.time())
    assert removed["sessions"] == 2
    assert store.get(waiting) is not None  # the open ticket still needs it
    assert store.get(closed) is None and store.get(gone) is None
