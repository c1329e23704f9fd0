"""The setup guide, driven through the dialogue with a real SQLite store."""

from __future__ import annotations

import json
import plistlib
import xml.etree.ElementTree as ET

import pytest

from bot.core.session import Session, SessionKey
from bot.core.types import Customer, Inbound
from bot.knowledge.base import PROTOCOLS

KEY = SessionKey("test", "setup")
CUSTOMERS = {"it": Customer(id="1", language_code="it"), "en": Customer(id="1", language_code="en")}


def session_in(lang: str) -> Session:
    return Session(lang=lang, lang_chosen=True)


def say(dialogue, session, text):
    return dialogue.handle(KEY, session, Inbound(text=text, customer=CUSTOMERS[session.lang or "it"]))


def press(dialogue, session, button):
    return dialogue.handle(KEY, session, Inbound(button=button, customer=CUSTOMERS[session.lang or "it"]))


def command(dialogue, session, name, args=""):
    return dialogue.handle(KEY, session, Inbound(command=name, text=args, customer=CUSTOMERS[session.lang or "it"]))


def button_ids(replies):
    return [b.id for r in replies for b in r.all_buttons]


def find(replies, suffix):
    return next(i for i in button_ids(replies) if i.endswith(suffix))


def walk(dialogue, session, client, protocol, email="info@rossi.it"):
    """From /setup to "did it work?"; returns every reply on the way."""
    seen = command(dialogue, session, "setup")
    seen += press(dialogue, session, find(seen, f":c:{client}"))
    seen += press(dialogue, session, find(seen, f":p:{protocol}"))
    seen += say(dialogue, session, email)
    for _ in range(30):
        if session.step != "guide":
            break
        seen += press(dialogue, session, find(seen[-1:], ":n"))
    return seen


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    "client",
    ["outlook", "new-outlook", "outlook-mac", "thunderbird", "apple-mail", "ios-mail", "gmail-android",
     "samsung-email", "gmail-web", "other"],
)
def test_every_client_protocol_and_language_walks_to_the_end(dialogue, kb, client, protocol, lang):
    session = session_in(lang)
    replies = walk(dialogue, session, client, protocol)
    assert session.step == "worked"
    steps = [r for r in replies if r.title and r.title.startswith(("Step", "Passaggio"))]
    assert len(steps) == len(kb.guides[client].steps[protocol])
    text = "\n".join(r.text for r in steps) + "\n".join(r.text for r in replies if not r.title)
    # Gmail on the web no longer fetches by POP: its guide gives the values of the alternatives (IMAP, SMTP).
    incoming = kb.servers.imap if client == "gmail-web" else getattr(kb.servers, protocol)
    assert incoming.host.format(domain="rossi.it") in text
    assert str(incoming.port) in text
    assert kb.servers.smtp.host.format(domain="rossi.it") in text
    assert str(kb.servers.smtp.port) in text
    assert "info@rossi.it" in text
    assert "{" not in text


def test_a_question_naming_the_device_starts_at_its_guide(dialogue):
    session = session_in("it")
    replies = say(dialogue, session, "come configuro la posta su iPhone?")
    assert session.flow == "setup" and session.form["client"] == "ios-mail" and session.step == "protocol"
    assert any(i.endswith(":p:imap") for i in button_ids(replies))
    assert "art:which-protocol" in button_ids(replies)


@pytest.mark.parametrize("typed, client", [("Outlook 2019", "outlook"), ("ho un Pixel", "gmail-android"),
                                           ("thunderbrid", "thunderbird"), ("il nuovo outlook", "new-outlook")])
def test_the_client_can_be_typed(dialogue, typed, client):
    session = session_in("it")
    command(dialogue, session, "setup")
    say(dialogue, session, typed)
    assert session.form.get("client") == client and session.step == "protocol"


def test_imap_offers_activation_without_leaving_the_guide(dialogue):
    session = session_in("en")
    replies = command(dialogue, session, "setup")
    replies = press(dialogue, session, find(replies, ":c:thunderbird"))
    replies = say(dialogue, session, "imap")
    assert "flow:imap" in button_ids(replies) and session.step == "address"
    press(dialogue, session, "flow:imap")  # the request form, with the guide parked
    assert session.flow == "imap"
    say(dialogue, session, "info@rossi.it")
    say(dialogue, session, "Rossi Srl")
    replies = press(dialogue, session, next(i for i in button_ids(dialogue.handle(
        KEY, session, Inbound(text="+39 333 1234567", customer=CUSTOMERS["en"]))) if i.endswith(":ok")))
    assert "IMAP-" in replies[0].text
    assert session.flow == "setup" and session.step == "address"  # back in the guide, where it was
    replies = press(dialogue, session, next(i for i in button_ids(replies) if i.endswith(":resume")))
    assert "Which email address" in replies[0].text


@pytest.mark.parametrize(
    "typed, hint",
    [("info @rossi.it", "no spaces"), ("info@rossi.it\nbis@rossi.it", "just one"), ("info", "needs an @"),
     ("info@rossi", "doesn't look like a domain")],
)
def test_a_wrong_address_gets_a_hint_and_the_question_stays(dialogue, typed, hint):
    session = session_in("en")
    replies = command(dialogue, session, "setup")
    replies = press(dialogue, session, find(replies, ":c:other"))
    press(dialogue, session, find(replies, ":p:pop3"))
    replies = say(dialogue, session, typed)
    assert hint in replies[0].text and session.step == "address"


def test_a_unicode_domain_is_accepted_and_hosts_use_punycode(dialogue):
    session = session_in("it")
    replies = walk(dialogue, session, "other", "pop3", email="posta@caffè.it")
    assert "mail.xn--caff-8oa.it" in "\n".join(r.text for r in replies)


