"""Which language to answer in: the customer's choice, else what their text clearly is, else what we had."""

from __future__ import annotations

from bot.answering.engine import Analysis
from bot.core.session import Session
from bot.core.types import Inbound
from bot.i18n import DEFAULT_LANGUAGE, negotiate


def language_hint(session: Session, inbound: Inbound) -> str | None:
    """The language known before reading the text: the session's, else the customer's app's."""
    return session.lang or negotiate(inbound.language_hint)


def reply_language(session: Session, inbound: Inbound, analysis: Analysis | None = None) -> str:
    """The turn's language, decided once at its start (with the engine's reading of typed text)."""
    if session.lang_chosen and session.lang:
        return session.lang
    if analysis is not None and (analysis.lang_detected or not session.lang):
        return analysis.lang
    return language_hint(session, inbound) or DEFAULT_LANGUAGE
