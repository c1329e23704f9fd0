"""The small interfaces the conversation needs from the outside, and nothing more.

The conversation records opinions and unanswered questions in a ``QuestionLog`` and leaves requests
for the support mailbox in a ``RequestOutbox``; the store (``bot.storage``)
implements both, and the builder (``bot.app``) passes them in. Nothing here knows a database or a
mail library.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from bot.core.session import SessionKey

# The kinds of request the support mailbox receives.
ACTIVATION, HANDOFF = "imap-activation", "handoff"


class LimitReached(Exception):
    """The customer already made as many requests of this kind as a day allows."""


class SubmittedRequest(Protocol):
    """A request as the conversation reads it back: its reference and the mailboxes it is for."""

    @property
    def reference(self) -> str: ...
    @property
    def mailboxes(self) -> Sequence[str]: ...


class RequestOutbox(Protocol):
    """Where requests for the support mailbox wait until the postman delivers them."""

    daily_limit: int

    def submit(
        self, customer: str, mailboxes: list[str], payload: dict[str, Any], now: float | None = None,
        kind: str = ACTIVATION
    ) -> tuple[SubmittedRequest, bool]:
        """Store a request; returns it and True, or an open request for one of these mailboxes and False.
        Raises LimitReached past the daily limit."""
        ...


class QuestionLog(Protocol):
    """Where the conversation records what customers thought of answers, and what it could not answer."""

    def record_feedback(self, key: SessionKey, lang: str, article: str, question: str | None,
                        helpful: bool) -> None: ...
    def record_unanswered(self, lang: str, question: str, reason: str) -> None: ...


class NullQuestionLog:
    """For one-off answers outside any conversation (``mailbot ask``): nothing is recorded."""

    def record_feedback(self, key: SessionKey, lang: str, article: str, question: str | None, helpful: bool) -> None:
        pass

    def record_unanswered(self, lang: str, question: str, reason: str) -> None:
        pass


# Called after a request is stored, to wake whoever delivers it (the postman, in another thread).
Notify = Callable[[], None]
