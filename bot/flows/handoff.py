"""The handoff to a person: the customer is with the support team until they (or the team) end it.

    asked for ─► in hours: with the team (every message relayed) ─► /bot, or the team's /close
             └► out of hours: "away, back on ... at ..." ─► a message (typed, or after the button) ─► ticket
                opened, the customer told it was passed on, bot answers meanwhile ─► the team's first answer:
                with the team
    idle ticket closed by the desk ─► the customer writes within a day ─► with the team again

With a support group, the flow sits on top of the customer's stack (state ``HandoffState``). With the
team, every message is relayed (``RelayToTeam``), buttons other than articles are not the bot's to
answer, and /bot, /start or /cancel bring the customer back to the bot, and to the flow they had parked.
The channel opens the ticket and tells the customer only once the team has it (the ``OpenTicket`` effect);
leaving the team is the ``HandBack`` effect, a message for the team ``RelayToTeam``.

Without a group, or when the group cannot be reached, the customer gets the support address, and the
conversation so far goes to the support mailbox through the outbox.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.core.callbacks import FlowAction, OpenArticle, RateAnswer, ShowMenu, button
from bot.core.ports import HANDOFF, LimitReached, Notify, RequestOutbox
from bot.core.session import Session
from bot.core.types import Button, Reply
from bot.desk.hours import OpeningHours, describe_opening, parse_hours
from bot.desk.names import shown_name
from bot.desk.rules import REOPEN_WITHIN  # an idle-closed ticket reopens when the customer writes within this
from bot.flows.base import NOTHING_KNOWN, Context, Start, customer_payload

HANDOFF_TURNS = 12  # of the transcript sent with a request for a person
_BACK_TO_BOT = ("bot", "start", "cancel")
# Steps: with the team; away (told the team is out); leaving a message; left one (the bot answers
# meanwhile); the ticket closed for lack of messages.
WITH_TEAM, AWAY, LEAVING, LEFT, IDLE_CLOSED = "with-team", "away", "leaving-message", "left-message", "idle-closed"
NAME = "human"


@dataclasses.dataclass
class HandoffState:
    step: str = WITH_TEAM
    token: str = dataclasses.field(default_factory=lambda: secrets.token_hex(2))
    closed_at: float | None = None  # when the desk closed the idle ticket

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "HandoffState":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names and v is not None})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class HandoffFlow:
    name, prefix = NAME, "ho"
    commands, intents = ("human",), ("handoff",)
    transient = False

    def __init__(self, support_email: str, support_group: bool, hours: OpeningHours | None = None,
                 outbox: RequestOutbox | None = None, on_submitted: Notify = lambda: None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.support_email = support_email
        self.support_group = support_group
        self.hours = hours or parse_hours(None)
        self.outbox = outbox
        self.on_submitted = on_submitted
        self.clock = clock

    def _state(self, ctx: Context) -> HandoffState:
        """The flow's state, read once a turn and written back when it ends (like every flow's)."""
        frame = ctx.session.frame(self.name)
        return ctx.state(frame, HandoffState.from_dict) if frame else HandoffState(step="")

    def holds_ticket(self, session: Session) -> bool:
        """Whether the customer has a ticket with the team open (leaving the flow must close it)."""
        frame = session.frame(self.name)
        return frame is not None and frame["state"].get("step") in (WITH_TEAM, LEAVING, LEFT)

    def captures(self, ctx: Context) -> bool:
        """With the team, every message, command and button is the flow's."""
        return self._state(ctx).step == WITH_TEAM

    def start(self, ctx: Context, start: Start = NOTHING_KNOWN) -> list[Reply]:
        _ = ctx.gettext
        if not self.support_group:
            return [ctx.open_ticket(self.by_mail(ctx))]
        current = ctx.session.frame(self.name)
        if current is not None and current["state"].get("step") in (WITH_TEAM, LEFT):
            # Already with the team (a person asked for from the guide the team started): back on top.
            ctx.session.leave(self.name)
            ctx.session.push(self.name, HandoffState().to_dict())
            return [Reply(_("You're with our support team: write here and they will answer you. To go back to "
                            "the bot, send /bot."))]
        now = self.clock()
        opening = self.hours.next_opening(now) if self.hours.understood and not self.hours.is_open(now) else None
        if opening is not None:
            state = HandoffState(step=AWAY)
            ctx.session.push(self.name, state.to_dict())
            day, at = describe_opening(opening, ctx.lang)
            return [Reply(
                _("Our support team is away right now: they are back on {day} at {time}. If you like, leave them a "
                  "message: they will answer you here when they are back. Meanwhile I'm still here for your "
                  "questions.").format(day=day, time=at),
                buttons=((button(_("✉️ Leave a message for the team"), FlowAction(self.prefix, state.token, "leave")),),
                         (button(_("🏠 Menu"), ShowMenu()),)))]
        ctx.session.push(self.name, HandoffState().to_dict())
        text = _("I've told our support team: a person will answer you here, in this chat. You can keep "
                 "writing (photos and documents too); to go back to the bot, send /bot.")
        if self.hours.free_text:  # hours the bot cannot read: shown as they were written
            text += "\n\n" + _("The team answers {hours}.").format(hours=self.hours.free_text)
        return [ctx.open_ticket(Reply(text))]

    # what the customer sends
    def on_text(self, ctx: Context, text: str) -> list[Reply] | None:
        state = self._state(ctx)
        if state.step == WITH_TEAM:
            return self._relay(ctx, text)
        if state.step in (AWAY, LEAVING):  # told "leave a message", people type one: no need for the button
            return self._message_left(ctx, state, text)
        if state.step == IDLE_CLOSED:
            return self._reopened(ctx, state, text)
        return None  # a message already left: the bot answers

    def on_media(self, ctx: Context, media: str) -> list[Reply] | None:
        state = self._state(ctx)
        if state.step == WITH_TEAM:
            return self._relay(ctx, f"[{media}]")
        if state.step in (AWAY, LEAVING) and media != "edited":
            return self._message_left(ctx, state, f"[{media}]")
        if state.step == LEFT and media != "edited":  # more photos for the team: the bot cannot read them
            return self._relay(ctx, f"[{media}]")
        if state.step == IDLE_CLOSED and media != "edited":
            return self._reopened(ctx, state, f"[{media}]")
        return None

    def on_command(self, ctx: Context, command: str) -> list[Reply] | None:
        step = self._state(ctx).step
        if command == "bot" or (step == WITH_TEAM and command in _BACK_TO_BOT):
            return [self.hand_back(ctx)]
        if step != WITH_TEAM:
            return None
        return self._relay(ctx, f"[/{command}]")

    def on_button(self, ctx: Context, action: Any = None) -> list[Reply] | None:
        state = self._state(ctx)
        if isinstance(action, FlowAction):
            on_top = ctx.session.flow == self.name
            if action.action == "leave" and action.token == state.token and state.step == AWAY and on_top:
                state.step = LEAVING
                _ = ctx.gettext
                return [Reply(_("Write your message for the team (photos and documents too): I'll pass it on."))]
            return [self._with_team_note(ctx)] if state.step == WITH_TEAM and on_top else None
        if state.step != WITH_TEAM or isinstance(action, (OpenArticle, RateAnswer)):
            return None  # an article the team sent, its opinion: the bot's to answer
        return [self._with_team_note(ctx)]

    def _with_team_note(self, ctx: Context) -> Reply:
        _ = ctx.gettext
        return Reply(_("You're talking with our support team now. To go back to the bot, send /bot."))

    def _relay(self, ctx: Context, remembered: str) -> list[Reply]:
        ctx.relay_to_team()
        ctx.session.remember("customer", remembered)
        return []

    def _message_left(self, ctx: Context, state: HandoffState, text: str) -> list[Reply]:
        _ = ctx.gettext
        state.step = LEFT
        self._relay(ctx, text)
        return [ctx.open_ticket(Reply(_("Thank you: your message is with our team, who will answer you here. "
                                        "Meanwhile, ask me anything about your mail.")))]

    def _reopened(self, ctx: Context, state: HandoffState, text: str) -> list[Reply] | None:
        if state.closed_at is None or time.time() - state.closed_at > REOPEN_WITHIN:
            ctx.session.leave(self.name)
            return None
        state.step, state.closed_at = WITH_TEAM, None
        self._relay(ctx, text)
        _ = ctx.gettext
        return [ctx.open_ticket(Reply(_("Your conversation with our support team is open again: they will "
                                        "answer you here. To go back to the bot, send /bot.")))]

    def resume(self, ctx: Context) -> list[Reply]:
        return []

    def go_on(self, ctx: Context) -> list[Reply] | None:
        return None  # nothing to go on with: "ok" is small talk

    def back_button(self, ctx: Context) -> Button | None:
        return None

    # the way out
    def hand_back(self, ctx: Context) -> Reply:
        """The customer leaves the team for the bot (``HandBack``: the channel closes the ticket)."""
        ctx.session.leave(self.name)
        ctx.hand_back()
        back = ctx.resume_button(ctx)
        rows = ctx.menu() if back is None else ((back,), *ctx.menu())
        _ = ctx.gettext
        return Reply(_("You're back with the bot. How can I help?"), buttons=rows)

    def failed(self, ctx: Context) -> Reply:
        """The support group could not be reached: the customer hears the truth, stays with the bot, and
        the conversation goes to the support mailbox instead."""
        ctx.session.leave(self.name)
        reply = self.by_mail(ctx)
        _ = ctx.gettext
        truth = _("I couldn't reach our support team here just now.")
        return dataclasses.replace(reply, text=truth + "\n\n" + reply.text)

    def by_mail(self, ctx: Context) -> Reply:
        _, session = ctx.gettext, ctx.session
        text = _(
            "A person on our support team can help you: write to {support_email} with your mailbox "
            "address and what you have tried so far."
        ).format(support_email=self.support_email)
        if self.outbox is not None and session.history:
            doing = session.flows[-1] if session.flows else None
            payload = {
                **customer_payload(ctx), "name": shown_name(ctx.customer.name if ctx.customer else "", empty=""),
                "email": session.email, "flow": doing["flow"] if doing else None,
                "step": doing["state"].get("step") if doing else None, "transcript": session.history[-HANDOFF_TURNS:],
            }
            try:
                request, _new = self.outbox.submit(f"{ctx.key.channel}:{ctx.key.chat_id}", [], payload, kind=HANDOFF)
            except LimitReached:
                pass
            else:
                self.on_submitted()
                # Stored, not yet sent: the customer hears when it has reached them (``request_delivered``).
                text += "\n\n" + _(
                    "I'm passing our conversation on to them with the reference {reference}: mention it when you "
                    "write, so you don't have to explain everything again. I'll tell you when it has reached them."
                ).format(reference=request.reference)
        return Reply(text, buttons=((button(_("🏠 Menu"), ShowMenu()),),))


