"""Delivering IMAP requests by SMTP to a real server on loopback (aiosmtpd): content, failures, TLS, login."""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import trustme
from ports import free_port
from smtp_server import SMTPServer

from bot.config import load_settings
from bot.mail import Postman, build_email, message_id
from bot.storage import sqlite_store

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = {"name": "Rossi Srl", "contact": "mario@rossi.it", "lang": "it", "telegram_name": "Mario Rossi",
           "telegram_username": "mrossi", "telegram_id": "77", "channel": "telegram", "chat_id": "77"}


def settings_for(tmp_path, port, **extra):
    env = {"BOT_DATA_DIR": str(tmp_path), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
           "SMTP_SECURITY": "none", "MAIL_FROM": "mailbot@mosajco.com", "OUTBOX_RETRY_SECONDS": "30"}
    env.update(extra)
    return load_settings(env)


def submit(store, mailboxes=("info@rossi.it",), payload=PAYLOAD):
    request, _ = store.outbox.submit("telegram:77", list(mailboxes), dict(payload))
    return request


def deliver(postman, request_id):
    return asyncio.run(postman.deliver(postman.outbox.get(request_id)))


def test_the_email_has_every_detail_and_safe_headers(tmp_path, store):
    with SMTPServer() as server:
        settings = settings_for(tmp_path, server.port)
        request = submit(store, ("info@rossi.it", "vendite@rossi.it"))
        assert deliver(Postman(store.outbox, settings), request.id)
        [(recipients, message)] = server.messages
    assert recipients == ["supporto@mosajco.com"]
    assert message["From"] == "mailbot@mosajco.com" and message["To"] == "supporto@mosajco.com"
    assert message["Reply-To"] == "mario@rossi.it"
    assert message["Subject"] == f"[{request.reference}] Attivazione IMAP: info@rossi.it, vendite@rossi.it"
    assert message["Message-ID"] == message_id(request.reference, "mailbot@mosajco.com")
    body = message.get_payload(decode=True).decode("utf-8")
    for detail in ("info@rossi.it, vendite@rossi.it", "Rossi Srl", "mario@rossi.it", "Mario Rossi", "@mrossi",
                   "id 77", "italiano", request.reference, "Data della richiesta"):
        assert detail in body
    assert store.outbox.get(request.id).state == "delivered"


def test_smtp_down_then_up_is_delivered_once(tmp_path, store):
    port = free_port()
    settings = settings_for(tmp_path, port)
    request = submit(store)
    postman = Postman(store.outbox, settings)
    assert not deliver(postman, request.id)  # nobody listening
    after = store.outbox.get(request.id)
    assert after.state == "pending" and after.attempts == 1 and after.next_attempt > time.time() + 20
    with SMTPServer(port) as server:
        asyncio.run(postman.deliver_due())  # not due yet: nothing sent
        assert server.messages == []
        store.outbox.retry_now(request.id)
        asyncio.run(postman.deliver_due())
        asyncio.run(postman.deliver_due())
        assert len(server.messages) == 1
    assert store.outbox.get(request.id).state == "delivered"


def test_4xx_is_retried_with_doubling_delays_and_5xx_is_permanent_and_alerted(tmp_path, store):
    alerts = []

    async def alert(request):
        alerts.append(request.reference)

    with SMTPServer() as server:
        settings = settings_for(tmp_path, server.port, OUTBOX_RETRY_SECONDS="10")
        postman = Postman(store.outbox, settings, on_trouble=alert)
        temporary = submit(store, ("a@rossi.it",))
        server.recorder.script = ["451 try later", "451 try later"]
        assert not deliver(postman, temporary.id)
        first = store.outbox.get(temporary.id)
        assert not deliver(postman, temporary.id)
        second = store.outbox.get(temporary.id)
        assert first.state == second.state == "pending"
        assert 9 <= first.next_attempt - time.time() <= 11 and 19 <= second.next_attempt - time.time() <= 21
        assert deliver(postman, temporary.id)

        permanent = submit(store, ("b@rossi.it",))
        server.recorder.script = ["550 mailbox unavailable"]
        assert not deliver(postman, permanent.id)
        assert store.outbox.get(permanent.id).state == "failed"
        assert "550" in store.outbox.get(permanent.id).last_error
        assert alerts == [permanent.reference]


def test_a_request_undelivered_after_an_hour_alerts_once(tmp_path, store):
    alerts = []

    async def alert(request):
        alerts.append(request.reference)

    request, _ = store.outbox.submit("telegram:77", ["info@rossi.it"], dict(PAYLOAD), now=time.time() - 3700)
    postman = Postman(store.outbox, settings_for(tmp_path, free_port()), on_trouble=alert)
    deliver(postman, request.id)
    deliver(postman, request.id)
    assert alerts == [request.reference] and store.outbox.get(request.id).state == "pending"


