"""The handoff to a person: the customer is with the support team until they (or the team) end it.

With a support group, the flow sits on top of the customer's stack (state ``HandoffState``): every
message is relayed to the team (``Context.relay``), buttons are not the bot's to answer, and /bot,
/start or /cancel bring the customer back to the bot, and to the flow they had parked, if any. The
channel opens the ticket and tells the customer only once the team has it (``Reply.handoff``).

Without a group, or when the group cannot be reached, the customer gets the support address, and the
conversation so far goes to the support mailbox through the outbox.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.core.callbacks import FlowAction, ShowMenu, button
from bot.core.ports import HANDOFF, LimitReached, Notify, RequestOutbox
from bot.core.types import Button, Reply
from bot.flows.base import Context, Start, customer_payload

HANDOFF_TURNS = 12  # of the transcript sent with a request for a person
_BACK_TO_BOT = ("bot", "start", "cancel")


@dataclasses.dataclass
class HandoffState:
    """Nothing to remember yet but that the customer is with the team."""

    step: str = "with-team"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "HandoffState":
        return cls()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class HandoffFlow:
    name, prefix = "human", "ho"
    commands, intents = ("human",), ("handoff",)
    transient = False
    captures = True  # every message, command and button goes to the flow while it runs

    def __init__(self, support_email: str, support_group: bool, support_hours: str | None = None,
                 outbox: RequestOutbox | None = None, on_submitted: Notify = lambda: None):
        self.support_email = support_email
        self.support_group = support_group
        self.support_hours = support_hours
        self.outbox = outbox
        self.on_submitted = on_submitted

    def start(self, ctx: Context, start: Start = Start()) -> list[Reply]:
        _ = ctx.gettext
        if not self.support_group:
            return [self.by_mail(ctx)]
        ctx.session.push(self.name, HandoffState().to_dict())
        text = _("I've told our support team: a person will answer you here, in this chat. You can keep "
                 "writing (photos and documents too); to go back to the bot, send /bot.")
        if self.support_hours:
            text += "\n\n" + _("The team answers {hours}.").format(hours=self.support_hours)
        return [Reply(text, handoff=True)]

    # with the team: everything the customer sends is theirs
    def on_text(self, ctx: Context, text: str) -> list[Reply]:
        ctx.relay = True
        ctx.session.remember("customer", text)
        return []

    def on_media(self, ctx: Context, media: str) -> list[Reply]:
        ctx.relay = True
        ctx.session.remember("customer", f"[{media}]")
        return []

    def on_command(self, ctx: Context, command: str) -> list[Reply]:
        if command in _BACK_TO_BOT:
            return [self.hand_back(ctx)]
        ctx.relay = True
        ctx.session.remember("customer", f"[/{command}]")
        return []

    def on_button(self, ctx: Context, action: FlowAction | None = None) -> list[Reply]:
        _ = ctx.gettext
        return [Reply(_("You're talking with our support team now. To go back to the bot, send /bot."))]

    def resume(self, ctx: Context) -> list[Reply]:
        return []

    def go_on(self, ctx: Context) -> list[Reply]:
        return []

    def back_button(self, ctx: Context) -> Button | None:
        return None

    # the way out
    def hand_back(self, ctx: Context) -> Reply:
        """The customer leaves the team for the bot (``Reply.handback``: the channel closes the ticket)."""
        ctx.session.leave(self.name)
        back = ctx.resume_button(ctx)
        rows = ctx.menu() if back is None else ((back,), *ctx.menu())
        _ = ctx.gettext
        return Reply(_("You're back with the bot. How can I help?"), buttons=rows, handback=True)

    def failed(self, ctx: Context) -> Reply:
        """The support group could not be reached: the customer hears the truth, stays with the bot, and
        the conversation goes to the support mailbox instead."""
        ctx.session.leave(self.name)
        reply = self.by_mail(ctx)
        _ = ctx.gettext
        return dataclasses.replace(
            reply, text=_("I couldn't reach our support team here just now.") + "\n\n" + reply.text, handoff=False)

    def by_mail(self, ctx: Context) -> Reply:
        _, session = ctx.gettext, ctx.session
        text = _(
            "A person on our support team can help you: write to {support_email} with your mailbox "
            "address and what you have tried so far."
        ).format(support_email=self.support_email)
        if self.outbox is not None and session.history:
            doing = session.flows[-1] if session.flows else {"flow": None, "state": {}}
            payload = {
                **customer_payload(ctx), "name": ctx.customer.name if ctx.customer else "", "email": session.email,
                "flow": doing["flow"], "step": doing["state"].get("step"), "transcript": session.history[-HANDOFF_TURNS:],
            }
            try:
                request, _new = self.outbox.submit(f"{ctx.key.channel}:{ctx.key.chat_id}", [], payload, kind=HANDOFF)
            except LimitReached:
                pass
            else:
                self.on_submitted()
                text += "\n\n" + _(
                    "I have sent our conversation to them with the reference {reference}: mention it when you "
                    "write, so you don't have to explain everything again."
                ).format(reference=request.reference)
        return Reply(text, buttons=((button(_("🏠 Menu"), ShowMenu()),),), handoff=True)
