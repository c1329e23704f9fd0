"""What the team reads about a customer: where the setup guide is, the customer's card (/info), and the
week's figures (/stats), as text in the team's language (``_`` is the team's gettext)."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date, format_timedelta
from babel.numbers import format_decimal

from bot.desk.names import shown_name
from bot.desk.rules import TEAM_LANGUAGE
from bot.desk.stats import Stats
from bot.i18n import N_
from bot.knowledge.base import KnowledgeBase

Gettext = Callable[[str], str]



def describe_guide(state: dict[str, Any], kb: KnowledgeBase, _: Gettext, lang: str = TEAM_LANGUAGE) -> str:
    """Where the setup guide is, from its state: "Outlook · IMAP · step 3 of 7"."""
    client = state.get("client")
    parts = [kb.clients[client].name[lang]] if client in kb.clients else []
    protocol = state.get("protocol")
    if protocol:
        parts.append(protocol.upper())
    step = state.get("step")
    if step == "guide" and client in kb.guides and protocol:
        total = len(kb.guides[client].steps[protocol])
        parts.append(_("step {number} of {total}").format(number=int(state.get("index", 0)) + 1, total=total))
    elif step in _STEP_TEXTS:
        parts.append(_(_STEP_TEXTS[step]))
    return " · ".join(parts) or _("just started")


# The guide's steps and the requests' states, as the team reads them.
_STEP_TEXTS = {
    "client": N_("choosing the program"), "protocol": N_("choosing POP3 or IMAP"),
    "address": N_("entering the address"), "worked": N_("checking that it works"),
    "trouble": N_("describing the problem"),
}
REQUEST_STATES = {"pending": N_("pending"), "delivered": N_("delivered"), "failed": N_("failed")}


@dataclasses.dataclass(frozen=True)
class Card:
    name: str
    username: str | None
    customer_id: int
    lang: str
    tickets: int
    requests: tuple[tuple[str, str], ...]  # (reference, state)
    guide: str | None  # where the setup guide stopped
    last_rating: int | None


def card_html(card: Card, _: Gettext, language_names: dict[str, str]) -> str:
    e = html.escape
    requests = ", ".join(
        f"{e(ref)} ({e(_(REQUEST_STATES.get(state, state)))})" for ref, state in card.requests) or "-"
    rows = [
        (_("Customer"),
         f"{e(shown_name(card.name))} (@{e(shown_name(card.username))}, id <code>{card.customer_id}</code>)"),
        (_("Language"), e(language_names.get(card.lang, card.lang))),
        (_("Tickets so far"), str(card.tickets)),
        (_("IMAP requests"), requests),
        (_("Setup guide"), e(card.guide or "-")),
        (_("Last rating"), f"{card.last_rating}/5" if card.last_rating else "-"),
    ]
    return "\n".join(f"<b>{e(label)}</b>: {value}" if n == 0 else f"{e(label)}: {value}"
                     for n, (label, value) in enumerate(rows))


def stats_html(stats: Stats, since: float, customers_total: int, titles: dict[str, str], _: Gettext,
               locale: str = TEAM_LANGUAGE) -> str:
    e = html.escape

    def duration(seconds: float | None) -> str:
        if seconds is None:
            return "-"
        return format_timedelta(timedelta(seconds=seconds), locale=locale, threshold=1.5)

    share = f"{round(stats.handoff_share * 100)}%" if stats.handoff_share is not None else "-"
    wrote = _("of {total} who wrote").format(total=customers_total)
    rating = (f"{format_decimal(stats.rating_average, '0.0', locale=locale)} / 5 ({stats.rating_count})"
              if stats.rating_average is not None else "-")
    reasons = ", ".join(f"{titles.get(a, a)} ({n})" for a, n in stats.top_reasons) or "-"
    title = _("Figures since {date}").format(date=format_date(datetime.fromtimestamp(since), "d MMMM", locale=locale))
    closed = _("closed")
    rows = [
        (_("Tickets opened"), f"{stats.opened} · {closed}: {stats.closed}"),
        (_("Time to first answer (median)"), duration(stats.median_first_answer)),
        (_("Time to close (median)"), duration(stats.median_to_close)),
        (_("Average rating"), rating),
        (_("Customers who asked for a person"), f"{share} ({wrote})"),
        (_("Top reasons"), reasons),
    ]
    return f"<b>{e(title)}</b>\n" + "\n".join(f"{e(label)}: {e(value)}" for label, value in rows)
