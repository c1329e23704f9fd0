"""The IMAP activation request: the form in the dialogue, and the outbox it writes to."""

from __future__ import annotations

import json
import re

import pytest

from bot.core.session import Session
from bot.core.types import Customer
from bot.storage.outbox import DAILY_LIMIT, PENDING

MARIO = Customer(id="77", name="Mario Rossi", username="mrossi", language_code="it")


@pytest.fixture
def mario(chat):
    """Mario, in a session already in ``lang`` (not chosen by him: as after a first exchange)."""
    return lambda lang=None: chat(lang, chosen=False, customer=MARIO)


def fill(c, mailboxes="info@rossi.it", name="Rossi Srl", contact="+39 333 1234567"):
    c.command("imap")
    c.say(mailboxes)
    c.say(name)
    return c.say(contact) if contact else c.press(":skip")


def test_the_whole_form_then_confirm_writes_the_outbox_before_telling_the_reference(mario, store):
    c = mario("it")
    summary = fill(c, mailboxes="info@rossi.it, vendite@rossi.it")
    assert c.step == "summary"
    assert "info@rossi.it, vendite@rossi.it" in summary[0].text and "+39 333 1234567" in summary[0].text
    replies = c.press(":ok")
    [request] = store.outbox.all()
    assert re.fullmatch(r"IMAP-[0-9A-HJKMNP-TV-Z]{6}", request.reference)
    assert request.reference in replies[0].text
    assert request.state == PENDING and request.mailboxes == ("info@rossi.it", "vendite@rossi.it")
    assert request.payload["name"] == "Rossi Srl" and request.payload["telegram_username"] == "mrossi"
    assert c.flow is None


def test_the_address_in_the_request_is_prefilled(mario):
    c = mario()
    c.say("vorrei attivare imap per info@rossi.it")
    assert c.step == "name" and c.form["mailboxes"] == ["info@rossi.it"]


def test_a_mailbox_with_a_pending_request_gets_the_existing_reference(mario, store):
    first = mario("it")
    fill(first)
    first.press(":ok")
    second = mario("it")
    fill(second, mailboxes="INFO@rossi.it")
    replies = second.press(":ok")
    [request] = store.outbox.all()
    assert request.reference in replies[0].text and "già una richiesta" in replies[0].text


def test_at_most_five_requests_a_day(mario, store):
    for n in range(DAILY_LIMIT):
        c = mario("en")
        fill(c, mailboxes=f"box{n}@rossi.it")
        c.press(":ok")
    c = mario("en")
    fill(c, mailboxes="box9@rossi.it")
    replies = c.press(":ok")
    assert "daily limit" in replies[0].text and len(store.outbox.all()) == DAILY_LIMIT


@pytest.mark.parametrize(
    "mailboxes, hint",
    [("info@rossi.it, info@bianchi.it", "different domains"), ("info@rossi", "couldn't read"), ("rossi", "couldn't read")],
)
def test_wrong_mailboxes_get_a_hint(mario, mailboxes, hint):
    c = mario("en")
    c.command("imap")
    replies = c.say(mailboxes)
    assert hint in replies[0].text and c.step == "mailboxes"


def test_wrong_name_and_contact_get_a_hint(mario):
    c = mario("en")
    c.command("imap")
    c.say("info@rossi.it")
    assert "between 2 and 100" in c.say("x")[0].text
    c.say("Rossi Srl")
    assert "phone number" in c.say("call me maybe")[0].text
    assert c.step == "contact"


def test_edit_a_field_then_back_to_the_summary(mario):
    c = mario("en")
    fill(c)
    c.press(":edit")
    c.press(":e:name")
    replies = c.say("Mario Rossi")
    assert c.step == "summary" and "Mario Rossi" in replies[0].text


def test_cancel_sends_nothing(mario, store):
    c = mario("en")
    fill(c)
    replies = c.press(":cancel")
    assert "nothing has been sent" in replies[0].text and store.outbox.all() == []


def test_the_form_survives_a_restart(mario, store):
    c = mario("it")
    c.command("imap")
    c.say("info@rossi.it")
    store.set(c.key, c.session.to_dict())
    c.session = Session.from_dict(json.loads(json.dumps(store.get(c.key))))  # the bot restarted
    c.say("Rossi Srl")
    assert c.step == "contact" and c.form["name"] == "Rossi Srl"


def test_line_breaks_in_a_name_become_spaces(mario, store):
    c = mario("en")
    fill(c, name="Rossi\r\nBcc: evil@attacker.example")
    c.press(":ok")
    [request] = store.outbox.all()
    assert request.payload["name"] == "Rossi Bcc: evil@attacker.example"


def test_a_contact_with_a_line_break_is_refused(mario):
    c = mario("en")
    c.command("imap")
    c.say("info@rossi.it")
    c.say("Rossi Srl")
    replies = c.say("me@rossi.it\r\nBcc: evil@attacker.example")
    assert c.step == "contact" and "phone number" in replies[0].text


def test_a_password_typed_into_the_form_is_refused_and_never_kept(mario):
    c = mario()
    c.command("imap")
    c.say("mario@rossi.it")
    assert c.step == "name"
    [reply] = c.say("Estate2024!")
    assert "password" in reply.text.lower()
    assert c.step == "name" and "Estate2024!" not in json.dumps(c.session.to_dict())


@pytest.mark.parametrize("lang, hint", [("en", "can't go into an email"), ("it", "non può entrare in una email")])
def test_a_mailbox_no_email_can_carry_is_refused_at_the_door_in_the_customers_language(mario, store, lang, hint):
    # Regression (issue 18): an encoded word in the local part passed the address check, the customer got a
    # reference, and the mail builder refused the request: it was never sent.
    c = mario(lang)
    c.command("imap")
    [reply] = c.say("info@rossi.it, =?utf-8?q?x=0D=0ABcc=3A_spy?=@rossi.it")
    assert hint in reply.text and "=?utf-8?q?x=0D=0ABcc=3A_spy?=@rossi.it" in reply.text
    assert c.step == "mailboxes" and c.form["mailboxes"] == []
    fill(c, mailboxes="info@rossi.it")
    c.press(":ok")
    assert [r.mailboxes for r in store.outbox.all()] == [("info@rossi.it",)]
