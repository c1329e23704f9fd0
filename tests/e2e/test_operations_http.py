"""/metrics, /healthz and /readyz on the HTTP_PORT server, in polling and in webhook mode, from the real
process against the Bot API stand-in; never on the webhook's public port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families
from smtp_server import free_port
from telegram_e2e_support import MARIO, MARY, ROOT, TOKEN

SECRET = "s3cret-webhook-token"
CUSTOMERS = (MARIO, MARY, 1003, 1004)
GAUGES = ("mailbot_inbox_pending", "mailbot_outbox_pending", "mailbot_tickets_open")


def get(port: int, path: str) -> tuple[int, str, bytes]:
    """(status, content type, body); status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()
    except OSError:
        return 0, "", b""


def metrics(port: int) -> dict[str, float]:
    """Every sample of /metrics by its name and labels (the replica left out), e.g. 'x_total{source="polling"}'."""
    status, content_type, body = get(port, "/metrics")
    assert status == 200 and content_type.startswith("text/plain"), (status, content_type)
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()) if k != "replica")
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def moved(port: int, source: str, n: int) -> dict[str, float] | None:
    """The metrics once the n questions were received, handled, answered and timed; None before."""
    m = metrics(port)
    wanted = (m.get(f'mailbot_updates_received_total{{source="{source}"}}', 0) >= n
              and m.get('mailbot_updates_handled_total{outcome="done"}', 0) >= n
              and m.get("mailbot_replies_sent_total", 0) >= n
              and m.get("mailbot_update_handle_seconds_count", 0) >= n
              and m.get("mailbot_update_wait_seconds_count", 0) >= n
              and m.get('mailbot_answers_total{intent="answer"}', 0) >= n)
    return m if wanted else None


def add_customers(fake) -> None:
    for customer in CUSTOMERS[2:]:
        fake.add_private_chat(customer, f"C{customer}", language_code="en")


def answered(fake) -> bool:
    return all(any("SMTP" in (m["plain_text"] or "") for m in fake.sent_to(c)) for c in CUSTOMERS)


def test_polling_mode_serves_metrics_health_and_readiness(fake, start_bot):
    add_customers(fake)
    port = free_port()
    bot = start_bot(env={"HTTP_PORT": str(port), "HTTP_LISTEN": "127.0.0.1", "REPLICA_ID": "replica-p"})
    fake.wait_for(lambda: get(port, "/readyz")[0] == 200, timeout=30, message="/readyz 200")
    fake.inject_429("sendMessage")  # counted, then waited out by the rate limiter
    for customer in CUSTOMERS:
        fake.send_text(customer, "what is smtp?")
    fake.wait_for(lambda: answered(fake), timeout=60, message="every customer answered")
    m = fake.wait_for(lambda: moved(port, "polling", len(CUSTOMERS)), timeout=15, message="the counters moved")
    assert m['mailbot_telegram_errors_total{code="429",method="sendMessage"}'] >= 1
    assert all(gauge in m for gauge in GAUGES) and m["mailbot_inbox_pending"] == 0
    assert m['mailbot_build_info{backend="sqlite",version="0.1.0"}'] == 1
    assert b'replica="replica-p"' in get(port, "/metrics")[2]
    status, content_type, body = get(port, "/healthz")
    assert (status, body) == (200, b"ok\n") and content_type.startswith("text/plain")
    assert get(port, "/readyz")[:3:2] == (200, b"ok\n")
    assert get(port, "/mail/config-v1.1.xml?emailaddress=a@rossi.it")[0] == 200
    assert bot.process.poll() is None