def test_the_customer_is_told_once_delivered(tmp_path, store):
    told = []

    async def delivered(request):
        told.append(request.reference)

    with SMTPServer() as server:
        request = submit(store)
        asyncio.run(Postman(store.outbox, settings_for(tmp_path, server.port), on_delivered=delivered).deliver_due())
    assert told == [request.reference] and store.outbox.get(request.id).notified


@pytest.fixture(scope="module")
def certificates():
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    return server_context, client_context


def test_starttls_with_login(tmp_path, store, certificates):
    server_context, client_context = certificates
    with SMTPServer(starttls=server_context, login=("mailbot", "s3cret")) as server:
        settings = settings_for(tmp_path, server.port, SMTP_SECURITY="starttls", SMTP_USERNAME="mailbot", SMTP_PASSWORD="s3cret")
        request = submit(store)
        assert deliver(Postman(store.outbox, settings, tls_context=client_context), request.id)
        assert len(server.messages) == 1


def test_implicit_tls(tmp_path, store, certificates):
    server_context, client_context = certificates
    with SMTPServer(implicit_tls=server_context) as server:
        settings = settings_for(tmp_path, server.port, SMTP_SECURITY="tls")
        request = submit(store)
        assert deliver(Postman(store.outbox, settings, tls_context=client_context), request.id)
        assert len(server.messages) == 1


def test_a_wrong_login_is_retried_not_dropped(tmp_path, store, certificates):
    server_context, client_context = certificates
    with SMTPServer(starttls=server_context, login=("mailbot", "s3cret")) as server:
        settings = settings_for(tmp_path, server.port, SMTP_SECURITY="starttls", SMTP_USERNAME="mailbot", SMTP_PASSWORD="wrong")
        request = submit(store)
        assert not deliver(Postman(store.outbox, settings, tls_context=client_context), request.id)
        after = store.outbox.get(request.id)
        assert after.state == "pending" and "wrong" not in (after.last_error or "")
        assert server.messages == []


@pytest.mark.parametrize(
    "field, value",
    [("contact", "me@rossi.it\r\nBcc: evil@attacker.example"), ("contact", "me@rossi.it\nX-Evil: 1")],
)
def test_line_breaks_never_reach_a_header(tmp_path, store, field, value):
    payload = dict(PAYLOAD, **{field: value})
    with SMTPServer() as server:
        request = submit(store, payload=payload)
        deliver(Postman(store.outbox, settings_for(tmp_path, server.port)), request.id)
        assert server.messages == []  # refused before sending
    assert store.outbox.get(request.id).state == "failed"


def test_line_breaks_in_the_body_fields_stay_in_the_body(tmp_path, store):
    payload = dict(PAYLOAD, name="Rossi\r\nBcc: evil@attacker.example", telegram_name="x\nSubject: spam")
    with SMTPServer() as server:
        request = submit(store, payload=payload)
        assert deliver(Postman(store.outbox, settings_for(tmp_path, server.port)), request.id)
        [(recipients, message)] = server.messages
    assert recipients == ["supporto@mosajco.com"]
    assert message["Bcc"] is None and message.get_all("Subject") == [message["Subject"]]
    assert "evil" not in message["Subject"]


def test_mailboxes_with_line_breaks_are_refused(tmp_path, store):
    request = submit(store, mailboxes=("info@rossi.it\r\nBcc: evil@attacker.example",))
    with pytest.raises(ValueError):
        build_email(store.outbox.get(request.id), settings_for(tmp_path, 25))


