"""The flood guard counted in the inbox: every replica reaches the same verdict on the same update."""

from bot.storage import sqlite_store


def _update(update_id: int, chat: int = 7) -> dict:
    return {"update_id": update_id, "message": {"chat": {"id": chat}, "text": "hi"}}


def test_the_first_update_over_the_limit_is_warned_and_the_rest_dropped(tmp_path):
    store = sqlite_store(tmp_path / "db.sqlite3")
    store.inbox.add([_update(n) for n in range(1, 26)], now=1000.0)
    verdicts = [store.inbox.flood(n, 20, 60) for n in range(1, 26)]
    assert verdicts == ["ok"] * 20 + ["warn"] + ["drop"] * 4
    store.inbox.add([_update(99)], now=1061.0)  # a minute later the chat may write again
    assert store.inbox.flood(99, 20, 60) == "ok"
    store.close()


def test_other_chats_and_the_backlog_do_not_count(tmp_path):
    store = sqlite_store(tmp_path / "db.sqlite3")
    store.inbox.add([_update(n) for n in range(1, 30)], now=1000.0, backlog=True)  # piled up while down
    store.inbox.add([_update(n, chat=8) for n in range(100, 130)], now=1000.0)
    store.inbox.add([_update(200)], now=1001.0)
    assert store.inbox.flood(29, 20, 60) == "ok" and store.inbox.flood(200, 20, 60) == "ok"
    assert store.inbox.flood(129, 20, 60) == "drop"
    assert store.inbox.flood(12345, 20, 60) is None  # not stored: the caller decides
    store.close()


def test_two_store_objects_on_one_database_agree(tmp_path):
    first, second = sqlite_store(tmp_path / "db.sqlite3"), sqlite_store(tmp_path / "db.sqlite3")
    first.inbox.add([_update(n) for n in range(1, 12)], now=1000.0)
    second.inbox.add([_update(n) for n in range(12, 23)], now=1000.5)
    assert [first.inbox.flood(n, 20, 60) for n in (20, 21, 22)] == ["ok", "warn", "drop"]
    assert [second.inbox.flood(n, 20, 60) for n in (20, 21, 22)] == ["ok", "warn", "drop"]
    first.close(), second.close()

