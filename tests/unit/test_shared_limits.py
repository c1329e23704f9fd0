"""Telegram's budgets (30 calls/s per bot, 20 a minute per group) shared out among the running replicas."""

from bot.storage import sqlite_store


def test_replicas_share_telegrams_budgets_and_count_themselves(tmp_path):
    from bot.channels.telegram.botapi.limiter import PausingRateLimiter
    from bot.storage.leases import Leases

    store = sqlite_store(tmp_path / "db.sqlite3")
    first, second = Leases(store.db, "a"), Leases(store.db, "b")
    first.beat()
    assert first.running() == 1
    second.beat()
    assert first.running() == 2 and second.running() == 2
    limiter = PausingRateLimiter(overall_max_rate=30, group_max_rate=20)
    limiter.share(first.running())
    assert limiter._overall.max_rate == 15 and limiter._group_max_rate == 10
    second.stopped()
    limiter.share(first.running())
    assert limiter._overall.max_rate == 30 and limiter._group_max_rate == 20
    store.close()
