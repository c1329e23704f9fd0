"""Running the real ``python -m bot run`` against the Bot API stand-in: the process, the fixtures, helpers.

The fixtures ``fake`` (the stand-in, with two customers) and ``start_bot`` (starts the bot process and
stops it after the test, checking its log holds no token) are registered by conftest.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from standin import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:E2E-TEST-TOKEN"
MARIO, MARY = 1001, 1002


class BotProcess:
    """``python -m bot run`` as a child process, with its log kept for the assertions."""

    def __init__(self, fake: FakeTelegram, data_dir: Path, *args: str, env: dict | None = None):
        self.log_path = data_dir / f"bot-{len(list(data_dir.glob('bot-*.log')))}.log"
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "SUPPORT_"))}
        environ.update(
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url, BOT_DATA_DIR=str(data_dir), LOG_LEVEL="INFO"
        )
        environ.update(env or {})
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *args], cwd=ROOT, env=environ, stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        return self.process.returncode


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        server.add_private_chat(MARIO, "Mario", username="mario", language_code="it")
        server.add_private_chat(MARY, "Mary", username="mary", language_code="en")
        yield server
        assert server.refusals == [], server.describe()
        assert server.internal_errors == []


@pytest.fixture
def start_bot(fake, tmp_path):
    bots: list[BotProcess] = []

    def start(*args: str, env: dict | None = None, wait: bool = True) -> BotProcess:
        bot = BotProcess(fake, tmp_path, *args, env=env)
        bots.append(bot)
        if wait:
            polls_before = len(fake.calls_to("getUpdates"))
            fake.wait_for(
                lambda: len(fake.calls_to("getUpdates")) > polls_before or bot.process.poll() is not None,
                timeout=30,
                message="the bot did not start polling",
            )
            assert bot.process.poll() is None, bot.output()
        return bot

    yield start
    for bot in bots:
        bot.stop()
        assert TOKEN not in bot.output() and TOKEN.split(":")[1] not in bot.output()


def texts(fake, chat_id):
    return [m["plain_text"] for m in fake.sent_to(chat_id)]


def buttons(message):
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def request_imap(fake, customer: int, mailbox: str) -> str:
    """Walk a customer through the IMAP request form (no contact given); returns the reference shown."""
    fake.send_text(customer, f"vorrei attivare imap per {mailbox}")
    fake.wait_for_messages(customer, 1)
    fake.send_text(customer, "Rossi Srl")
    contact = fake.wait_for_messages(customer, 2)[-1]
    fake.press_button(customer, contact["message_id"], next(b for b in buttons(contact) if b.endswith(":skip")))
    summary = fake.wait_for_messages(customer, 3)[-1]
    fake.press_button(customer, summary["message_id"], next(b for b in buttons(summary) if b.endswith(":ok")))
    registered = fake.wait_for_messages(customer, 4)[-1]
    assert "IMAP-" in registered["plain_text"], registered["plain_text"]
    return "IMAP-" + registered["plain_text"].split("IMAP-")[1][:6]
