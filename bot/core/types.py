"""What flows in and out of the conversation core, whatever the channel."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

MAX_BUTTON_BYTES = 64  # what Telegram keeps of a button's data


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
class Inbound:
    """One event from the customer: text typed, a button pressed, a command with its arguments, or
    something the bot cannot read (``media``: "photo", "sticker", "voice", "edited"...)."""

    text: str = ""
    button: str | None = None
    command: str | None = None
    media: str | None = None
    customer: Customer | None = None

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
    handoff: bool = False  # the customer is to be handed to the support team
    handback: bool = False  # the customer left the support team for the bot

    @property
    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]

    def plain(self) -> str:
        """The message as plain text, title first."""
        return f"{self.title}\n\n{self.text}" if self.title else self.text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, to be kept in a session until delivered."""
        data: dict[str, Any] = {"text": self.text, "title": self.title,
                                "buttons": [[[b.label, b.id] for b in row] for row in self.buttons],
                                "handoff": self.handoff, "handback": self.handback}
        if self.attachment:
            data["attachment"] = [self.attachment.filename, base64.b64encode(self.attachment.content).decode(),
                                  self.attachment.mime_type]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Reply":
        attachment = data.get("attachment")
        return cls(
            text=data["text"], title=data.get("title"),
            buttons=tuple(tuple(Button(label, id_) for label, id_ in row) for row in data.get("buttons", ())),
            attachment=Attachment(attachment[0], base64.b64decode(attachment[1]), attachment[2]) if attachment else None,
            handoff=bool(data.get("handoff")), handback=bool(data.get("handback")),
        )
