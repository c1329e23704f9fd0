"""Two real ``python -m bot run`` processes in polling mode on one database: one polls, the other
stands by and takes over when the poller dies; nobody exits on Telegram's 409 and nothing is lost.

Each test runs on one SQLite file shared by both processes, and on PostgreSQL.
"""

from __future__ import annotations

import time

import pytest
from postgres import Schema, server_url
from telegram_e2e_support import MARIO, MARY, texts

LEASE = "3"  # seconds: a short lease keeps the takeover quick


@pytest.fixture(params=["sqlite", "postgres"])
def database(request):
    """The environment that puts both processes on one database."""
    if request.param == "sqlite":
        yield {}  # the same BOT_DATA_DIR: one SQLite file
        return
    schema = Schema(server_url())
    yield {"DATABASE_URL": schema.url}
    schema.drop()


def _poller(bots) -> list:
    return [b for b in bots if "this replica polls Telegram" in b.output()]


def test_two_processes_on_one_database_elect_one_poller_and_both_stay_up(fake, start_bot, database):
    first = start_bot(env={**database, "LEASE_SECONDS": LEASE, "REPLICA_ID": "first"})
    second = start_bot(env={**database, "LEASE_SECONDS": LEASE, "REPLICA_ID": "second"}, wait=False)
    fake.wait_for(lambda: "standing by" in second.output(), timeout=15)
    for n in range(6):
        fake.send_text(MARIO if n % 2 else MARY, f"what is smtp {n}?")
    fake.wait_for(lambda: len(fake.sent_to(MARIO)) == 3 and len(fake.sent_to(MARY)) == 3, timeout=30)
    time.sleep(2 * float(LEASE))  # long enough for a second poller to show up if there were one
    assert first.process.poll() is None and second.process.poll() is None
    assert _poller([first, second]) == [first]
    assert "409" not in first.output() + second.output() and "another process is polling" not in second.output()
    assert len(fake.sent_to(MARIO)) == 3 and len(fake.sent_to(MARY)) == 3  # each answered once
    for chat in (MARIO, MARY):  # with the SMTP article, each time
        assert len(set(texts(fake, chat))) == 1 and "SMTP" in texts(fake, chat)[0], texts(fake, chat)


def test_when_the_poller_is_killed_the_other_process_polls_and_nothing_is_lost(fake, start_bot, database):
    first = start_bot(env={**database, "LEASE_SECONDS": LEASE, "REPLICA_ID": "first"})
    second = start_bot(env={**database, "LEASE_SECONDS": LEASE, "REPLICA_ID": "second"}, wait=False)
    fake.wait_for(lambda: "standing by" in second.output(), timeout=15)
    fake.send_text(MARIO, "what is smtp?")
    [answer] = fake.wait_for_messages(MARIO, 1, timeout=20)
    assert "SMTP" in answer["plain_text"]
    first.kill()
    killed = time.monotonic()
    for n in range(5):
        fake.send_text(MARY, f"imap port {n}?")
    fake.wait_for(lambda: "this replica polls Telegram" in second.output(), timeout=float(LEASE) + 30)
    fake.wait_for_messages(MARY, 5, timeout=30)
    took = time.monotonic() - killed
    assert took < float(LEASE) + 25 + 10, took  # a lease plus one long poll, with room for a slow machine
    assert len(fake.sent_to(MARY)) == 5 and second.process.poll() is None
    assert not fake.pending_updates()
    assert [t.split("\n")[0] for t in texts(fake, MARY)] == [texts(fake, MARY)[0].split("\n")[0]] * 5
    assert "993" in texts(fake, MARY)[0]  # the IMAP port, answered five times by the one left
