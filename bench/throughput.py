"""Updates per second through the real Telegram Application, beside a bare python-telegram-bot echo bot.

    python bench/throughput.py [--updates 3000] [--customers 100] [--rounds 3] [--old REV]

Both bots run python-telegram-bot's Application with a request class that answers like the Bot API
without any network, and process the same text updates one at a time (as in production, which keeps
every chat's order). Each runs in its own process, so that its peak memory is its own. Prints updates
per second, p50 and p99 time per update, and peak RSS, then the ratio of the two throughputs.
Rate limiting is left out of both: it caps what Telegram accepts, not what the bot can do.

With ``--old REV`` the bot of that commit (checked out in a temporary git worktree, measured by its own
copy of this script) runs in the same alternated rounds, so that a change is compared with its parent
under the same machine noise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The tests' helpers: offline_bot_api (an offline Bot API request class) and telegram_standin (a local Bot API).
TEST_SUPPORT = ROOT / "tests" / "support"

TOKEN = "123456:BENCH"
# What customers write: the labelled questions of the tests, in Italian and English.
QUESTIONS = [q["text"] for q in __import__("yaml").safe_load((ROOT / "tests" / "data" / "questions.yaml").read_text())]


def make_request_class():
    sys.path.insert(0, str(TEST_SUPPORT))
    from offline_bot_api import OfflineBotAPI

    return lambda: OfflineBotAPI(record=False)


def updates(count: int, customers: int):
    from telegram import Update

    out = []
    for n in range(count):
        user = 1000 + n % customers
        data = {
            "update_id": n + 1,
            "message": {
                "message_id": n + 1, "date": int(time.time()),
                "chat": {"id": user, "type": "private", "first_name": "C"},
                "from": {"id": user, "is_bot": False, "first_name": "C", "language_code": "it"},
                "text": QUESTIONS[n % len(QUESTIONS)],
            },
        }
        out.append(data)
    return [Update.de_json(d, None) for d in out]


async def measure(application, batch) -> list[float]:
    await application.initialize()
    times = []
    for update in batch:
        update.set_bot(application.bot)
        start = time.perf_counter()
        await application.process_update(update)
        times.append(time.perf_counter() - start)
    await application.shutdown()
    return times


def run_one(kind: str, count: int, customers: int) -> dict:
    request = make_request_class()()
    if kind == "echo":
        from telegram.ext import ApplicationBuilder, MessageHandler, filters

        async def echo(update, context):
            await update.message.reply_text(update.message.text)

        application = ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
        application.add_handler(MessageHandler(filters.TEXT, echo))
    else:
        os.environ["BOT_DATA_DIR"] = tempfile.mkdtemp(prefix="mailbot-throughput-")
        from bot.app import build_core
        from bot.channels.telegram.service import telegram_bot
        from bot.config import load_settings

        settings = load_settings({"BOT_DATA_DIR": os.environ["BOT_DATA_DIR"], "TELEGRAM_BOT_TOKEN": TOKEN})
        application = telegram_bot(build_core(settings)).build(request=request, rate_limits=False)
    batch = updates(count, customers)
    started = time.perf_counter()
    times = asyncio.run(measure(application, batch))
    elapsed = time.perf_counter() - started
    times.sort()
    return {
        "kind": kind,
        "per_second": count / elapsed,
        "p50_ms": statistics.median(times) * 1000,
        "p99_ms": times[int(len(times) * 0.99) - 1] * 1000,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--old", metavar="REV", help="also measure the bot of this commit, in the same rounds")
    parser.add_argument("--one", choices=("mailbot", "echo"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.updates, args.customers)))
        return 0
    with checkout(args.old) as old_root:
        runs = alternated_rounds(args, old_root)
    # Each bot's median round by throughput.
    results = {kind: sorted(r, key=lambda x: x["per_second"])[len(r) // 2] for kind, r in runs.items()}
    print(f"median of {args.rounds} alternated rounds per bot")
    print(f"{args.updates} text updates from {args.customers} customers, processed one at a time")
    print(f"{'bot':<10}{'updates/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'peak RSS MB':>14}")
    for kind, r in results.items():
        print(f"{kind:<10}{r['per_second']:>12.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}{r['peak_rss_mb']:>14.1f}")
    ratio = results["mailbot"]["per_second"] / results["echo"]["per_second"]
    print(f"throughput ratio mailbot / echo: {ratio:.2f}  (bar: at least 0.5)")
    if "old" in results:
        print(f"throughput ratio mailbot / {args.old}: {results['mailbot']['per_second'] / results['old']['per_second']:.2f}"
              f"  (p99 {results['mailbot']['p99_ms'] / results['old']['p99_ms']:.2f}x)")
    print(f"peak RSS of 'python -m bot run' after {args.customers * 5} updates over HTTP: {run_process_peak_rss(args.customers):.1f} MB  (bar: at most 80)")
    return 0


def alternated_rounds(args: argparse.Namespace, old_root: Path | None) -> dict[str, list[dict]]:
    """Each bot measured in its own process, round after round, so that machine noise hits all alike."""
    bots = {"echo": ROOT, "mailbot": ROOT} | ({"old": old_root} if old_root else {})
    runs: dict[str, list[dict]] = {kind: [] for kind in bots}
    for _ in range(args.rounds):
        for kind, root in bots.items():
            script = root / "bench" / "throughput.py"
            one = "echo" if kind == "echo" else "mailbot"
            out = subprocess.run(
                [sys.executable, str(script), "--one", one, "--updates", str(args.updates), "--customers", str(args.customers)],
                capture_output=True, text=True, check=True, cwd=root, env=dict(os.environ, PYTHONPATH=str(root)),
            )
            runs[kind].append(json.loads(out.stdout.strip().splitlines()[-1]))
    return runs


@contextmanager
def checkout(rev: str | None):
    """The commit ``rev`` in a temporary git worktree (None: nothing)."""
    if not rev:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="mailbot-old-"))
    subprocess.run(["git", "worktree", "add", "--detach", str(folder / "tree"), rev], cwd=ROOT, check=True,
                   capture_output=True)
    try:
        yield folder / "tree"
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder / "tree")], cwd=ROOT, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def run_process_peak_rss(customers: int) -> float:
    """The real ``python -m bot run`` against the tests' local Bot API stand-in: its peak RSS in MB."""
    sys.path.insert(0, str(TEST_SUPPORT))
    from telegram_standin import FakeTelegram

    with FakeTelegram(token=TOKEN) as fake:
        fake.flood_limit_per_chat_per_second = None
        users = [2000 + n for n in range(customers)]
        for user in users:
            fake.add_private_chat(user, "C", language_code="it")
        env = dict(os.environ, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url,
                   BOT_DATA_DIR=tempfile.mkdtemp(prefix="mailbot-rss-"))
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        try:
            fake.wait_for(lambda: fake.calls_to("getUpdates"), timeout=60)
            for n in range(5):
                for user in users:
                    fake.send_text(user, QUESTIONS[(user + n) % len(QUESTIONS)])
            fake.wait_for(lambda: all(len(fake.sent_to(u)) >= 5 for u in users), timeout=300)
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        finally:
            process.terminate()
            process.wait(30)
    return peak_kb / 1024


if __name__ == "__main__":
    sys.exit(main())
