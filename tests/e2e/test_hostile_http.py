"""Hostile requests on every port the bot serves, against the real process: limits before reading, the
secret before the body, a 4xx for anything malformed whatever its shape or size, and the bot answering
customers meanwhile. Each test is a regression found by an adversarial run."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time

import pytest
from smtp_server import free_port
from telegram_e2e_support import MARIO, ROOT, TOKEN

SECRET = "the-webhook-secret_42"
TEN_MB = 10 * 1024 * 1024


def post(port: int, path: str, body: bytes, secret: str | None = SECRET, declared: int | None = None) -> int:
    """POST ``body`` (streamed, with ``declared`` as its Content-Length when given); the status, or 0 when
    the connection was cut before an answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Content-Length": str(declared if declared is not None else len(body))}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    try:
        conn.putrequest("POST", path)
        for key, value in headers.items():
            conn.putheader(key, value)
        conn.endheaders()
        for start in range(0, len(body), 1 << 20):
            conn.send(body[start:start + (1 << 20)])
        return conn.getresponse().status
    except (ConnectionError, socket.timeout, http.client.HTTPException):
        return 0
    finally:
        conn.close()


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def rss_kb(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def webhook_bot(fake, start_bot):
    webhook_port, port = free_port(), free_port()
    env = {"WEBHOOK_URL": "https://bot.example.com/tg-hook", "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(webhook_port),
           "WEBHOOK_SECRET": SECRET, "HTTP_PORT": str(port), "HTTP_LISTEN": "127.0.0.1"}
    bot = start_bot("--webhook", env=env, wait=False)
    fake.wait_for(lambda: _ready(port), timeout=30, message="/readyz 200")
    return bot, webhook_port, port


def _ready(port: int) -> bool:
    try:
        return get(port, "/readyz") == 200
    except OSError:
        return False


def _update(fake, update_id: int, text: str = "what is smtp?") -> bytes:
    return json.dumps({"update_id": update_id, "message": fake.make_message(MARIO, text=text)}).encode()


def test_the_webhook_path_is_the_one_webhook_url_names(fake, webhook_bot):
    # Regression: WEBHOOK_URL=https://host/tg-hook was registered, but only /telegram was served.
    _, webhook_port, _ = webhook_bot
    assert fake.webhook_url.endswith("/tg-hook")
    assert post(webhook_port, "/tg-hook", _update(fake, 1)) == 200
    fake.wait_for_messages(MARIO, 1, timeout=30)


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,                 # regression: 500, maximum recursion depth
    b'{"update_id": 1000000000000000000000000000000}',  # regression: 500, too large for the database
    b'{"update_id": -5}', b'{"update_id": true}', b'{"update_id": 1.5}', b"[1, 2]", b"\xff\xfe", b"",
])
def test_a_malformed_update_with_the_right_secret_is_a_4xx(fake, webhook_bot, body):
    bot, webhook_port, _ = webhook_bot
    assert post(webhook_port, "/tg-hook", body) == 400
    assert post(webhook_port, "/tg-hook", _update(fake, 7)) == 200  # and it goes on
    fake.wait_for_messages(MARIO, 1, timeout=30)
    assert "Traceback" not in bot.output()


def test_the_secret_is_checked_before_the_body_is_read(webhook_bot):
    _, webhook_port, _ = webhook_bot
    started = time.monotonic()
    assert post(webhook_port, "/tg-hook", b"x" * TEN_MB, secret="wrong") in (403, 0)
    assert post(webhook_port, "/tg-hook", b"{}", secret=None) == 403
    assert time.monotonic() - started < 20


def test_a_body_larger_than_any_path_takes_is_refused_with_a_4xx(webhook_bot):
    _, webhook_port, port = webhook_bot
    assert post(webhook_port, "/tg-hook", b"x" * (2 * 1024 * 1024)) == 413
    assert post(port, "/autodiscover/autodiscover.xml", b"x" * (2 * 1024 * 1024), secret=None) == 413
    assert post(port, "/metrics", b"x" * (2 * 1024 * 1024), secret=None) in (400, 405, 0)


def test_five_10_mb_uploads_at_once_on_every_port_cost_less_than_10_mb_and_the_bot_keeps_answering(fake, webhook_bot):
    # Regression: bodies were read whole before any check (tornado's 100 MB default): five 10 MB uploads
    # raised the bot's memory by 59 MB (autoconfig) and 83 MB (webhook, no secret needed).
    bot, webhook_port, port = webhook_bot
    before = rss_kb(bot.process.pid)
    targets = [(webhook_port, "/tg-hook", "wrong"), (webhook_port, "/tg-hook", SECRET), (port, "/autodiscover/autodiscover.xml", None),
               (webhook_port, "/autodiscover/autodiscover.xml", None), (port, "/nowhere", None)]
    statuses: list[int] = []
    peak = [before]

    def upload(target):
        statuses.append(post(target[0], target[1], b"{" + b" " * TEN_MB, secret=target[2]))

    def watch():
        while len(statuses) < len(targets) * 5:
            peak[0] = max(peak[0], rss_kb(bot.process.pid))
            time.sleep(0.01)

    threads = [threading.Thread(target=upload, args=(t,)) for t in targets for _ in range(5)]
    watcher = threading.Thread(target=watch)
    watcher.start()
    for thread in threads:
        thread.start()
    assert post(webhook_port, "/tg-hook", _update(fake, 9)) == 200  # meanwhile, a customer
    for thread in threads:
        thread.join(120)
    watcher.join(10)
    fake.wait_for_messages(MARIO, 1, timeout=30)
    assert all(status in (0, 400, 403, 404, 405, 413) for status in statuses), statuses
    assert peak[0] - before < 10 * 1024, f"memory rose by {(peak[0] - before) / 1024:.1f} MB"


def test_autoconfig_refuses_an_address_with_a_control_character(webhook_bot):
    # Regression: emailaddress=a@example.it%00 answered 200 (tornado drops control characters quietly).
    _, _, port = webhook_bot
    assert get(port, "/mail/config-v1.1.xml?emailaddress=a@example.it%00") == 400
    assert get(port, "/mail/config-v1.1.xml?emailaddress=a%0d%0a@example.it") == 400
    assert get(port, "/mail/config-v1.1.xml?emailaddress=a@example.it") == 200


@pytest.mark.parametrize("key", ["HTTP_PORT", "WEBHOOK_PORT"])
def test_a_busy_port_is_one_line_naming_the_key_and_exit_status_2(tmp_path, key):
    # Regression: HTTP_PORT busy was a traceback.
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot", "BOT_DATA_DIR": str(tmp_path),
               "HTTP_LISTEN": "127.0.0.1", "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_URL": "https://bot.example.com/telegram",
               "WEBHOOK_SECRET": SECRET, "HTTP_PORT": str(free_port()), "WEBHOOK_PORT": str(free_port()), key: str(port),
               "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-m", "bot", "run", "--webhook"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert key in done.stderr and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