# What the support desk does to a customer's handoff, on its side of the conversation.
def team_answered(session: Session) -> None:
    """The team wrote to the customer: from now on they talk, whatever the bot was doing meanwhile (a
    message left out of hours, then a guide started and left, say): the team is back on top."""
    frame = session.frame(NAME)
    if frame is not None and frame["state"].get("step") in (WITH_TEAM, AWAY, LEAVING, LEFT):
        session.leave(NAME)
        session.push(NAME, {**frame["state"], "step": WITH_TEAM})


def team_guides(session: Session) -> None:
    """The team sent the setup guide: the customer is with the team, under the guide."""
    frame = session.frame(NAME)
    if frame is not None and frame["state"].get("step") in (AWAY, LEAVING, LEFT):
        frame["state"]["step"] = WITH_TEAM


def team_reopened(session: Session) -> None:
    session.push(NAME, HandoffState().to_dict())


def team_closed(session: Session) -> None:
    session.leave(NAME)


def idle_closed(session: Session, now: float) -> None:
    """The desk closed the ticket for lack of messages: writing within a day opens it again. The frame
    keeps its place: a guide the customer is following stays on top."""
    frame = session.frame(NAME)
    state = HandoffState(step=IDLE_CLOSED, closed_at=now).to_dict()
    if frame is None:
        session.push(NAME, state)
    else:
        frame["state"] = state
