"""The support desk's fixed choices, in one place: the team's language, how languages are named to the
team, and how long a closed ticket may still reopen by itself. Pure: importable by every layer."""

from __future__ import annotations

TEAM_LANGUAGE = "it"  # the support team reads the bot in this language
# Customers' languages, named in the team's language (the ticket's header, /info, the support mailbox).
LANGUAGE_NAMES = {"it": "italiano", "en": "inglese"}
LANGUAGE_FLAGS = {"it": "🇮🇹", "en": "🇬🇧"}
REOPEN_WITHIN = 24 * 3600  # seconds: a ticket closed less than this ago reopens when the customer asks again


def language_label(lang: str) -> str:
    """"🇮🇹 italiano": a customer's language as the team sees it in a ticket; an unknown code as it is."""
    name = LANGUAGE_NAMES.get(lang, lang)
    flag = LANGUAGE_FLAGS.get(lang)
    return f"{flag} {name}" if flag else name
