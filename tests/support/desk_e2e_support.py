"""The support group of the end-to-end tests and a customer handed over to it, shared by the desk's tests.

``support_group`` builds the team's group on the Bot API stand-in and returns the bot's settings pointing
at it; ``hand_over`` plays a customer asking a question, then asking for a person, and returns once the
ticket is in the group and the customer has been told a person will answer.
"""

from __future__ import annotations

from telegram_e2e_support import MARIO, texts

SUPPORT = -1009999
GIULIA = AGENT = 4242  # an administrator of the group: an agent without being named in SUPPORT_STAFF_IDS
# What a customer handed over reads last, in Italian and in English (the desk's confirmation).
HANDED_OVER = ("una persona ti risponderà qui", "a person will answer you here")


def support_group(fake, forum: bool, staff: dict[int, str] | None = None) -> dict:
    """The support team's group (a forum, or a plain group), Giulia its administrator; ``staff``: more
    agents (user id -> first name), named in SUPPORT_STAFF_IDS. Returns the bot's settings for it."""
    fake.add_user(AGENT, "Giulia")
    for user_id, name in (staff or {}).items():
        fake.add_user(user_id, name)
    fake.add_group(SUPPORT, "Support", forum=forum)
    fake.set_member_status(SUPPORT, AGENT, "administrator")
    fake.flood_limit_per_group_per_minute = None
    settings = {"SUPPORT_CHAT_ID": str(SUPPORT)}
    if staff:
        settings["SUPPORT_STAFF_IDS"] = ",".join(str(user_id) for user_id in staff)
    return settings


def group_texts(fake) -> list[str]:
    """Every text the bot put in the support group, in order ("" for a message without text)."""
    return [m["plain_text"] or "" for m in fake.sent_to(SUPPORT)]


def group_post(fake, words: str) -> dict:
    """The bot's latest post in the support group containing ``words``."""
    return [m for m in fake.sent_to(SUPPORT) if words in (m["plain_text"] or "")][-1]


def relayed(fake, words: str) -> dict:
    """The customer's message containing ``words`` as copied into the support group."""
    return [m for m in fake.sent_to(SUPPORT) if m.get("copied_from") and words in (m["plain_text"] or "")][-1]


def hand_over(fake, customer: int = MARIO, question: str = "non riesco a inviare la posta da outlook",
              ask: str = "voglio parlare con un operatore") -> list[str]:
    """The customer asks ``question``, then for a person (``ask``); waits for the ticket's header in the group
    and the desk's confirmation to the customer, and returns what the customer read, in order."""
    answered = len(fake.sent_to(customer))
    fake.send_text(customer, question)
    fake.wait_for_messages(customer, answered + 1)
    fake.send_text(customer, ask)
    fake.wait_for(lambda: any("#" in t for t in group_texts(fake)), message="the ticket's header in the group")
    fake.wait_for(lambda: any(told in (texts(fake, customer)[-1] or "") for told in HANDED_OVER),
                  message=f"customer {customer} told a person will answer")
    return texts(fake, customer)