def test_webhook_mode_serves_them_on_http_port_only(fake, start_bot):
    add_customers(fake)
    webhook_port, port = free_port(), free_port()
    env = {"WEBHOOK_URL": "https://bot.example.com/telegram", "WEBHOOK_LISTEN": "127.0.0.1",
           "WEBHOOK_PORT": str(webhook_port), "WEBHOOK_SECRET": SECRET, "HTTP_PORT": str(port), "HTTP_LISTEN": "127.0.0.1"}
    start_bot("--webhook", env=env, wait=False)
    fake.wait_for(lambda: get(port, "/readyz")[0] == 200, timeout=30, message="/readyz 200")
    assert fake.webhook_url
    for n, customer in enumerate(CUSTOMERS):
        update = {"update_id": 800_000 + n, "message": fake.make_message(customer, text="what is smtp?")}
        request = urllib.request.Request(f"http://127.0.0.1:{webhook_port}/telegram", data=json.dumps(update).encode(),
                                         headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    fake.wait_for(lambda: answered(fake), timeout=60, message="every customer answered")
    m = fake.wait_for(lambda: moved(port, "webhook", len(CUSTOMERS)), timeout=15, message="the counters moved")
    assert all(gauge in m for gauge in GAUGES)
    assert get(port, "/healthz")[0] == 200 and get(port, "/readyz")[0] == 200
    for path in ("/metrics", "/healthz", "/readyz"):  # never on the public port
        assert get(webhook_port, path)[0] == 404, path
    for server in (port, webhook_port):  # the autoconfiguration paths on both
        assert get(server, "/mail/config-v1.1.xml?emailaddress=a@rossi.it")[0] == 200


def test_while_telegram_is_unreachable_the_process_is_alive_but_not_ready(tmp_path):
    api_port, port = free_port(), free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "SUPPORT_"))}
    environ.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=f"http://127.0.0.1:{api_port}/bot",
                   BOT_DATA_DIR=str(tmp_path), HTTP_PORT=str(port), HTTP_LISTEN="127.0.0.1")
    with (tmp_path / "bot.log").open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=environ, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while get(port, "/healthz")[0] != 200 and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert process.poll() is None and get(port, "/healthz")[0] == 200, (tmp_path / "bot.log").read_text()
            status, content_type, body = get(port, "/readyz")
            assert status == 503 and content_type.startswith("text/plain")
            assert body.count(b"\n") == 1 and b"not taking updates" in body
        finally:
            process.terminate()
            process.wait(15)


def test_http_port_and_webhook_port_must_differ(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "HTTP_"))}
    environ.update(TELEGRAM_BOT_TOKEN=TOKEN, WEBHOOK_URL="https://bot.example.com/telegram", WEBHOOK_SECRET=SECRET,
                   WEBHOOK_PORT="8443", HTTP_PORT="8443", BOT_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "bot", "run", "--webhook"], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "HTTP_PORT" in line and "WEBHOOK_PORT" in line


def test_a_failing_database_or_check_is_a_503_or_left_out_never_a_500():
    import asyncio

    import tornado.httpclient
    import tornado.web

    from bot.http import operations as http_operations
    from bot.metrics import Metrics

    def broken():
        raise OSError("database is locked")

    async def not_ready():
        return False, "the database cannot be read (OperationalError)\nmore"

    metrics = Metrics()
    metrics.configure("r", "1", "sqlite", database=broken)
    port = free_port()

    async def scenario():
        server = tornado.web.Application(http_operations.routes(metrics.exposition, broken, not_ready)).listen(
            port, address="127.0.0.1")
        client = tornado.httpclient.AsyncHTTPClient()
        try:
            answers = {}
            for path in ("/metrics", "/healthz", "/readyz"):
                response = await client.fetch(f"http://127.0.0.1:{port}{path}", raise_error=False)
                answers[path] = response.code, response.body
            return answers
        finally:
            server.stop()

    answers = asyncio.run(scenario())
    assert answers["/metrics"][0] == 200 and b"mailbot_inbox_pending" not in answers["/metrics"][1]
    assert b"mailbot_db_errors_total" in answers["/metrics"][1]
    assert answers["/healthz"] == (503, b"the check failed (OSError)\n")
    assert answers["/readyz"] == (503, b"the database cannot be read (OperationalError) more\n")
