"""The IMAP activation request: which mailboxes, who asks, how support can answer, then confirm.

    mailboxes ─► name or company ─► contact (optional) ─► summary ─► confirm ─► in the outbox, with a reference
                                                                  ├► edit a field ─► summary
                                                                  └► cancel

The request is written to the outbox (SQLite) before the customer is told its reference; the postman
delivers it by email. The form lives in the session, so it survives restarts.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Callable

from bot.core.session import Session, SessionKey
from bot.core.types import Button, Customer, Reply
from bot.flows.address import AddressError, looks_like_password, parse_address
from bot.outbox import DAILY_LIMIT, LimitReached, Outbox

FLOW = "imap"
_PHONE_RE = re.compile(r"^\+?[0-9 ().\-/]{6,25}$")
_SEPARATORS = re.compile(r"[\s,;]+| e | and ")

Gettext = Callable[[str], str]


class ActivationFlow:
    def __init__(self, gettext: Callable[[str], Gettext], outbox: Outbox | None, on_submitted: Callable[[], None] | None = None):
        self.gettext = gettext
        self.outbox = outbox
        self.on_submitted = on_submitted

    def start(self, session: Session, lang: str, emails: list[str]) -> list[Reply]:
        # Asked from inside another flow (the setup guide's IMAP branch), that flow is parked and resumed after.
        parked = {"flow": session.flow, "step": session.step, "form": session.form} if session.flow not in (None, FLOW) else None
        session.flow, session.form = FLOW, {"token": secrets.token_hex(2)}
        if parked:
            session.form["parked"] = parked
        if emails:
            replies = self._take_mailboxes(session, lang, " ".join(emails))
            if session.step != "mailboxes":
                return replies
        return [self._ask_mailboxes(session, lang)]

    # buttons: im:<token>:<action>[:<arg>]
    def button(self, key: SessionKey, session: Session, lang: str, value: str, customer: Customer | None) -> list[Reply]:
        _ = self.gettext(lang)
        token, _sep, rest = value.partition(":")
        action, _sep, arg = rest.partition(":")
        if session.flow != FLOW or session.form.get("token") != token:
            return [Reply(_("That button belongs to an earlier request, which has moved on."),
                          buttons=((Button(_("🔓 Activate IMAP"), "flow:imap"),),))]
        if action == "skip" and session.step == "contact":
            session.form["contact"] = ""
            return [self._summary(session, lang)]
        if action == "ok" and session.step == "summary":
            return self._confirm(key, session, lang, customer)
        if action == "edit" and session.step == "summary":
            return [self._ask_what_to_edit(session, lang)]
        if action == "e" and arg in ("mailboxes", "name", "contact"):
            session.form["editing"] = True
            return [{"mailboxes": self._ask_mailboxes, "name": self._ask_name, "contact": self._ask_contact}[arg](session, lang)]
        if action == "resume":
            return [self._current(session, lang)]
        if action == "cancel":
            return [self._finish(session, lang, Reply(_("Request cancelled: nothing has been sent.")))]
        return [self._current(session, lang)]

    def text(self, key: SessionKey, session: Session, lang: str, text: str) -> list[Reply] | None:
        step = session.step
        if step in ("mailboxes", "name", "contact") and looks_like_password(text, expecting_address=step == "mailboxes"):
            # Never stored, never emailed to support: the customer is told to change it.
            _ = self.gettext(lang)
            return [Reply(_("That looks like a password. Never send your password in a chat, not even to me: "
                            "please delete that message now, and change the mailbox password to be safe. "
                            "I never need it: you type it only in your mail program."),
                          buttons=(self._cancel_row(session, lang),))]
        if step == "mailboxes":
            return self._take_mailboxes(session, lang, text)
        if step == "name":
            return self._take_name(session, lang, text)
        if step == "contact":
            return self._take_contact(session, lang, text)
        return None

    # the form
    def _b(self, session: Session, label: str, action: str) -> Button:
        return Button(label, f"im:{session.form['token']}:{action}")

    def _cancel_row(self, session: Session, lang: str) -> tuple[Button, ...]:
        _ = self.gettext(lang)
        return (self._b(session, _("✖️ Cancel the request"), "cancel"),)

    def _next(self, session: Session, lang: str, ask: Callable[[Session, str], Reply]) -> Reply:
        """The next question, or back to the summary after an edit."""
        if session.form.pop("editing", False):
            return self._summary(session, lang)
        return ask(session, lang)

    def _ask_mailboxes(self, session: Session, lang: str) -> Reply:
        _ = self.gettext(lang)
        session.step = "mailboxes"
        return Reply(
            _("Which mailbox should IMAP be activated on? Write the full address; for several mailboxes of "
              "the same domain, write them all, separated by commas."),
            title=_("Activate IMAP"),
            buttons=(self._cancel_row(session, lang),),
        )

    def _take_mailboxes(self, session: Session, lang: str, text: str) -> list[Reply]:
        _ = self.gettext(lang)
        parts = [p for p in _SEPARATORS.split(text.strip()) if p]
        addresses = []
        try:
            for part in parts:
                address = parse_address(part)
                if address.email.lower() not in [a.email.lower() for a in addresses]:
                    addresses.append(address)
        except AddressError:
            return [Reply(_("I couldn't read that as an email address. Please write the full address, "
                            "like info@yourcompany.it (several separated by commas)."),
                          buttons=(self._cancel_row(session, lang),))]
        if not addresses:
            return [self._ask_mailboxes(session, lang)]
        if len({a.ascii_domain for a in addresses}) > 1:
            return [Reply(_("Please send one request per domain: these addresses are on different domains."),
                          buttons=(self._cancel_row(session, lang),))]
        if len(addresses) > 20:
            return [Reply(_("That is a lot of mailboxes: please write to our support team directly for them."),
                          buttons=(self._cancel_row(session, lang),))]
        session.form["mailboxes"] = [a.email for a in addresses]
        return [self._next(session, lang, self._ask_name)]

    def _ask_name(self, session: Session, lang: str) -> Reply:
        _ = self.gettext(lang)
        session.step = "name"
        return Reply(_("Who is asking? Write your name or your company's."), buttons=(self._cancel_row(session, lang),))

    def _take_name(self, session: Session, lang: str, text: str) -> list[Reply]:
        _ = self.gettext(lang)
        name = " ".join(text.split())
        if not 2 <= len(name) <= 100 or not any(c.isalpha() for c in name) or any(ord(c) < 32 or ord(c) == 127 for c in name):
            return [Reply(_("Please write a name between 2 and 100 characters, like Mario Rossi or Rossi Srl."),
                          buttons=(self._cancel_row(session, lang),))]
        session.form["name"] = name
        return [self._next(session, lang, self._ask_contact)]

    def _ask_contact(self, session: Session, lang: str) -> Reply:
        _ = self.gettext(lang)
        session.step = "contact"
        return Reply(
            _("If you like, write a phone number or an email address where support can answer you."),
            buttons=((self._b(session, _("Skip ⏭️"), "skip"),), self._cancel_row(session, lang)),
        )

    def _take_contact(self, session: Session, lang: str, text: str) -> list[Reply]:
        _ = self.gettext(lang)
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
                          buttons=((self._b(session, _("Skip ⏭️"), "skip"),), self._cancel_row(session, lang)))]
        session.form["contact"] = contact
        return [self._summary(session, lang)]

    def _summary(self, session: Session, lang: str) -> Reply:
        _ = self.gettext(lang)
        session.step = "summary"
        form = session.form
        text = _("Please check your request:\n\n• Mailboxes: {mailboxes}\n• Name: {name}\n• Contact: {contact}").format(
            mailboxes=", ".join(form.get("mailboxes", [])), name=form.get("name", ""),
            contact=form.get("contact") or _("none"),
        )
        return Reply(text, title=_("Activate IMAP"), buttons=(
            (self._b(session, _("✅ Confirm"), "ok"), self._b(session, _("✏️ Edit"), "edit")),
            self._cancel_row(session, lang),
        ))

    def _ask_what_to_edit(self, session: Session, lang: str) -> Reply:
        _ = self.gettext(lang)
        return Reply(_("What do you want to change?"), buttons=(
            (self._b(session, _("Mailboxes"), "e:mailboxes"),),
            (self._b(session, _("Name"), "e:name"),),
            (self._b(session, _("Contact"), "e:contact"),),
        ))

    def _confirm(self, key: SessionKey, session: Session, lang: str, customer: Customer | None) -> list[Reply]:
        _ = self.gettext(lang)
        form = session.form
        if self.outbox is None:
            return [Reply(_("I can't take requests here."))]
        payload = {
            "name": form.get("name", ""), "contact": form.get("contact", ""), "lang": lang,
            "telegram_name": customer.name if customer else "", "telegram_username": customer.username if customer else None,
            "telegram_id": customer.id if customer else key.chat_id, "channel": key.channel, "chat_id": key.chat_id,
        }
        try:
            request, new = self.outbox.submit(f"{key.channel}:{key.chat_id}", form["mailboxes"], payload)
        except LimitReached:
            return [self._finish(session, lang, Reply(
                _("You have already sent {limit} requests today: that is the daily limit. "
                  "Please wait for support's answer, or write to them directly.").format(limit=DAILY_LIMIT)))]
        if not new:
            return [self._finish(session, lang, Reply(
                _("There is already a request in progress for {mailboxes}: its reference is {reference}. "
                  "No need to ask again.").format(mailboxes=", ".join(request.mailboxes), reference=request.reference)))]
        if self.on_submitted:
            self.on_submitted()
        return [self._finish(session, lang, Reply(
            _("Done! Your request has the reference {reference}. I'm passing it to our support team by email and "
              "will tell you when it has gone. Support will let you know when IMAP is active; until then your "
              "mailbox keeps working with POP3.").format(reference=request.reference),
            title=_("Request registered"),
        ))]

    def _finish(self, session: Session, lang: str, reply: Reply) -> Reply:
        """End the form; a parked flow (the setup guide) comes back, with a button to it."""
        parked = session.form.get("parked")
        session.flow, session.step, session.form = None, None, {}
        if not parked:
            return reply
        session.flow, session.step, session.form = parked["flow"], parked["step"], parked["form"]
        _ = self.gettext(lang)
        back = Button(_("▶️ Back to the guide"), f"su:{parked['form'].get('token')}:resume")
        return dataclasses.replace(reply, buttons=(*reply.buttons, (back,)))

    def _current(self, session: Session, lang: str) -> Reply:
        return {
            "mailboxes": self._ask_mailboxes, "name": self._ask_name, "contact": self._ask_contact,
        }.get(session.step, self._summary)(session, lang)
