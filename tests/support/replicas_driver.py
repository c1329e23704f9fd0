"""Replicas of the real bot behind a driver that plays Telegram's webhook and a round-robin load balancer.

    driver (Telegram + LB) ──POST /telegram──► replica a ─┐
                           └──(retry on the other)──► replica b ─┴─► one database ─► the Bot API stand-in

``Replica`` is one ``python -m bot run --webhook`` process with ports, a data folder and a replica id of
its own; it can be killed (``kill -9``), started again, or stopped with SIGTERM. ``WebhookDriver`` does
what Telegram's WebhookActor does (tdlib/telegram-bot-api): per chat the next update is POSTed only after
the previous one got a 2xx, chats in parallel; as a load balancer it takes the replicas in turn and sends
a failed POST (refused, 5xx, timeout) to the next one after a short pause. ``TcpCut`` is a port forward to
the database that can be cut, so one replica loses its database while the other keeps it.

Used by tests/e2e/test_replicas_postgres.py and bench/replicas.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from ports import free_port
from telegram_e2e_support import buttons

ROOT = Path(__file__).resolve().parents[2]
SECRET = "replicas-webhook-secret"
WEBHOOK_URL = "https://bot.example/telegram"


def get(port: int, path: str, timeout: float = 5) -> tuple[int, bytes]:
    """(status, body) of a GET on 127.0.0.1; status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """``predicate()`` once truthy; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(interval)


class Replica:
    """One ``python -m bot run --webhook`` process; ``start`` again after ``kill`` for a new process with
    the same ports and data folder (and a new replica id)."""

    def __init__(self, name: str, folder: Path, *, token: str, telegram_url: str, database_url: str | None,
                 env: dict[str, str] | None = None):
        self.name, self.folder = name, folder
        self.webhook_port, self.http_port = free_port(), free_port()
        self.starts = 0
        self.process: subprocess.Popen | None = None
        self.replica_id = ""
        folder.mkdir(parents=True, exist_ok=True)
        drop = ("TELEGRAM_", "WEBHOOK_", "SUPPORT_", "DATABASE_", "HTTP_", "SMTP_", "REPLICA_", "LEASE_")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        self.env.update(
            TELEGRAM_BOT_TOKEN=token, TELEGRAM_BASE_URL=telegram_url, BOT_DATA_DIR=str(folder), LOG_LEVEL="INFO",
            WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(self.webhook_port), HTTP_LISTEN="127.0.0.1", HTTP_PORT=str(self.http_port),
        )
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.env.update(env or {})

    @property
    def log_path(self) -> Path:
        return self.folder / f"bot-{self.starts}.log"

    def start(self) -> "Replica":
        self.starts += 1
        self.replica_id = f"{self.name}-{self.starts}"
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--webhook"], cwd=ROOT,
                                            env={**self.env, "REPLICA_ID": self.replica_id},
                                            stdout=log, stderr=subprocess.STDOUT)
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ready(self) -> bool:
        return get(self.http_port, "/readyz", timeout=3)[0] == 200

    def wait_ready(self, timeout: float = 60) -> None:
        wait_until(lambda: self.ready() or not self.running(), timeout, f"/readyz 200 on {self.replica_id}")
        assert self.running(), self.output()

    def kill(self) -> None:
        """``kill -9``."""
        if self.running():
            self.process.kill()
            self.process.wait(10)

    def stop(self, timeout: float = 10) -> tuple[int | None, float]:
        """SIGTERM; (exit status, seconds it took), status None when it had to be killed."""
        if not self.running():
            return (self.process.returncode if self.process else None), 0.0
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            status = None
        return status, time.monotonic() - started

    def output(self) -> str:
        return "".join(p.read_text() for p in sorted(self.folder.glob("bot-*.log")))

    def metrics(self) -> list:
        """/metrics parsed as Prometheus text (the families); AssertionError when it does not parse."""
        from prometheus_client.parser import text_string_to_metric_families

        status, body = get(self.http_port, "/metrics")
        assert status == 200, (self.replica_id, status)
        return list(text_string_to_metric_families(body.decode()))


class WebhookDriver:
    """Telegram's webhook and a round-robin load balancer, in one asyncio loop (run it in a thread).

    ``chats`` maps a chat id to its script: coroutines, each returning the next update to deliver (built
    when it is its turn: a button press needs the message the bot sent). Per chat, an update is POSTed
    only after the previous one got a 2xx; a failed POST goes to the next replica after ``pause``.
    ``rate``: at most this many first POSTs per second across all chats (Telegram's pace), else none.
    """

    def __init__(self, replicas: list[Replica], *, pause: float = 0.3, timeout: float = 5.0,
                 rate: float | None = None, concurrency: int = 40, give_up_after: float = 120.0):
        self.replicas, self.pause, self.timeout, self.rate = replicas, pause, timeout, rate
        self.concurrency, self.give_up_after = concurrency, give_up_after
        self._turn = itertools.count()
        self.acked = 0
        self.failed_posts = 0
        self.posted: dict[int, float] = {}  # update id -> monotonic time of its first POST
        self.acked_at: dict[int, float] = {}
        self.chat_updates: dict[int, list[int]] = {}  # chat -> its update ids, in order
        self.errors: list[str] = []
        self._lock = threading.Lock()

    async def deliver(self, client, chat: int, update: dict) -> None:
        """POST until a replica answers 2xx (bounded)."""
        update_id = update["update_id"]
        body = json.dumps(update).encode()
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        first = time.monotonic()
        with self._lock:
            self.posted[update_id] = first
            self.chat_updates.setdefault(chat, []).append(update_id)
        while True:
            replica = self.replicas[next(self._turn) % len(self.replicas)]
            try:
                response = await client.post(f"http://127.0.0.1:{replica.webhook_port}/telegram", content=body,
                                             headers=headers, timeout=self.timeout)
                if 200 <= response.status_code < 300:
                    with self._lock:
                        self.acked += 1
                        self.acked_at[update_id] = time.monotonic()
                    return
            except Exception:  # refused, reset, timed out: Telegram tries again later
                pass
            with self._lock:
                self.failed_posts += 1
            if time.monotonic() - first > self.give_up_after:
                raise AssertionError(f"update {update_id} of chat {chat} not accepted in {self.give_up_after:.0f} s")
            await asyncio.sleep(self.pause)

    async def _chat(self, client, chat: int, steps: Iterable[Callable[[], Awaitable[dict]]], limit, pacer) -> None:
        async with limit:
            for step in steps:
                update = await step()
                if pacer is not None:
                    await pacer()
                await self.deliver(client, chat, update)

    async def run(self, chats: dict[int, list[Callable[[], Awaitable[dict]]]]) -> None:
        import httpx

        limit = asyncio.Semaphore(self.concurrency)
        pacer = self._pacer() if self.rate else None
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=self.concurrency * 2)) as client:
            conversations = (self._chat(client, chat, steps, limit, pacer) for chat, steps in chats.items())
            results = await asyncio.gather(*conversations, return_exceptions=True)
        self.errors = [repr(r) for r in results if isinstance(r, BaseException)]

    def _pacer(self) -> Callable[[], Awaitable[None]]:
        interval, slots = 1.0 / self.rate, itertools.count()
        start = time.monotonic()

        async def slot() -> None:
            due = start + next(slots) * interval
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        return slot

    def start(self, chats: dict[int, list[Callable[[], Awaitable[dict]]]]) -> threading.Thread:
        """Run in a thread of its own; join it to wait for every update to be accepted."""
        thread = threading.Thread(target=lambda: asyncio.run(self.run(chats)), name="webhook driver", daemon=True)
        thread.start()
        return thread


def text_step(fake, chat: int, text: str) -> Callable[[], Awaitable[dict]]:
    async def step() -> dict:
        return fake.text_update(chat, text)
    return step


async def bot_messages(fake, chat: int, count: int, timeout: float = 60.0) -> list[dict]:
    """The bot's messages to ``chat`` once there are ``count`` (a customer waiting for the answer)."""
    deadline = time.monotonic() + timeout
    while len(sent := fake.sent_to(chat)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"chat {chat}: {len(sent)} message(s) from the bot, {count} awaited")
        await asyncio.sleep(0.05)
    return sent


def press_step(fake, chat: int, after: int, ending: str, timeout: float = 60.0) -> Callable[[], Awaitable[dict]]:
    """Wait for a message of the bot, the ``after``-th or a later one (a reply sent twice around a kill
    shifts them), with a button whose data ends with ``ending``, and press it."""
    async def step() -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed((await bot_messages(fake, chat, after, timeout))[after - 1:]):
                data = next((b for b in buttons(message) if b.endswith(ending)), None)
                if data is not None:
                    return fake.button_update(chat, message["message_id"], data)
            if time.monotonic() > deadline:
                raise AssertionError(f"chat {chat}: no button ending {ending!r} from the bot")
            await asyncio.sleep(0.05)
    return step


def text_after_step(fake, chat: int, after: int, text: str) -> Callable[[], Awaitable[dict]]:
    """Wait for the bot's ``after``-th message, then write ``text``."""
    async def step() -> dict:
        await bot_messages(fake, chat, after)
        return fake.text_update(chat, text)
    return step


def imap_request_steps(fake, chat: int, mailbox: str, name: str) -> list[Callable[[], Awaitable[dict]]]:
    """A customer asking for IMAP on ``mailbox`` through to Confirm (no contact given): four updates, and
    the bot's replies 1-4 (the 4th with the reference), then the delivery notice."""
    return [text_step(fake, chat, f"vorrei attivare imap per {mailbox}"),
            text_after_step(fake, chat, 1, name),
            press_step(fake, chat, 2, ":skip"),
            press_step(fake, chat, 3, ":ok")]


class TcpCut:
    """127.0.0.1:port forwarded to ``target``; ``cut()`` closes every connection and refuses new ones
    (accepts and closes them at once) until ``restore()``."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._cut = False
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="tcp cut").start()

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            sockets, self._open = list(self._open), set()
        for s in sockets:
            _close(s)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refused = self._cut
            if refused:
                _close(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with self._lock:
                    self._open.discard(s)
                _close(s)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]
