"""``Chat``: one customer talking to the conversation in-process, for the conversation tests.

    chat = Chat(conversation, lang="en")
    chat.command("setup"); chat.press(":c:ios-mail"); chat.say("info@rossi.it")
    assert chat.flow == "setup" and chat.step == "guide"

``press`` takes a button id, or the end of one offered in the last replies (flows' ids carry a token);
an end starting with ":" that no offered button has fails the test (a whole id is sent as it is).
``form`` is the live state of the flow on top of the session's stack.
"""

from __future__ import annotations

from typing import Any

from bot.core.session import Session, SessionKey
from bot.core.types import Customer, Inbound, Reply

KEY = SessionKey("test", "chat")


class Chat:
    def __init__(self, conversation, lang: str | None = "it", *, chosen: bool = True, key: SessionKey = KEY,
                 customer: Customer | None = None, session: Session | None = None):
        self.conversation, self.key = conversation, key
        self.session = session if session is not None else Session(lang=lang, lang_chosen=chosen and lang is not None)
        self.customer = customer or Customer(id="1", name="Mario Rossi", language_code=lang)
        self.replies: list[Reply] = []  # of the last turn
        self.seen: list[Reply] = []  # of every turn
        self.outcome = None

    # the customer's side
    def send(self, inbound: Inbound) -> list[Reply]:
        self.outcome = self.conversation.respond(self.key, self.session, inbound)
        self.replies = self.outcome.replies
        self.seen += self.replies
        return self.replies

    def say(self, text: str) -> list[Reply]:
        return self.send(Inbound(text=text, customer=self.customer))

    def command(self, name: str, args: str = "") -> list[Reply]:
        return self.send(Inbound(command=name, text=args, customer=self.customer))

    def media(self, kind: str) -> list[Reply]:
        return self.send(Inbound(media=kind, customer=self.customer))

    def press(self, button: str, replies: list[Reply] | None = None) -> list[Reply]:
        """Press a button: its whole id, or the end of the id of one offered in ``replies`` (the last turn's)."""
        offered = button_ids(self.replies if replies is None else replies)
        if button not in offered:
            match = next((i for i in offered if i.endswith(button)), None)
            if match is None and button.startswith(":"):
                raise AssertionError(f"no button ending in {button!r} offered: {offered}")
            button = match or button
        return self.send(Inbound(button=button, customer=self.customer))

    # what the tests look at
    def find(self, suffix: str, replies: list[Reply] | None = None) -> str:
        return next(i for i in button_ids(self.seen if replies is None else replies) if i.endswith(suffix))

    @property
    def flow(self) -> str | None:
        return self.session.flow

    @property
    def form(self) -> dict[str, Any]:
        """The state of the flow on top of the stack (live: changing it changes the session)."""
        return self.session.flows[-1]["state"] if self.session.flows else {}

    @property
    def step(self) -> str | None:
        return self.form.get("step")

    def text(self, replies: list[Reply] | None = None) -> str:
        return "\n".join(r.plain() for r in (self.replies if replies is None else replies))


def button_ids(replies: list[Reply]) -> list[str]:
    return [b.id for r in replies for b in r.all_buttons]
