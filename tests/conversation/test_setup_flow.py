"""The setup guide, driven through the dialogue with a real SQLite store."""

from __future__ import annotations

import json
import plistlib
import xml.etree.ElementTree as ET

import pytest
from chat import button_ids

from bot.core.session import Session
from bot.knowledge.base import PROTOCOLS


def stack(c):
    return [f["flow"] for f in c.session.flows]


def walk(c, client, protocol, email="info@rossi.it"):
    """From /setup to "did it work?"; returns every reply on the way."""
    start = len(c.seen)
    c.command("setup")
    c.press(f":c:{client}")
    c.press(f":p:{protocol}")
    c.say(email)
    for _ in range(30):
        if c.step != "guide":
            break
        c.press(":n")
    return c.seen[start:]


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    "client",
    ["outlook", "new-outlook", "outlook-mac", "thunderbird", "apple-mail", "ios-mail", "gmail-android",
     "samsung-email", "gmail-web", "other"],
)
def test_every_client_protocol_and_language_walks_to_the_end(chat, kb, client, protocol, lang):
    c = chat(lang)
    replies = walk(c, client, protocol)
    assert c.step == "worked"
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


def test_a_question_naming_the_device_starts_at_its_guide(chat):
    c = chat("it")
    replies = c.say("come configuro la posta su iPhone?")
    assert c.flow == "setup" and c.form["client"] == "ios-mail" and c.step == "protocol"
    assert any(i.endswith(":p:imap") for i in button_ids(replies))
    assert "art:which-protocol" in button_ids(replies)


@pytest.mark.parametrize("typed, client", [("Outlook 2019", "outlook"), ("ho un Pixel", "gmail-android"),
                                           ("thunderbrid", "thunderbird"), ("il nuovo outlook", "new-outlook")])
def test_the_client_can_be_typed(chat, typed, client):
    c = chat("it")
    c.command("setup")
    c.say(typed)
    assert c.form.get("client") == client and c.step == "protocol"


def test_imap_offers_activation_without_leaving_the_guide(chat):
    c = chat("en")
    c.command("setup")
    c.press(":c:thunderbird")
    replies = c.say("imap")
    assert "flow:imap" in button_ids(replies) and c.step == "address"
    c.press("flow:imap")  # the request form, with the guide parked under it
    assert c.flow == "imap" and stack(c) == ["setup", "imap"]
    c.say("info@rossi.it")
    c.say("Rossi Srl")
    c.say("+39 333 1234567")
    replies = c.press(":ok")
    assert "IMAP-" in replies[0].text
    assert stack(c) == ["setup"] and c.step == "address"  # back in the guide, where it was
    replies = c.press(":resume")
    assert "Which email address" in replies[0].text


@pytest.mark.parametrize(
    "typed, hint",
    [("info @rossi.it", "no spaces"), ("info@rossi.it\nbis@rossi.it", "just one"), ("info", "needs an @"),
     ("info@rossi", "doesn't look like a domain")],
)
def test_a_wrong_address_gets_a_hint_and_the_question_stays(chat, typed, hint):
    c = chat("en")
    c.command("setup")
    c.press(":c:other")
    c.press(":p:pop3")
    replies = c.say(typed)
    assert hint in replies[0].text and c.step == "address"


def test_a_unicode_domain_is_accepted_and_hosts_use_punycode(chat):
    replies = walk(chat("it"), "other", "pop3", email="posta@caffè.it")
    assert "mail.xn--caff-8oa.it" in "\n".join(r.text for r in replies)


def test_a_pasted_password_is_refused_with_advice(chat, store):
    c = chat("it")
    c.command("setup")
    c.press(":c:other")
    c.press(":p:pop3")
    replies = c.say("Mario1975!")
    assert "Sembra una password" in replies[0].text and "cancella" in replies[0].text
    assert c.step == "address"
    assert "Mario1975!" not in json.dumps(store.unanswered_report())


