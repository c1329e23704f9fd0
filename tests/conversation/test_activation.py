"""The IMAP activation request: the form in the dialogue, and the outbox it writes to."""

from __future__ import annotations

import json
import re

import pytest

from bot.core.session import Session, SessionKey
from bot.core.types import Customer, Inbound
from bot.outbox import DAILY_LIMIT, PENDING

KEY = SessionKey("test", "77")
MARIO = Customer(id="77", name="Mario Rossi", username="mrossi", language_code="it")


def say(dialogue, session, text):
    return dialogue.handle(KEY, session, Inbound(text=text, customer=MARIO))


def press(dialogue, session, suffix, replies):
    button = next(b.id for r in replies for b in r.all_buttons if b.id.endswith(suffix))
    return dialogue.handle(KEY, session, Inbound(button=button, customer=MARIO))


def fill(dialogue, session, mailboxes="info@rossi.it", name="Rossi Srl", contact="+39 333 1234567"):
    replies = dialogue.handle(KEY, session, Inbound(command="imap", customer=MARIO))
    replies = say(dialogue, session, mailboxes)
    replies = say(dialogue, session, name)
    return say(dialogue, session, contact) if contact else press(dialogue, session, ":skip", replies)


def test_the_whole_form_then_confirm_writes_the_outbox_before_telling_the_reference(dialogue, store):
    session = Session(lang="it")
    summary = fill(dialogue, session, mailboxes="info@rossi.it, vendite@rossi.it")
    assert session.step == "summary"
    assert "info@rossi.it, vendite@rossi.it" in summary[0].text and "+39 333 1234567" in summary[0].text
    replies = press(dialogue, session, ":ok", summary)
    [request] = store.outbox.all()
    assert re.fullmatch(r"IMAP-[0-9A-HJKMNP-TV-Z]{6}", request.reference)
    assert request.reference in replies[0].text
    assert request.state == PENDING and request.mailboxes == ("info@rossi.it", "vendite@rossi.it")
    assert request.payload["name"] == "Rossi Srl" and request.payload["telegram_username"] == "mrossi"
    assert session.flow is None


def test_the_address_in_the_request_is_prefilled(dialogue):
    session = Session()
    say(dialogue, session, "vorrei attivare imap per info@rossi.it")
    assert session.step == "name" and session.form["mailboxes"] == ["info@rossi.it"]


def test_a_mailbox_with_a_pending_request_gets_the_existing_reference(dialogue, store):
    first = Session(lang="it")
    press(dialogue, first, ":ok", fill(dialogue, first))
    second = Session(lang="it")
    replies = press(dialogue, second, ":ok", fill(dialogue, second, mailboxes="INFO@rossi.it"))
    [request] = store.outbox.all()
    assert request.reference in replies[0].text and "già una richiesta" in replies[0].text


def test_at_most_five_requests_a_day(dialogue, store):
    for n in range(DAILY_LIMIT):
        session = Session(lang="en")
        press(dialogue, session, ":ok", fill(dialogue, session, mailboxes=f"box{n}@rossi.it"))
    session = Session(lang="en")
    replies = press(dialogue, session, ":ok", fill(dialogue, session, mailboxes="box9@rossi.it"))
    assert "daily limit" in replies[0].text and len(store.outbox.all()) == DAILY_LIMIT


@pytest.mark.parametrize(
    "mailboxes, hint",
    [("info@rossi.it, info@bianchi.it", "different domains"), ("info@rossi", "couldn't read"), ("rossi", "couldn't read")],
)
def test_wrong_mailboxes_get_a_hint(dialogue, mailboxes, hint):
    session = Session(lang="en")
    dialogue.handle(KEY, session, Inbound(command="imap", customer=MARIO))
    replies = say(dialogue, session, mailboxes)
    assert hint in replies[0].text and session.step == "mailboxes"


def test_wrong_name_and_contact_get_a_hint(dialogue):
    session = Session(lang="en")
    dialogue.handle(KEY, session, Inbound(command="imap", customer=MARIO))
    say(dialogue, session, "info@rossi.it")
    assert "between 2 and 100" in say(dialogue, session, "x")[0].text
    say(dialogue, session, "Rossi Srl")
    assert "phone number" in say(dialogue, session, "call me maybe")[0].text
    assert session.step == "contact"


def test_edit_a_field_then_back_to_the_summary(dialogue):
    session = Session(lang="en")
    summary = fill(dialogue, session)
    replies = press(dialogue, session, ":edit", summary)
    replies = press(dialogue, session, ":e:name", replies)
    replies = say(dialogue, session, "Mario Rossi")
    assert session.step == "summary" and "Mario Rossi" in replies[0].text


def test_cancel_sends_nothing(dialogue, store):
    session = Session(lang="en")
    summary = fill(dialogue, session)
    replies = press(dialogue, session, ":cancel", summary)
    assert "nothing has been sent" in replies[0].text and store.outbox.all() == []


def test_the_form_survives_a_restart(dialogue, store):
    session = Session(lang="it")
    dialogue.handle(KEY, session, Inbound(command="imap", customer=MARIO))
    say(dialogue, session, "info@rossi.it")
    store.set(KEY, session.to_dict())
    restored = Session.from_dict(json.loads(json.dumps(store.get(KEY))))
    say(dialogue, restored, "Rossi Srl")
    assert restored.step == "contact" and restored.form["name"] == "Rossi Srl"


def test_line_breaks_in_a_name_become_spaces(dialogue, store):
    session = Session(lang="en")
    summary = fill(dialogue, session, name="Rossi\r\nBcc: evil@attacker.example")
    press(dialogue, session, ":ok", summary)
    [request] = store.outbox.all()
    assert request.payload["name"] == "Rossi Bcc: evil@attacker.example"


def test_a_contact_with_a_line_break_is_refused(dialogue):
    session = Session(lang="en")
    dialogue.handle(KEY, session, Inbound(command="imap", customer=MARIO))
    say(dialogue, session, "info@rossi.it")
    say(dialogue, session, "Rossi Srl")
    replies = say(dialogue, session, "me@rossi.it\r\nBcc: evil@attacker.example")
    assert session.step == "contact" and "phone number" in replies[0].text


def test_a_password_typed_into_the_form_is_refused_and_never_kept(dialogue):
    from test_dialogue import IT, KEY  # noqa: F401
    from bot.core.session import Session
    from bot.core.types import Inbound

    session = Session()
    dialogue.handle(KEY, session, Inbound(command="imap", customer=IT))
    dialogue.handle(KEY, session, Inbound(text="mario@rossi.it", customer=IT))
    assert session.step == "name"
    [reply] = dialogue.handle(KEY, session, Inbound(text="Estate2024!", customer=IT))
    assert "password" in reply.text.lower()
    assert session.step == "name" and "Estate2024!" not in json.dumps(session.to_dict())
