"""What every flow shares: the turn's context, the ``Flow`` protocol, typed state, and the step pattern.

A flow is a guided exchange (the setup guide, the IMAP request, the handoff to a person, triage). It
owns a typed state, a dataclass kept in its frame of the session's flow stack; the conversation
(``bot/conversation``) routes to the flow on top, and saves every state a flow loaded when the turn
ends. ``StepFlow`` is the pattern of the form-like flows: a token per run in their buttons (a button
of an earlier run says the flow has moved on), buttons made from the token, and the current step's
question asked again.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast

from bot.core.callbacks import FlowAction, StartFlow, button
from bot.core.session import Frame, Session, SessionKey
from bot.core.types import Button, Customer, Effect, HandBack, OpenTicket, RelayToTeam, Reply
from bot.i18n import N_

Gettext = Callable[[str], str]

# The labels of the buttons that start the menu's flows, wherever they are offered.
START_LABELS = {"setup": N_("⚙️ Set up my mail"), "imap": N_("🔓 Activate IMAP"), "human": N_("🙋 Talk to a person")}


class StoredState(Protocol):
    """A flow's typed state, written back into its frame as JSON-ready data."""

    def to_dict(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=StoredState)


@dataclasses.dataclass
class Context:
    """One turn of one customer: who, where, in which language; flows read and change the session."""

    key: SessionKey
    session: Session
    customer: Customer | None
    lang: str
    gettext: Gettext
    # What the turn asks the channel to do besides replying (``bot.core.types.Effect``), in the order asked.
    effects: list[Effect] = dataclasses.field(default_factory=list)
    # The conversation's way back to the flow now on top of the stack (after one ended), and its menu.
    resume_button: Callable[["Context"], Button | None] = lambda ctx: None
    menu: Callable[[], tuple[tuple[Button, ...], ...]] = lambda: ()
    _loaded: list[tuple[Frame, StoredState]] = dataclasses.field(default_factory=list)
    _announcing: list[Reply] = dataclasses.field(default_factory=list)  # of OpenTicket: the reply that says so

    def in_language(self, lang: str, gettext_for: Callable[[str], Gettext],
                    menu_for: Callable[[str], tuple[tuple[Button, ...], ...]]) -> "Context":
        """This turn speaking ``lang`` from here on: the same session, flow states and effects (shared)."""
        if lang == self.lang:
            return self
        return dataclasses.replace(self, lang=lang, gettext=gettext_for(lang), menu=lambda: menu_for(lang))

    # effects
    def open_ticket(self, reply: Reply) -> Reply:
        """Hand the customer to the team; ``reply``, which tells them so, is sent once the ticket is open."""
        if not any(isinstance(e, OpenTicket) for e in self.effects):
            self.effects.append(OpenTicket())
            self._announcing.append(reply)
        return reply

    def relay_to_team(self) -> None:
        """The customer's message is for the support team: the channel passes it on."""
        if RelayToTeam() not in self.effects:
            self.effects.append(RelayToTeam())

    def hand_back(self) -> None:
        """The customer leaves the team for the bot: the channel closes their ticket."""
        if HandBack() not in self.effects:
            self.effects.append(HandBack())

    def resolved_effects(self, replies: list[Reply]) -> tuple[Effect, ...]:
        """The effects asked for, an ``OpenTicket`` pointing at its reply's place among the turn's ``replies``."""
        where = next((n for n, r in enumerate(replies) for a in self._announcing if r is a), 0)
        return tuple(OpenTicket(before=where) if isinstance(e, OpenTicket) else e for e in self.effects)

    def start_button(self, flow: str, label: str | None = None) -> Button:
        return button(self.gettext(label or START_LABELS[flow]), StartFlow(flow))

    def load(self, frame: Frame, state: T) -> T:
        """Follow ``state`` as the typed state of ``frame``: ``save_states`` writes it back."""
        self._loaded.append((frame, state))
        return state

    def state(self, frame: Frame, read: Callable[[dict[str, Any]], T]) -> T:
        """The typed state of ``frame``, read once a turn (every later call gets the same object)."""
        for loaded, state in self._loaded:
            if loaded is frame:
                return cast(T, state)
        return self.load(frame, read(frame["state"]))

    def save_states(self) -> None:
        """Write back each state loaded this turn whose flow is still on the stack."""
        for frame, state in self._loaded:
            if any(f is frame for f in self.session.flows):
                frame["state"] = state.to_dict()
        self._loaded.clear()


@dataclasses.dataclass(frozen=True)
class Start:
    """What is known when a flow starts: a program named, addresses written."""

    client: str | None = None
    emails: tuple[str, ...] = ()


NOTHING_KNOWN = Start()


