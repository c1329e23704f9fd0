"""Button data, typed: what a button does, and its short text form (at most 64 bytes, Telegram's limit).

Each kind is a small frozen dataclass registered under a prefix; its text form is the prefix and the
fields, colon-separated (``art:imap-ports``, ``fb:1:imap-ports``). ``button`` builds a Button from a
kind and checks the limit then, not when the message is sent; ``decode`` turns a pressed button's
text back into its kind, or None for a button this version does not know (an old or forged one).

Flows' buttons share one kind, ``FlowAction``: the flow's own prefix, the token of the flow's run (a
button of an earlier run is recognised as stale), the action and an optional argument.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from bot.core.types import MAX_BUTTON_BYTES, Button

_KINDS: dict[str, type] = {}
K = TypeVar("K", bound=type)


def kind(prefix: str) -> Callable[[K], K]:
    """Register a dataclass as the button kind written ``prefix:field:field...``."""

    def register(cls: K) -> K:
        setattr(cls, "prefix", prefix)  # noqa: B010  (a ClassVar each kind declares)
        _KINDS[prefix] = cls
        return cls

    return register


def encode(data: Any) -> str:
    if isinstance(data, FlowAction):
        parts = [data.flow, data.token, data.action, *([data.arg] if data.arg else [])]
    else:
        parts = [data.prefix, *(_text(getattr(data, f.name)) for f in dataclasses.fields(data))]
    text = ":".join(parts)
    if len(text.encode()) > MAX_BUTTON_BYTES:
        raise ValueError(f"button data over {MAX_BUTTON_BYTES} bytes: {text!r}")
    return text


def button(label: str, data: Any) -> Button:
    """A button doing ``data``; raises ValueError when its data would not fit Telegram's 64 bytes."""
    return Button(label, encode(data))


def decode(text: str | None) -> Any | None:
    """The typed data of a pressed button, or None when it is not one this version makes."""
    if not text:
        return None
    prefix, *values = text.split(":")
    cls = _KINDS.get(prefix)
    if cls is None:
        if len(values) >= 2 and prefix.isalpha():  # a flow's button: prefix, token, action[, arg...]
            return FlowAction(prefix, values[0], values[1], ":".join(values[2:]))
        return None
    fields = dataclasses.fields(cls)
    if len(values) < len(fields):
        return None
    values = [*values[: len(fields) - 1], ":".join(values[len(fields) - 1:])] if fields else values
    if not fields and values:
        return None
    try:
        return cls(**{f.name: _parse(f.type, v) for f, v in zip(fields, values, strict=False)})
    except ValueError:
        return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _parse(type_name: Any, value: str) -> Any:
    if type_name in (bool, "bool"):
        if value not in ("0", "1"):
            raise ValueError(value)
        return value == "1"
    if type_name in (int, "int"):
        if not (value.isascii() and value.isdigit()):
            raise ValueError(value)
        return int(value)
    return value


@dataclasses.dataclass(frozen=True)
class FlowAction:
    """A step inside a flow: ``<flow prefix>:<token>:<action>[:<arg>]``."""

    flow: str
    token: str
    action: str
    arg: str = ""


@kind("menu")
@dataclasses.dataclass(frozen=True)
class ShowMenu:
    prefix: ClassVar[str]


@kind("art")
@dataclasses.dataclass(frozen=True)
class OpenArticle:
    prefix: ClassVar[str]
    article: str


@kind("fb")
@dataclasses.dataclass(frozen=True)
class RateAnswer:
    """"Was this helpful?" under an answer."""

    prefix: ClassVar[str]
    helpful: bool
    article: str


@kind("lang")
@dataclasses.dataclass(frozen=True)
class ChooseLanguage:
    prefix: ClassVar[str]
    lang: str


@kind("flow")
@dataclasses.dataclass(frozen=True)
class StartFlow:
    """Start a flow by its name (the menu's "Set up my mail", "Activate IMAP", "Talk to a person")."""

    prefix: ClassVar[str]
    flow: str


@kind("rt")
@dataclasses.dataclass(frozen=True)
class RateTicket:
    """A customer's 1–5 rating of a closed ticket."""

    prefix: ClassVar[str]
    ticket: int
    stars: int
