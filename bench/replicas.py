"""Reply time at Telegram's ceiling: one SQLite process, one replica on PostgreSQL, two replicas on
PostgreSQL behind a round-robin balancer; and how long a kill -9 of one of two replicas keeps its chats
waiting.

    python bench/replicas.py [--rate 30] [--seconds 20] [--chats 200]

Each setup runs the real ``python -m bot run --webhook`` processes against the Bot API stand-in, fed by
the driver of tests/e2e/test_replicas_postgres.py (tests/support/replicas_driver.py): ``--rate`` updates
a second for ``--seconds`` seconds, spread over ``--chats`` chats, each chat's next update POSTed only
after the previous one got its 2xx, as Telegram does. Reply time: the update's first POST until the bot's
sendMessage reaches the stand-in. PostgreSQL is the tests' server (MAILBOT_TEST_DATABASE_URL, default the
local one), a fresh schema per setup. The bar of issue 17: two replicas' p99 within 2x one SQLite process's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from postgres import DEFAULT_URL, Schema  # noqa: E402
from replicas_driver import Replica, WebhookDriver, percentile, text_step, wait_until  # noqa: E402
from telegram_standin import FakeTelegram  # noqa: E402

TOKEN = "123456:BENCH-REPLICAS"
QUESTIONS = ("what is smtp?", "imap port?", "how do I change my password?", "/help")
LEASE = "5"


def world(chats: range) -> FakeTelegram:
    fake = FakeTelegram(token=TOKEN)
    for chat in chats:
        fake.add_private_chat(chat, f"Customer {chat}", language_code="en")
    return fake


def start(names: str, folder: Path, fake, database_url: str | None) -> list[Replica]:
    replicas = [Replica(name, folder / name, token=TOKEN, telegram_url=fake.base_url, database_url=database_url,
                        env={"LEASE_SECONDS": LEASE, "LOG_LEVEL": "WARNING"}) for name in names]
    for r in replicas:
        r.start()
    for r in replicas:
        r.wait_ready(120)
    return replicas


def load(fake, replicas: list[Replica], chats: range, per_chat: int, rate: float, first_chat_warmup: int = 10):
    """Warm up (a few chats of their own), then drive the load; returns the driver, its thread, the chats driven."""
    warm = WebhookDriver(replicas)
    warmups = list(chats)[:first_chat_warmup]
    warm.start({c: [text_step(fake, c, QUESTIONS[0])] for c in warmups}).join(60)
    wait_until(lambda: all(fake.sent_to(c) for c in warmups), 60, "warm-up answered")
    driven = list(chats)[first_chat_warmup:]
    driver = WebhookDriver(replicas, rate=rate, concurrency=100)
    thread = driver.start({c: [text_step(fake, c, QUESTIONS[n % len(QUESTIONS)]) for n in range(per_chat)] for c in driven})
    return driver, thread, driven


def reply_times(fake, driver: WebhookDriver, driven: list[int]) -> list[float]:
    """Per update, its first POST until its answer (a chat's n-th answer is its n-th update's)."""
    times = []
    for chat in driven:
        for update_id, message in zip(driver.chat_updates.get(chat, []), fake.sent_to(chat)):
            times.append(message["sent_at"] - driver.posted[update_id])
    return times


def run_setup(label: str, names: str, folder: Path, database_url: str | None, args) -> dict:
    chats = range(10_000, 10_000 + args.chats + 10)
    per_chat = max(1, round(args.rate * args.seconds / args.chats))
    fake = world(chats)
    replicas = start(names, folder, fake, database_url)
    try:
        started = time.monotonic()
        driver, thread, driven = load(fake, replicas, chats, per_chat, args.rate)
        thread.join(args.seconds * 4 + 60)
        posting = time.monotonic() - started
        wait_until(lambda: all(len(fake.sent_to(c)) >= per_chat for c in driven), 120, f"{label}: every update answered")
        times = reply_times(fake, driver, driven)
        extra = sum(max(0, len(fake.sent_to(c)) - per_chat) for c in driven)
        return {"label": label, "updates": len(times), "seconds": posting, "p50": percentile(times, 50),
                "p99": percentile(times, 99), "max": max(times), "failed_posts": driver.failed_posts, "extra": extra}
    finally:
        for r in replicas:
            r.stop()
        fake.close()


def failover(folder: Path, database_url: str, args) -> dict:
    """Two replicas under the load; one killed a third of the way: how long its chats wait."""
    import psycopg

    chats = range(20_000, 20_000 + args.chats + 10)
    per_chat = max(1, round(args.rate * args.seconds / args.chats))
    fake = world(chats)
    a, b = replicas = start("ab", folder, fake, database_url)
    try:
        driver, thread, driven = load(fake, replicas, chats, per_chat, args.rate)
        wait_until(lambda: driver.acked >= len(driven) * per_chat // 3, 60, "a third accepted")
        with psycopg.connect(database_url, autocommit=True) as conn:
            held = {int(k.split(":")[1]) for (k,) in conn.execute(
                "SELECT key FROM leases WHERE owner = %s AND key LIKE 'chat:%%' "
                "AND expires >= extract(epoch from clock_timestamp())", (a.replica_id,)).fetchall()}
        waiting = {c: len(fake.sent_to(c)) for c in held}
        a.kill()
        killed = time.monotonic()
        thread.join(args.seconds * 4 + 60)
        wait_until(lambda: all(len(fake.sent_to(c)) >= per_chat for c in driven), 120, "every update answered")
        waits = []
        for chat, before in waiting.items():
            after = [m["sent_at"] for m in fake.sent_to(chat)[before:] if m["sent_at"] > killed]
            if after:
                waits.append(after[0] - killed)
        return {"held": len(held), "answered_again": len(waits), "max": max(waits, default=float("nan")),
                "p50": percentile(waits, 50)}
    finally:
        for r in replicas:
            r.stop()
        fake.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=30.0, help="updates a second (Telegram's ceiling: 30)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--chats", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("BOT_CACHE_DIR", str(Path(tempfile.gettempdir()) / "mailbot-bench-cache"))
    server = os.environ.get("MAILBOT_TEST_DATABASE_URL", DEFAULT_URL)
    results = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-replicas-") as tmp:
        folder = Path(tmp)
        results.append(run_setup("one process, SQLite", "s", folder / "sqlite", None, args))
        for label, names in (("one replica, PostgreSQL", "p"), ("two replicas, PostgreSQL", "ab")):
            schema = Schema(server)
            try:
                results.append(run_setup(label, names, folder / names, schema.url, args))
            finally:
                schema.drop()
        schema = Schema(server)
        try:
            kill = failover(folder / "failover", schema.url, args)
        finally:
            schema.drop()
    print(f"\n{args.rate:g} updates/s for {args.seconds:g} s over {args.chats} chats (reply time: POST -> sendMessage); "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs "
          "(the bot, the stand-in and PostgreSQL share them: figures from a busy machine are not comparable)\n")
    print(f"{'setup':28} {'updates':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'retried':>7} {'extra':>5}")
    for r in results:
        print(f"{r['label']:28} {r['updates']:>7} {r['p50'] * 1000:>8.0f} {r['p99'] * 1000:>8.0f} {r['max'] * 1000:>8.0f} "
              f"{r['failed_posts']:>7} {r['extra']:>5}")
    ratio = results[2]["p99"] / results[0]["p99"]
    print(f"\ntwo replicas' p99 / one SQLite process's p99: {ratio:.2f} (bar: at most 2)")
    print(f"kill -9 of one of two replicas (LEASE_SECONDS={LEASE}): {kill['held']} chats it held, "
          f"{kill['answered_again']} answered again after the kill, in {kill['p50']:.1f} s (p50), {kill['max']:.1f} s (max)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
