"""The IMAP activation request: which mailboxes, who asks, how support can answer, then confirm.

    mailboxes ─► name or company ─► contact (optional) ─► summary ─► confirm ─► in the outbox, with a reference
                                                                  ├► edit a field ─► summary
                                                                  └► cancel

The request is written to the outbox before the customer is told its reference; the postman delivers
it by email. The form (``ActivationState``) lives in the session's flow stack, so it survives restarts;
asked for in the middle of the setup guide, it sits on top of it, and the guide is back after it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from bot.core.address import Address, AddressError, looks_like_password, parse_address
from bot.core.ports import LimitReached, Notify, RequestOutbox
from bot.core.types import Button, Reply
from bot.flows.base import NOTHING_KNOWN, PASSWORD_WARNING, Context, FlowState, Start, StepFlow, customer_payload
from bot.i18n import N_

_PHONE_RE = re.compile(r"^\+?[0-9 ().\-/]{6,25}$")
_SEPARATORS = re.compile(r"[\s,;]+| e | and ")
_FIELDS = ("mailboxes", "name", "contact")


@dataclasses.dataclass
class ActivationState(FlowState):
    mailboxes: list[str] = dataclasses.field(default_factory=list)
    name: str = ""
    contact: str | None = None
    editing: bool = False  # a field is being changed from the summary: back to the summary after it


class ActivationFlow(StepFlow[ActivationState]):
    name, prefix, State = "imap", "im", ActivationState
    commands, intents = ("imap",), ("activation",)
    stale_text = N_("That button belongs to an earlier request, which has moved on.")
    back_label = N_("▶️ Back to the request")

    def __init__(self, outbox: RequestOutbox, on_submitted: Notify = lambda: None):
        self.outbox = outbox
        self.on_submitted = on_submitted

    def start(self, ctx: Context, start: Start = NOTHING_KNOWN) -> list[Reply]:
        state = self.begin(ctx)
        if start.emails:
            replies = self._take_mailboxes(ctx, state, " ".join(start.emails))
            if state.step != "mailboxes":
                return replies
        return [self._ask_mailboxes(ctx, state)]

    # buttons: im:<token>:<action>[:<arg>]
    def act(self, ctx: Context, state: ActivationState, action: str, arg: str) -> list[Reply]:
        _ = ctx.gettext
        if action == "skip" and state.step == "contact":
            state.contact = ""
            return [self._summary(ctx, state)]
        if action == "ok" and state.step == "summary":
            return self._confirm(ctx, state)
        if action == "edit" and state.step == "summary":
            return [self._ask_what_to_edit(ctx, state)]
        if action == "e" and arg in _FIELDS:
            state.editing = True
            asks = {"mailboxes": self._ask_mailboxes, "name": self._ask_name, "contact": self._ask_contact}
            return [asks[arg](ctx, state)]
        if action == "cancel":
            return [self.finish(ctx, Reply(_("Request cancelled: nothing has been sent.")))]
        return self.resume(ctx)

    def on_text(self, ctx: Context, text: str) -> list[Reply] | None:
        state = self.state(ctx)
        if _is_question(text):
            return None
        if state.step in _FIELDS and looks_like_password(text, expecting_address=state.step == "mailboxes"):
            # Never stored, never emailed to support: the customer is told to change it.
            return [Reply(ctx.gettext(PASSWORD_WARNING), buttons=(self._cancel_row(ctx),))]
        if state.step == "mailboxes":
            return self._take_mailboxes(ctx, state, text)
        if state.step == "name":
            return self._take_name(ctx, state, text)
        if state.step == "contact":
            return self._take_contact(ctx, state, text)
        return None

    # the form
    def _cancel_row(self, ctx: Context) -> tuple[Button, ...]:
        _ = ctx.gettext
        return (self.button(ctx, _("✖️ Cancel the request"), "cancel"),)

    def _next(self, ctx: Context, state: ActivationState, ask: Callable[[Context, ActivationState], Reply]) -> Reply:
        """The next question, or back to the summary after an edit."""
        if state.editing:
            state.editing = False
            return self._summary(ctx, state)
        return ask(ctx, state)

    def _ask_mailboxes(self, ctx: Context, state: ActivationState) -> Reply:
        _ = ctx.gettext
        state.step = "mailboxes"
        return Reply(
            _("Which mailbox should IMAP be activated on? Write the full address; for several mailboxes of "
              "the same domain, write them all, separated by commas."),
            title=_("Activate IMAP"),
            buttons=(self._cancel_row(ctx),),
        )

    def _take_mailboxes(self, ctx: Context, state: ActivationState, text: str) -> list[Reply]:
        _ = ctx.gettext
        parts = [p for p in _SEPARATORS.split(text.strip()) if p]
        addresses: list[Address] = []
        for part in parts:
            try:
                address = parse_address(part)
            except AddressError as error:
                if error.reason == "local" and part.count("@") == 1:  # an address, but not one a mail can carry
                    text = _("{address} can't go into an email to our support team: the part before the @ has "
                             "characters a mailbox address can't have. Please check it and write it again.")
                    return [Reply(text.format(address=part), buttons=(self._cancel_row(ctx),))]
                return [Reply(_("I couldn't read that as an email address. Please write the full address, "
                                "like info@yourcompany.it (several separated by commas)."),
                              buttons=(self._cancel_row(ctx),))]
            if address.email.lower() not in [a.email.lower() for a in addresses]:
                addresses.append(address)
        if not addresses:
            return [self._ask_mailboxes(ctx, state)]
        if len({a.ascii_domain for a in addresses}) > 1:
            return [Reply(_("Please send one request per domain: these addresses are on different domains."),
                          buttons=(self._cancel_row(ctx),))]
        if len(addresses) > 20:
            return [Reply(_("That is a lot of mailboxes: please write to our support team directly for them."),
                          buttons=(self._cancel_row(ctx),))]
        state.mailboxes = [a.email for a in addresses]
        return [self._next(ctx, state, self._ask_name)]

    def _ask_name(self, ctx: Context, state: ActivationState) -> Reply:
        state.step = "name"
        _ = ctx.gettext
        return Reply(_("Who is asking? Write your name or your company's."), buttons=(self._cancel_row(ctx),))

    def _take_name(self, ctx: Context, state: ActivationState, text: str) -> list[Reply]:
        name = " ".join(text.split())
        controls = any(ord(c) < 32 or ord(c) == 127 for c in name)
        if not 2 <= len(name) <= 100 or not any(c.isalpha() for c in name) or controls:
            _ = ctx.gettext
            return [Reply(_("Please write a name between 2 and 100 characters, like Mario Rossi or Rossi Srl."),
                          buttons=(self._cancel_row(ctx),))]
        state.name = name
        return [self._next(ctx, state, self._ask_contact)]

    def _ask_contact(self, ctx: Context, state: ActivationState) -> Reply:
        _ = ctx.gettext
        state.step = "contact"
        return Reply(
            _("If you like, write a phone number or an email address where support can answer you."),
            buttons=((self.button(ctx, _("Skip ⏭️"), "skip"),), self._cancel_row(ctx)),
        )

    def _take_contact(self, ctx: Context, state: ActivationState, text: str) -> list[Reply]:
        _ = ctx.gettext
        contact = text.strip()
        if "@" in contact:
            try:
                contact = parse_address(contact).email
            except AddressError:
                contact = ""
        elif _PHONE_RE.match(contact) and sum(c.isdigit() for c in contact) >= 6:
            contact = " ".join(contact.split())
        else:
            contact = ""
        if not contact:
            return [Reply(_("Please write a phone number (like +39 333 1234567) or an email address, or press Skip."),
                          buttons=((self.button(ctx, _("Skip ⏭️"), "skip"),), self._cancel_row(ctx)))]
        state.contact = contact
        return [self._summary(ctx, state)]

    def _summary(self, ctx: Context, state: ActivationState) -> Reply:
        _ = ctx.gettext
        state.step = "summary"
        text = _("Please check your request:\n\n• Mailboxes: {mailboxes}\n• Name: {name}\n• Contact: {contact}").format(
            mailboxes=", ".join(state.mailboxes), name=state.name, contact=state.contact or _("none"),
        )
        return Reply(text, title=_("Activate IMAP"), buttons=(
            (self.button(ctx, _("✅ Confirm"), "ok"), self.button(ctx, _("✏️ Edit"), "edit")),
            self._cancel_row(ctx),
        ))

    def _ask_what_to_edit(self, ctx: Context, state: ActivationState) -> Reply:
        _ = ctx.gettext
        return Reply(_("What do you want to change?"), buttons=(
            (self.button(ctx, _("Mailboxes"), "e", "mailboxes"),),
            (self.button(ctx, _("Name"), "e", "name"),),
            (self.button(ctx, _("Contact"), "e", "contact"),),
        ))

    def _confirm(self, ctx: Context, state: ActivationState) -> list[Reply]:
        _ = ctx.gettext
        payload = {**customer_payload(ctx), "name": state.name, "contact": state.contact or ""}
        try:
            request, new = self.outbox.submit(f"{ctx.key.channel}:{ctx.key.chat_id}", state.mailboxes, payload)
        except LimitReached:
            return [self.finish(ctx, Reply(
                _("You have already sent {limit} requests today: that is the daily limit. "
                  "Please wait for support's answer, or write to them directly.").format(
                    limit=self.outbox.daily_limit)))]
        if not new:
            return [self.finish(ctx, Reply(
                _("There is already a request in progress for {mailboxes}: its reference is {reference}. "
                  "No need to ask again.").format(
                    mailboxes=", ".join(request.mailboxes), reference=request.reference)))]
        self.on_submitted()
        return [self.finish(ctx, Reply(
            _("Done! Your request has the reference {reference}. I'm passing it to our support team by email and "
              "will tell you when it has gone. Support will let you know when IMAP is active; until then your "
              "mailbox keeps working with POP3.").format(reference=request.reference),
            title=_("Request registered"),
        ))]

    def ask(self, ctx: Context, state: ActivationState) -> Reply:
        return {
            "mailboxes": self._ask_mailboxes, "name": self._ask_name, "contact": self._ask_contact,
        }.get(state.step or "", self._summary)(ctx, state)


def _is_question(text: str) -> bool:
    """A question asked in the middle of the form, to be answered rather than taken as a field."""
    stripped = text.strip()
    return stripped.endswith("?") and "@" not in stripped
