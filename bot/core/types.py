"""What flows in and out of the conversation core, whatever the channel."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

MAX_BUTTON_BYTES = 64  # what Telegram keeps of a button's data
# What the answer engine may read a typed message as (bot.answering.engine), and what /metrics counts.
INTENTS = ("answer", "setup", "activation", "handoff", "smalltalk", "fallback")


@dataclasses.dataclass(frozen=True)
class Button:
    """A choice offered to the customer: the label they see and its data's text form (``bot.core.callbacks``),
    at most 64 bytes: a longer one is refused here, where it is made, not when Telegram refuses it."""

    label: str
    id: str

    def __post_init__(self) -> None:
        if len(self.id.encode()) > MAX_BUTTON_BYTES:
            raise ValueError(f"button data over {MAX_BUTTON_BYTES} bytes: {self.id!r}")


@dataclasses.dataclass(frozen=True)
class Attachment:
    """A file the bot sends, such as a configuration profile."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclasses.dataclass(frozen=True)
class Customer:
    """Who is writing, as far as the channel knows."""

    id: str
    name: str = ""
    username: str | None = None
    language_code: str | None = None


@dataclasses.dataclass(frozen=True)
class TeamUnreachable:
    """The channel could not reach the support team with an effect of the turn before (a ticket to open, a
    message to relay): the conversation's second step tells the customer and mails the support mailbox."""


@dataclasses.dataclass(frozen=True)
class Inbound:
    """One event from the customer: text typed, a button pressed, a command with its arguments, or
    something the bot cannot read (``media``: "photo", "sticker", "voice", "edited"...)."""

    text: str = ""
    button: str | None = None
    command: str | None = None
    media: str | None = None
    customer: Customer | None = None
    notice: TeamUnreachable | None = None  # not the customer's: the channel's news the conversation must answer

    @property
    def language_hint(self) -> str | None:
        return self.customer.language_code if self.customer else None


@dataclasses.dataclass(frozen=True)
class Reply:
    """One message to send: plain text (the channel escapes it), an optional bold title, buttons in rows."""

    text: str
    title: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None

    @property
    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]

    def plain(self) -> str:
        """The message as plain text, title first."""
        return f"{self.title}\n\n{self.text}" if self.title else self.text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, to be kept in a session until delivered."""
        data: dict[str, Any] = {"text": self.text, "title": self.title,
                                "buttons": [[[b.label, b.id] for b in row] for row in self.buttons]}
        if self.attachment:
            data["attachment"] = [self.attachment.filename, base64.b64encode(self.attachment.content).decode(),
                                  self.attachment.mime_type]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Reply":
        """A reply as ``to_dict`` wrote it; the ``handoff``/``handback`` flags of older records are read by
        ``bot.channels.delivery``, as effects."""
        attachment = data.get("attachment")
        kept = Attachment(attachment[0], base64.b64decode(attachment[1]), attachment[2]) if attachment else None
        return cls(
            text=data["text"], title=data.get("title"),
            buttons=tuple(tuple(Button(label, id_) for label, id_ in row) for row in data.get("buttons", ())),
            attachment=kept,
        )


# What a turn asks the channel to do besides sending its replies: effects as values, carried out by the
# channel in this order: relay (before the replies, unless a ticket opens), replies (a ticket opened just
# before the one that announces it), hand back.
@dataclasses.dataclass(frozen=True)
class OpenTicket:
    """Hand the customer to the support team: a ticket opened (or reopened) before reply ``before`` is sent,
    which tells the customer the team has them; an unreachable team gets the turn's second step instead."""

    before: int = 0


@dataclasses.dataclass(frozen=True)
class RelayToTeam:
    """Pass the customer's message on to their ticket (after the ticket is opened, when one is)."""


@dataclasses.dataclass(frozen=True)
class HandBack:
    """The customer left the support team for the bot: their ticket is closed."""


Effect = OpenTicket | RelayToTeam | HandBack
EFFECT_KINDS: dict[str, type[Effect]] = {"open-ticket": OpenTicket, "relay": RelayToTeam, "hand-back": HandBack}


def effect_to_dict(effect: Effect) -> dict[str, Any]:
    """JSON-ready, with its ``kind``: kept in the delivery record until carried out."""
    kind = next(name for name, cls in EFFECT_KINDS.items() if isinstance(effect, cls))
    return {"kind": kind, **dataclasses.asdict(effect)}


def effect_from_dict(data: dict[str, Any]) -> Effect | None:
    """An effect as ``effect_to_dict`` wrote it; None for a kind this version does not know."""
    cls = EFFECT_KINDS.get(str(data.get("kind")))
    if cls is None:
        return None
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})