def test_a_pasted_password_is_refused_with_advice(dialogue, store):
    session = session_in("it")
    replies = command(dialogue, session, "setup")
    replies = press(dialogue, session, find(replies, ":c:other"))
    press(dialogue, session, find(replies, ":p:pop3"))
    replies = say(dialogue, session, "Mario1975!")
    assert "Sembra una password" in replies[0].text and "cancella" in replies[0].text
    assert session.step == "address"
    assert "Mario1975!" not in json.dumps(store.unanswered_report())


def test_back_at_the_first_step_stays_there_and_start_over_restarts(dialogue):
    session = session_in("en")
    replies = walk(dialogue, session, "other", "imap")
    command(dialogue, session, "setup")
    session.step, session.form["index"], session.form["client"], session.form["protocol"] = "guide", 0, "other", "imap"
    session.form["email"] = "info@rossi.it"
    replies = press(dialogue, session, f"su:{session.form['token']}:b")
    assert replies[0].title == f"Step 1 of {len(dialogue.kb.guides['other'].steps['imap'])}"
    replies = press(dialogue, session, f"su:{session.form['token']}:r")
    assert session.step == "client"


def test_cancel_leaves_the_guide_at_any_step(dialogue):
    for stop_after in range(4):
        session = session_in("en")
        replies = command(dialogue, session, "setup")
        actions = [":c:ios-mail", ":p:pop3"]
        for action in actions[:stop_after]:
            replies = press(dialogue, session, find(replies, action))
        if stop_after == 3:
            say(dialogue, session, "info@rossi.it")
        replies = command(dialogue, session, "cancel")
        assert session.flow is None and replies[0].text.startswith("Cancelled")


def test_a_stale_button_says_the_guide_has_moved_on(dialogue):
    session = session_in("en")
    old = command(dialogue, session, "setup")
    command(dialogue, session, "setup")  # a new guide: new buttons
    replies = press(dialogue, session, find(old, ":c:outlook"))
    assert "moved on" in replies[0].text and session.step == "client"


def test_apple_clients_get_a_profile_and_thunderbird_an_autoconfig_file(dialogue):
    session = session_in("it")
    replies = walk(dialogue, session, "ios-mail", "imap")
    [profile] = [r.attachment for r in replies if r.attachment]
    assert profile.filename.endswith(".mobileconfig")
    assert plistlib.loads(profile.content)["PayloadContent"][0]["EmailAccountType"] == "EmailTypeIMAP"
    session = session_in("en")
    replies = walk(dialogue, session, "thunderbird", "pop3")
    [config] = [r.attachment for r in replies if r.attachment]
    assert config.filename == "config-v1.1.xml" and ET.fromstring(config.content).tag == "clientConfig"


def test_it_worked_ends_the_guide_and_counts_as_helpful(dialogue, store):
    session = session_in("en")
    replies = walk(dialogue, session, "outlook", "pop3")
    replies = press(dialogue, session, find(replies, ":y"))
    assert session.flow is None and replies[0].text.startswith("Great, your mail is set up")
    assert store.feedback_summary() == [("setup:outlook", 1, 0)]


def test_it_did_not_work_leads_to_the_fix_and_then_a_person(dialogue, kb):
    session = session_in("en")
    replies = walk(dialogue, session, "samsung-email", "imap")
    replies = press(dialogue, session, find(replies, ":x"))
    assert session.step == "trouble" and "flow:human" in button_ids(replies)
    replies = press(dialogue, session, find(replies, ":t:send"))
    assert replies[0].title == kb.articles["cannot-send"].title["en"]
    assert "flow:human" in button_ids(replies)
    assert "mail.rossi.it" in replies[0].text or "465" in replies[0].text


def test_a_question_in_the_middle_is_answered_with_the_way_back(dialogue):
    session = session_in("en")
    walk(dialogue, session, "outlook", "pop3")
    session.step, session.form["index"] = "guide", 1
    replies = say(dialogue, session, "what is smtp?")
    assert replies[0].title and "SMTP" in replies[0].title
    resume = [i for i in button_ids(replies) if i.endswith(":resume")]
    assert resume
    replies = press(dialogue, session, resume[0])
    assert replies[0].title.startswith("Step 2")


def test_the_guide_survives_a_restart_at_any_step(dialogue, store):
    session = session_in("it")
    replies = command(dialogue, session, "setup")
    replies = press(dialogue, session, find(replies, ":c:apple-mail"))
    store.set(KEY, session.to_dict())
    restored = Session.from_dict(json.loads(json.dumps(store.get(KEY))))
    replies = press(dialogue, restored, find(replies, ":p:pop3"))
    replies = say(dialogue, restored, "info@rossi.it")
    assert restored.step == "guide" and any(r.attachment for r in replies)


def test_ok_typed_inside_the_guide_goes_on_and_answers_keep_the_way_back(dialogue):
    session = session_in("it")
    seen = command(dialogue, session, "setup")
    seen += press(dialogue, session, find(seen, ":c:thunderbird"))
    seen += press(dialogue, session, find(seen, ":p:pop3"))
    say(dialogue, session, "mario@esempio.it")
    first = session.form["index"]
    for word in ("ok", "fatto"):
        say(dialogue, session, word)
    assert session.form["index"] == first + 2  # each acknowledgement is the next step
    answer = say(dialogue, session, "che porta metto per l'smtp?")
    assert find(answer, ":resume")  # a question in the middle of the guide is answered with the way back
    related = next(i for i in button_ids(answer) if i.startswith("art:"))
    assert find(press(dialogue, session, related), ":resume")  # and so is an article opened from there