class Flow(Protocol):
    """A flow as the conversation sees it; ``bot/conversation/registry.py`` lists them."""

    @property
    def name(self) -> str: ...  # in the session's stack and in StartFlow buttons
    @property
    def prefix(self) -> str: ...  # of its FlowAction buttons
    @property
    def commands(self) -> tuple[str, ...]: ...  # that start it
    @property
    def intents(self) -> tuple[str, ...]: ...  # answer-engine intents that start it
    @property
    def transient(self) -> bool: ...  # ends by itself when the customer presses another button or starts another flow
    def captures(self, ctx: Context) -> bool: ...  # takes every event while on top (the support team's flow)

    def start(self, ctx: Context, start: Start) -> list[Reply]: ...
    def on_text(self, ctx: Context, text: str) -> list[Reply] | None: ...  # None: not for the flow, the engine answers
    # Its FlowAction; a flow that captures gets every button's data (None: the conversation answers).
    def on_button(self, ctx: Context, action: Any) -> list[Reply] | None: ...
    def on_command(self, ctx: Context, command: str) -> list[Reply] | None: ...  # None: the conversation answers
    def on_media(self, ctx: Context, media: str) -> list[Reply] | None: ...
    def resume(self, ctx: Context) -> list[Reply]: ...  # the question it waits on, asked again
    def go_on(self, ctx: Context) -> list[Reply] | None: ...  # "ok", "fatto": the next step, or the question again
    def back_button(self, ctx: Context) -> Button | None: ...  # under replies given while it waits


@dataclasses.dataclass
class FlowState:
    """A flow's state: the run's token and the step it waits on. Read leniently: an old session's state
    with unknown or missing fields still loads."""

    token: str = dataclasses.field(default_factory=lambda: secrets.token_hex(2))
    step: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FlowState":
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields and v is not None}
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


S = TypeVar("S", bound=FlowState)


class StepFlow(Generic[S]):
    """The form-like flows' shared pattern. Subclasses set the class attributes and write ``begin``-based
    ``start``, ``act`` (a button of the current run) and ``ask`` (the current step's question)."""

    name: ClassVar[str]
    prefix: ClassVar[str]
    commands: ClassVar[tuple[str, ...]] = ()
    intents: ClassVar[tuple[str, ...]] = ()
    transient: ClassVar[bool] = False
    State: ClassVar[type[FlowState]]
    stale_text: ClassVar[str]  # a button of an earlier run pressed
    back_label: ClassVar[str]  # the way back to the flow, under other replies
    restart_label: ClassVar[str | None] = None  # of the button under ``stale_text`` (else the menu's label)

    # state
    def state(self, ctx: Context) -> S:
        frame = ctx.session.frame(self.name)
        if frame is None:  # not running: a fresh state that is never saved
            return cast(S, self.State())
        return ctx.state(frame, lambda data: cast(S, self.State.from_dict(data)))

    def begin(self, ctx: Context, state: S | None = None) -> S:
        """A new run on top of the stack (an earlier run of this flow ends)."""
        state = state or cast(S, self.State())
        return ctx.load(ctx.session.push(self.name, {}), state)

    def finish(self, ctx: Context, reply: Reply) -> Reply:
        """End the run; the flow parked under it, if any, is back, with a button to it."""
        ctx.session.leave(self.name)
        back = ctx.resume_button(ctx)
        return dataclasses.replace(reply, buttons=(*reply.buttons, (back,))) if back else reply

    def button(self, ctx: Context, label: str, action: str, arg: str = "") -> Button:
        return button(label, FlowAction(self.prefix, self.state(ctx).token, action, arg))

    # the protocol
    def on_button(self, ctx: Context, action: FlowAction) -> list[Reply]:
        frame = ctx.session.frame(self.name)
        if ctx.session.flow != self.name or frame is None or self.state(ctx).token != action.token:
            _ = ctx.gettext
            return [Reply(_(self.stale_text), buttons=((ctx.start_button(self.name, self.restart_label),),))]
        if action.action == "resume":
            return self.resume(ctx)
        return self.act(ctx, self.state(ctx), action.action, action.arg)

    def act(self, ctx: Context, state: S, action: str, arg: str) -> list[Reply]:
        return self.resume(ctx)

    def ask(self, ctx: Context, state: S) -> Reply:
        raise NotImplementedError

    def resume(self, ctx: Context) -> list[Reply]:
        return [self.ask(ctx, self.state(ctx))]

    def go_on(self, ctx: Context) -> list[Reply]:
        return self.resume(ctx)

    def back_button(self, ctx: Context) -> Button | None:
        if ctx.session.frame(self.name) is None:
            return None
        return self.button(ctx, ctx.gettext(self.back_label), "resume")

    def on_command(self, ctx: Context, command: str) -> list[Reply] | None:
        return None

    def captures(self, ctx: Context) -> bool:
        return False

    def on_media(self, ctx: Context, media: str) -> list[Reply] | None:
        return None


# Said by both form flows when a password is typed into them.
PASSWORD_WARNING = N_(
    "That looks like a password. Never send your password in a chat, not even to me: please delete that "
    "message now, and change the mailbox password to be safe. I never need it: you type it only in your "
    "mail program."
)


def customer_payload(ctx: Context) -> dict[str, Any]:
    """Who the customer is, as the support mailbox sees it in a request (both kinds of request)."""
    customer = ctx.customer
    return {
        "telegram_name": customer.name if customer else "",
        "telegram_username": customer.username if customer else None,
        "telegram_id": customer.id if customer else ctx.key.chat_id, "channel": ctx.key.channel,
        "chat_id": ctx.key.chat_id, "lang": ctx.lang,
    }