def test_killed_during_delivery_is_delivered_after_the_restart_with_the_same_message_id(tmp_path, store):
    request = submit(store)
    store.close()
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SMTP_")}, "BOT_DATA_DIR": str(tmp_path),
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_SECURITY": "none"}
    with SMTPServer(port) as server:
        server.recorder.delay = 30  # the server is slow: the bot is killed in the middle of DATA
        process = subprocess.Popen([sys.executable, "-m", "bot", "outbox", "retry", request.reference], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        server.recorder.delay = 0
        result = subprocess.run([sys.executable, "-m", "bot", "outbox", "retry", request.reference], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert "delivered" in result.stdout, result.stdout + result.stderr
        ids = {m["Message-ID"] for _, m in server.messages}
    assert len(server.messages) >= 1 and ids == {message_id(request.reference, "mailbot@localhost")}
    reopened = sqlite_store(tmp_path / "mailbot.sqlite3")
    assert reopened.outbox.get(request.id).state == "delivered"
    reopened.close()


def test_a_handoff_without_a_support_group_sends_the_transcript(tmp_path, store):
    from bot.storage.outbox import HANDOFF

    payload = {"name": "Mario Rossi", "telegram_username": "mrossi", "telegram_id": "77", "lang": "it",
               "channel": "telegram", "chat_id": "77", "email": "info@rossi.it", "flow": "setup", "step": "guide",
               "transcript": [["customer", "non riesco a inviare"], ["bot", "Prova la porta 465"],
                              ["customer", "Bcc: evil@attacker.example\r\nX: y"]]}
    request, _ = store.outbox.submit("telegram:77", [], payload, kind=HANDOFF)
    assert request.reference.startswith("CHAT-")
    with SMTPServer() as server:
        assert deliver(Postman(store.outbox, settings_for(tmp_path, server.port)), request.id)
        [(recipients, message)] = server.messages
    assert recipients == ["supporto@mosajco.com"] and message["Reply-To"] == "info@rossi.it"
    assert request.reference in message["Subject"] and "Mario Rossi" in message["Subject"]
    assert message["Bcc"] is None and message["X"] is None
    body = message.get_payload(decode=True).decode()
    assert "Cliente: non riesco a inviare" in body and "Bot: Prova la porta 465" in body and "setup guide" in body


ENCODED_BCC = "=?utf-8?q?x=0D=0ABcc:_spy@evil.example?="


@pytest.mark.parametrize(
    "mailboxes, payload",
    [
        ((f"{ENCODED_BCC}@rossi.it",), PAYLOAD),  # in a mailbox's local part (it goes into the Subject)
        (("info@rossi.it",), {**PAYLOAD, "contact": f"{ENCODED_BCC} <a@b.it>"}),  # in the contact (Reply-To)
    ],
)
def test_an_encoded_word_fails_its_own_request_alone_and_the_others_go_out(tmp_path, store, mailboxes, payload):
    # Regression: RFC 2047 encoded words put a real Bcc: line in the email, or raised in deliver() and
    # stopped every later delivery.
    alerts = []

    async def alert(request):
        alerts.append(request.reference)

    with SMTPServer() as server:
        settings = settings_for(tmp_path, server.port)
        hostile = submit(store, mailboxes, payload)
        request, _ = store.outbox.submit("telegram:88", ["info@verdi.it"], dict(PAYLOAD))
        asyncio.run(Postman(store.outbox, settings, on_trouble=alert).deliver_due())
        assert [m["Subject"] for _, m in server.messages] == [f"[{request.reference}] Attivazione IMAP: info@verdi.it"]
        assert all("Bcc" not in m and "spy@evil.example" not in m.as_string() for _, m in server.messages)
    assert store.outbox.get(hostile.id).state == "failed" and alerts == [hostile.reference]


def test_an_international_domain_in_reply_to_is_written_in_punycode(tmp_path, store):
    request = submit(store, payload={**PAYLOAD, "contact": "mario@caffè.it"})
    message = build_email(request, settings_for(tmp_path, 25))
    assert message["Reply-To"] == "mario@" + "caffè.it".encode("idna").decode() == "mario@xn--caff-8oa.it"


def test_the_worker_survives_anything_a_request_does(tmp_path, store, monkeypatch):
    calls = []

    async def broken(self):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("unexpected")
        raise asyncio.CancelledError

    monkeypatch.setattr(Postman, "deliver_due", broken)
    monkeypatch.setattr("bot.mail.RESTART_SECONDS", 0)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(Postman(store.outbox, settings_for(tmp_path, 25)).run())
    assert len(calls) == 2  # the loop went on after the error


def test_a_request_being_delivered_is_not_delivered_again_by_another_process(tmp_path, store):
    # Regression: "outbox retry" while the bot ran could send the same request twice.
    with SMTPServer() as server:
        settings = settings_for(tmp_path, server.port)
        request = submit(store)
        assert store.outbox.claim(request.id, 300)  # the running bot is sending it
        assert not deliver(Postman(store.outbox, settings), request.id)
        assert server.messages == []
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMTP_")}
        env.update(BOT_DATA_DIR=str(tmp_path), SMTP_HOST="127.0.0.1", SMTP_PORT=str(server.port))
        done = subprocess.run([sys.executable, "-m", "bot", "outbox", "retry", request.reference], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert "being delivered right now" in done.stdout and server.messages == []


def _decoded(message, header):
    """A header as a mail program shows it (encoded words decoded)."""
    from email import message_from_bytes, policy

    return str(message_from_bytes(message.as_bytes(), policy=policy.default)[header])


@pytest.mark.parametrize(
    "name, shown",
    [
        ("=?utf-8?q?Bcc:_x?=", "=?utf-8?q?Bcc:_x?="),
        ("Mario =?utf-8?q?x=0D=0ABcc:_spy@evil.example?= Rossi", "Mario =?utf-8?q?x=0D=0ABcc:_spy@evil.example?= Rossi"),
        ("Mario\x00\x1b[2J Rossi\u2028Bcc: spy@evil.example\u202e", "Mario [2J Rossi Bcc: spy@evil.example"),
        ("Márïø 🎉 " * 40, "Márïø 🎉 Márïø 🎉"),
    ],
)
def test_a_telegram_name_goes_into_the_handoff_subject_as_text_and_the_request_is_delivered(tmp_path, store, name, shown):
    # Regression (issue 18): an encoded word in a Telegram name made the handoff email unbuildable: the request
    # failed for good, after the customer had been told the conversation was sent.
    from bot.storage.outbox import HANDOFF

    payload = {"name": name, "telegram_username": "mrossi", "telegram_id": "77", "lang": "it", "channel": "telegram",
               "chat_id": "77", "email": "", "flow": None, "step": None, "transcript": [["customer", name]]}
    request, _ = store.outbox.submit("telegram:77", [], payload, kind=HANDOFF)
    with SMTPServer() as server:
        assert deliver(Postman(store.outbox, settings_for(tmp_path, server.port)), request.id)
        [(recipients, message)] = server.messages
    assert recipients == ["supporto@mosajco.com"] and message["Bcc"] is None
    assert all("spy" not in value for key, value in message.items() if key != "Subject")
    subject = _decoded(message, "Subject")
    assert subject.startswith(f"[{request.reference}] Richiesta di assistenza da ") and subject.endswith("(Telegram)")
    assert not any(c in subject for c in "\r\n\x00\x1b\u2028\u202e") and len(subject) <= 160
    assert shown in subject.replace("\u2060", "")  # what the team sees: the name as written, not decoded
    assert name.split()[0] in message.get_payload(decode=True).decode()  # the name as written, in the body


def test_an_address_in_the_conversation_that_no_mail_can_carry_leaves_out_reply_to_not_the_request(tmp_path, store):
    # Regression (issue 18): the address the customer mentioned (any text that looks like one) went into
    # Reply-To, and one the mail builder refuses failed the whole handoff.
    from bot.storage.outbox import HANDOFF

    payload = {"name": "Mario", "lang": "it", "channel": "telegram", "chat_id": "77", "email": "mário@rossi.it",
               "transcript": [["customer", "scrivo da mário@rossi.it"]]}
    request, _ = store.outbox.submit("telegram:77", [], payload, kind=HANDOFF)
    with SMTPServer() as server:
        assert deliver(Postman(store.outbox, settings_for(tmp_path, server.port)), request.id)
        [(_, message)] = server.messages
    assert message["Reply-To"] is None and "mário@rossi.it" in message.get_payload(decode=True).decode()


@pytest.mark.parametrize("text", ["=?utf-8?q?x=0D=0ABcc=3A_spy?=@rossi.it", "info=?x?=@rossi.it", "x!#$%&'*+/=^_`{|}~-y@rossi.it",
                                  "{x}@caffè.it", "a.b-c+d@studio-rossi.co.uk", "?=@rossi.it"])
def test_every_address_the_address_check_accepts_goes_into_an_email(tmp_path, store, text):
    # Regression (issue 18): addresses that cannot go into a mail are refused where the customer types them,
    # never accepted and then failed.
    from bot.core.address import AddressError, parse_address

    try:
        address = parse_address(text).email
    except AddressError:
        return
    request = submit(store, mailboxes=(address,), payload={**PAYLOAD, "contact": address})
    message = build_email(request, settings_for(tmp_path, 25))
    assert address.split("@")[0] in message["Subject"] and message["Reply-To"].startswith(address.split("@")[0])


def test_a_permanent_failure_is_an_error_in_the_log_where_nobody_can_be_alerted(tmp_path, store, caplog):
    # Regression (issue 18): without on_trouble ("outbox retry", the terminal chat) a request failed for good
    # with a warning at most, and no other process looks at it again.
    with SMTPServer() as server:
        request = submit(store)
        server.recorder.script = ["550 mailbox unavailable"]
        with caplog.at_level("WARNING", logger="bot.mail"):
            assert not deliver(Postman(store.outbox, settings_for(tmp_path, server.port)), request.id)
    assert store.outbox.get(request.id).state == "failed"
    assert [r.levelname for r in caplog.records if request.reference in r.getMessage() and "alert" in r.getMessage()] == ["ERROR"]