def test_back_at_the_first_step_stays_there_and_start_over_restarts(chat):
    c = chat("en")
    walk(c, "other", "imap")
    c.command("setup")
    c.form.update(step="guide", index=0, client="other", protocol="imap", email="info@rossi.it")
    replies = c.press(f"su:{c.form['token']}:b")
    assert replies[0].title == f"Step 1 of {len(c.conversation.kb.guides['other'].steps['imap'])}"
    c.press(f"su:{c.form['token']}:r")
    assert c.step == "client"


def test_cancel_leaves_the_guide_at_any_step(chat):
    for stop_after in range(4):
        c = chat("en")
        c.command("setup")
        actions = [":c:ios-mail", ":p:pop3"]
        for action in actions[:stop_after]:
            c.press(action)
        if stop_after == 3:
            c.say("info@rossi.it")
        replies = c.command("cancel")
        assert c.flow is None and replies[0].text.startswith("Cancelled")


def test_a_stale_button_says_the_guide_has_moved_on(chat):
    c = chat("en")
    old = c.command("setup")
    c.command("setup")  # a new guide: new buttons
    replies = c.press(c.find(":c:outlook", old))
    assert "moved on" in replies[0].text and c.step == "client"


def test_apple_clients_get_a_profile_and_thunderbird_an_autoconfig_file(chat):
    replies = walk(chat("it"), "ios-mail", "imap")
    [profile] = [r.attachment for r in replies if r.attachment]
    assert profile.filename.endswith(".mobileconfig")
    assert plistlib.loads(profile.content)["PayloadContent"][0]["EmailAccountType"] == "EmailTypeIMAP"
    replies = walk(chat("en"), "thunderbird", "pop3")
    [config] = [r.attachment for r in replies if r.attachment]
    assert config.filename == "config-v1.1.xml" and ET.fromstring(config.content).tag == "clientConfig"


def test_it_worked_ends_the_guide_and_counts_as_helpful(chat, store):
    c = chat("en")
    walk(c, "outlook", "pop3")
    replies = c.press(":y")
    assert c.flow is None and replies[0].text.startswith("Great, your mail is set up")
    assert store.feedback_summary() == [("setup:outlook", 1, 0)]


def test_it_did_not_work_leads_to_the_fix_and_then_a_person(chat, kb):
    c = chat("en")
    walk(c, "samsung-email", "imap")
    replies = c.press(":x")
    assert c.step == "trouble" and "flow:human" in button_ids(replies)
    replies = c.press(":t:send")
    assert replies[0].title == kb.articles["cannot-send"].title["en"]
    assert "flow:human" in button_ids(replies)
    assert "mail.rossi.it" in replies[0].text or "465" in replies[0].text


def test_a_question_in_the_middle_is_answered_with_the_way_back(chat):
    c = chat("en")
    walk(c, "outlook", "pop3")
    c.form.update(step="guide", index=1)
    replies = c.say("what is smtp?")
    assert replies[0].title and "SMTP" in replies[0].title
    resume = [i for i in button_ids(replies) if i.endswith(":resume")]
    assert resume
    replies = c.press(resume[0])
    assert replies[0].title.startswith("Step 2")


def test_the_guide_survives_a_restart_at_any_step(chat, store):
    c = chat("it")
    c.command("setup")
    c.press(":c:apple-mail")
    store.set(c.key, c.session.to_dict())
    c.session = Session.from_dict(json.loads(json.dumps(store.get(c.key))))  # the bot restarted
    c.press(":p:pop3")
    replies = c.say("info@rossi.it")
    assert c.step == "guide" and any(r.attachment for r in replies)


def test_ok_typed_inside_the_guide_goes_on_and_answers_keep_the_way_back(chat):
    c = chat("it")
    c.command("setup")
    c.press(":c:thunderbird")
    c.press(":p:pop3")
    c.say("mario@esempio.it")
    first = c.form["index"]
    for word in ("ok", "fatto"):
        c.say(word)
    assert c.form["index"] == first + 2  # each acknowledgement is the next step
    answer = c.say("che porta metto per l'smtp?")
    assert c.find(":resume", answer)  # a question in the middle of the guide is answered with the way back
    related = next(i for i in button_ids(answer) if i.startswith("art:"))
    assert c.find(":resume", c.press(related))  # and so is an article opened from there
