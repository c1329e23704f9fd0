"""The support group's handlers driven through python-telegram-bot's Application, offline (issue 18):
what the team sends, what strangers in the group hear, buttons pressed where they should not be."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from offline_bot_api import member, offline_bot
from telegram import Update

from bot.config import load_settings

TOKEN = "42:OFFLINE"
SUPPORT, GIULIA, LUCA, STRANGER = -1009999, 4242, 4343, 4545


@pytest.fixture
def desk(tmp_path):
    settings = load_settings({"BOT_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": TOKEN, "SUPPORT_CHAT_ID": str(SUPPORT),
                              "SUPPORT_STAFF_IDS": str(LUCA), "BOT_CACHE_DIR": os.environ["BOT_CACHE_DIR"]})
    with offline_bot(settings, support_group=True) as (bot, application, api, core):
        api.admins = {GIULIA}
        yield bot, application, api, core


_ids = iter(range(1000, 10**6))


def group_message(text: str, user: int = LUCA, **extra) -> dict:
    n = next(_ids)
    message = {"message_id": n, "date": int(time.time()), "text": text,
               "chat": {"id": SUPPORT, "type": "supergroup", "title": "Support"},
               "from": {"id": user, "is_bot": False, "first_name": f"User {user}"}, **extra}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": n, "message": message}


def process(application, data: dict) -> None:
    asyncio.run(application.process_update(Update.de_json(data, application.bot)))


def said(api) -> list[str]:
    return [m["text"] for m in api.sent() if int(m["chat_id"]) == SUPPORT]


@pytest.mark.parametrize("command", ["/stats ²", "/stats ٣", "/stats 99999999999999999999", "/stats 0", "/stats sette",
                                     "/tickets ¹", "/tickets ٣", "/tickets 0", "/tickets -1"])
def test_a_number_the_team_writes_is_ascii_digits_in_range_or_a_clear_answer(desk, command, caplog):
    """Issue 18: ``str.isdigit`` accepted "²", ``int`` raised: no answer, a handler error."""
    bot, application, api, core = desk
    process(application, group_message(command))
    assert "error while handling update" not in caplog.text
    [answer] = said(api)
    assert ("Usa /stats GIORNI" if command.startswith("/stats") else "Usa /tickets PAGINA") in answer


def test_stats_and_tickets_with_a_good_number_answer_as_before(desk):
    bot, application, api, core = desk
    process(application, group_message("/stats 3650"))
    process(application, group_message("/tickets 2"))
    process(application, group_message("/stats"))
    answers = said(api)
    assert len(answers) == 3 and "Usa /" not in " ".join(answers)


def press(data: str | None, inline: bool = False, chat: int = 7) -> dict:
    n = next(_ids)
    query = {"id": f"q{n}", "chat_instance": "ci", "from": {"id": chat, "is_bot": False, "first_name": "Mario"}}
    if data is not None:
        query["data"] = data
    if inline:
        query["inline_message_id"] = "AAAA"
    else:
        query["message"] = {"message_id": 5, "date": int(time.time()), "text": "?",
                            "chat": {"id": chat, "type": "private", "first_name": "Mario"}}
    return {"update_id": n, "callback_query": query}


@pytest.mark.parametrize("data, inline", [("", False), (None, False), ("rt:1:5", True), ("menu", True), ("", True)])
def test_a_press_with_no_data_or_from_an_inline_message_is_answered_and_ignored(desk, data, inline, caplog):
    """Issue 18: such a press fell into the rating handler and raised on ``None.stars`` / ``None.id``."""
    bot, application, api, core = desk
    process(application, press(data, inline))
    assert "error while handling update" not in caplog.text
    assert len(api.called("answerCallbackQuery")) == 1
    assert api.sent() == []


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def customer_message(text: str, chat_id: int = 7, first_name: str = "Mario") -> dict:
    n = next(_ids)
    message = {"message_id": n, "date": int(time.time()), "text": text,
               "chat": {"id": chat_id, "type": "private", "first_name": first_name},
               "from": {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "it"}}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": n, "message": message}


def in_topic(text: str, topic: int, user: int = LUCA, first_name: str | None = None) -> dict:
    update = group_message(text, user, message_thread_id=topic, is_topic_message=True)
    if first_name is not None:
        update["message"]["from"]["first_name"] = first_name
    return update


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_names_reach_the_team_without_bidi_controls_and_every_title_fits_128_utf16_units(desk):
    """Issue 18: a customer's name with bidi overrides reordered the topic's title; an agent whose first
    name is 64 emoji made a 143-unit title that Telegram refused."""
    bot, application, api, core = desk
    api.forum = True
    name = "\u202e" + "Mario" + "\u2066Rossi\u2069" + "\u200f" + "😀" * 70 + "\x07"
    process(application, customer_message("/human", first_name=name))
    [created] = api.called("createForumTopic")
    topic = int(next(m for m in api.sent() if int(m["chat_id"]) == SUPPORT)["message_thread_id"])
    process(application, in_topic("/take", topic, first_name="🦄" * 64 + "\u202e"))
    process(application, in_topic("/info", topic))
    process(application, group_message("/tickets"))
    titles = [created["name"], *(call["name"] for call in api.called("editForumTopic"))]
    assert len(titles) >= 2 and any("🦄" in t for t in titles)
    for title in titles:
        assert utf16(title) <= 128, title
        assert "#1 " in title and "MarioRossi" in title
    for text in [*titles, *said(api)]:
        assert not any(c in text for c in BIDI + "\u200f\x07"), text


def member_change(user: int, old: str, new: str) -> dict:
    n = next(_ids)
    person = {"id": user, "is_bot": False, "first_name": f"User {user}"}
    return {"update_id": n, "chat_member": {
        "chat": {"id": SUPPORT, "type": "supergroup", "title": "Support"}, "from": {"id": 1, "is_bot": False, "first_name": "Owner"},
        "date": int(time.time()), "old_chat_member": member(old, person), "new_chat_member": member(new, person)}}


def test_an_administrator_demoted_a_moment_ago_no_longer_acts_for_the_team(desk):
    """Issue 18: the administrators were cached for five minutes and chat_member updates ignored."""
    bot, application, api, core = desk
    api.forum = True
    process(application, customer_message("/human"))
    topic = int(next(m for m in api.sent() if int(m["chat_id"]) == SUPPORT)["message_thread_id"])
    process(application, in_topic("Ciao Mario, sono Giulia", topic, user=GIULIA))
    assert len(api.called("copyMessage")) == 1  # an administrator: relayed
    api.admins.discard(GIULIA)
    process(application, member_change(GIULIA, "administrator", "member"))
    process(application, in_topic("Ciao ancora", topic, user=GIULIA))
    process(application, in_topic("/close", topic, user=GIULIA))
    assert len(api.called("copyMessage")) == 1 and api.called("closeForumTopic") == []
    assert core.store.tickets.lifecycle.latest(7).state == "open"
    # Made administrator again: acts at once.
    api.admins.add(GIULIA)
    process(application, member_change(GIULIA, "member", "administrator"))
    process(application, in_topic("Eccomi", topic, user=GIULIA))
    assert len(api.called("copyMessage")) == 2


def test_someone_not_on_the_team_who_writes_in_the_group_is_told_once_how_to_join(desk):
    """Issue 18: a member who is neither administrator nor in SUPPORT_STAFF_IDS replied to a customer:
    nothing happened and nobody told them why."""
    bot, application, api, core = desk
    process(application, customer_message("/human"))
    header = next(m for m in api.sent() if int(m["chat_id"]) == SUPPORT)
    reply = {"message_id": 1, "date": int(time.time()), "chat": {"id": SUPPORT, "type": "supergroup", "title": "Support"},
             "text": header["text"]}
    process(application, group_message("Ciao Mario, ti aiuto io", STRANGER, reply_to_message=reply))
    process(application, group_message("/close", STRANGER, reply_to_message=reply))
    process(application, group_message("Ehi?", STRANGER))
    told = [t for t in said(api) if str(STRANGER) in t]
    assert len(told) == 1 and "SUPPORT_STAFF_IDS" in told[0] and "amministrator" in told[0]
    assert api.called("copyMessage") == []
    process(application, group_message("Ciao a tutti", LUCA))  # the team talking among themselves: no answer
    assert len(said(api)) == 2  # the header, and the one notice


def test_a_replica_that_takes_the_group_over_reads_the_administrators_again(desk):
    """With several replicas, the one holding the group's lease sees its chat_member updates; a replica
    that takes the lease over (a new epoch) may have missed some: it asks Telegram again."""
    from bot.storage.leases import Lease, current_lease

    bot, application, api, core = desk
    token = current_lease.set(Lease(f"chat:{SUPPORT}", 1, "replica-a"))
    try:
        process(application, group_message("/tickets", GIULIA))
        process(application, group_message("/tickets", GIULIA))
        assert len(api.called("getChatAdministrators")) == 1  # read once, then remembered
        current_lease.set(Lease(f"chat:{SUPPORT}", 3, "replica-a"))  # lost to another replica, then back
        process(application, group_message("/tickets", GIULIA))
        assert len(api.called("getChatAdministrators")) == 2
    finally:
        current_lease.reset(token)


def test_a_ticket_left_to_open_by_the_previous_version_opens_once_after_the_upgrade(desk):
    """A delivery record written before effects were typed (a ``handoff`` flag on its reply, the update
    among those handled) is read by this version as an OpenTicket: the same update handled again opens
    the ticket in the group and tells the customer, once."""
    from bot.core.session import Session, SessionKey

    bot, application, api, core = desk
    update = customer_message("voglio parlare con un operatore")
    told = "Ho avvisato il nostro team di supporto."
    old = {**Session(lang="it").to_dict(), "delivery": {
        "recent_events": [update["update_id"]], "relay_pending": False,
        "undelivered": [{"text": told, "title": None, "buttons": [], "handoff": True, "handback": False}]}}
    core.store.update(SessionKey("telegram", "7"), lambda data: data.update(old))
    process(application, update)
    process(application, update)  # and again: nothing left to do
    assert [m["text"] for m in api.sent() if int(m["chat_id"]) == 7] == [told]
    headers = [text for text in said(api) if "#1" in text]
    assert len(headers) == 1 and "Mario" in headers[0]
    assert core.store.get(SessionKey("telegram", "7"))["delivery"]["undelivered"] == []
