"""The setup guide: a customer's mail program, POP3 or IMAP, their address, then one step per message.

    client ─► protocol ─► address ─► step 1 … step n ─► did it work? ─► yes: done
                                                                      └► no: symptom ─► fix ─► a person

Buttons carry the guide's token ("su:<token>:<action>"), so a button from an earlier guide says the
guide has moved on instead of acting. The state lives in the session (flow "setup", the step name,
and the form), so the guide survives a restart at any step.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from bot.autoconfig import PROFILE_MIME, XML_MIME, mobileconfig, thunderbird_autoconfig
from bot.core.session import Session, SessionKey
from bot.core.types import Attachment, Button, Reply
from bot.flows.address import AddressError, parse_address, looks_like_password
from bot.i18n import N_
from bot.knowledge.base import PROTOCOLS, KnowledgeBase, fill
from bot.knowledge.text import fold
from bot.store import QuestionLog

FLOW = "setup"
PROFILE_CLIENTS = ("ios-mail", "apple-mail")
# What can go wrong, and the article with the fix.
SYMPTOMS = {
    "password": ("password-rejected", N_("🔑 Password rejected")),
    "receive": ("cannot-receive", N_("📥 I can't receive")),
    "send": ("cannot-send", N_("📤 I can't send")),
    "certificate": ("certificate-warning", N_("⚠️ Certificate warning")),
    "devices": ("multiple-devices", N_("📱 Mail missing on other devices")),
    "duplicates": ("duplicate-messages", N_("♊ Duplicate messages")),
}
_PROTOCOL_WORDS = {"pop3": {"pop", "pop3"}, "imap": {"imap", "imap4"}}

Gettext = Callable[[str], str]


class SetupFlow:
    def __init__(
        self,
        kb: KnowledgeBase,
        gettext: Callable[[str], Gettext],
        detect_client: Callable[[list[str]], str | None],
        known_words: frozenset[str],
        support_email: str,
        log: QuestionLog,
    ):
        self.kb = kb
        self.gettext = gettext
        self.detect_client = detect_client
        self.known_words = known_words
        self.support_email = support_email
        self.provider_domain = support_email.rsplit("@", 1)[-1]
        self.log = log

    # entry points
    def start(self, session: Session, lang: str, client: str | None = None) -> list[Reply]:
        """A new guide, at the protocol question when the client is already known."""
        session.flow, session.form = FLOW, {"token": secrets.token_hex(2)}
        if client in self.kb.guides:
            session.form["client"] = client
            return [self._ask_protocol(session, lang)]
        return [self._ask_client(session, lang)]

    def button(self, key: SessionKey, session: Session, lang: str, value: str) -> list[Reply]:
        token, _, rest = value.partition(":")
        action, _, arg = rest.partition(":")
        _ = self.gettext(lang)
        if session.flow != FLOW or session.form.get("token") != token:
            return [
                Reply(
                    _("That button belongs to an earlier guide, which has moved on."),
                    buttons=((Button(_("⚙️ Start the setup guide"), "flow:setup"),),),
                )
            ]
        form = session.form
        if action == "c" and arg in self.kb.guides:
            form["client"] = arg
            return [self._ask_protocol(session, lang)]
        if action == "p" and arg in PROTOCOLS and form.get("client"):
            return self._choose_protocol(session, lang, arg)
        if action == "a" and form.get("protocol") and session.email:
            return self._take_address(session, lang, session.email)
        if action in ("n", "b") and session.step == "guide":
            return [self._show_step(session, lang, form.get("index", 0) + (1 if action == "n" else -1))]
        if action == "r":
            return self.start(session, lang)
        if action == "resume":
            return [self._current(session, lang)]
        if action == "y" and session.step in ("worked", "trouble"):
            self.log.record_feedback(key, lang, f"setup:{form.get('client')}", None, True)
            session.flow, session.step, session.form = None, None, {}
            return [Reply(_("Great, your mail is set up! Anything else I can help with?"))]
        if action == "x" and session.step in ("worked", "trouble"):
            if session.step == "worked":
                self.log.record_feedback(key, lang, f"setup:{form.get('client')}", None, False)
            return [self._ask_symptom(session, lang)]
        if action == "t" and arg in SYMPTOMS and session.step == "trouble":
            return [self._fix(session, lang, arg)]
        return [self._current(session, lang)]

    def text(self, key: SessionKey, session: Session, lang: str, text: str) -> list[Reply] | None:
        """A typed answer to the current step, or None when the text is something else (a question)."""
        _ = self.gettext(lang)
        step = session.step
        expecting_address = step == "address"
        if looks_like_password(text, self.known_words, expecting_address=expecting_address):
            return [
                Reply(
                    _(
                        "That looks like a password. Never send your password in a chat, not even to me: "
                        "please delete that message now, and change the mailbox password to be safe. "
                        "I never need it: you type it only in your mail program."
                    )
                ),
                self._current(session, lang),
            ]
        words = fold(text).split()
        if step == "client":
            client = self.detect_client(words)
            if client in self.kb.guides:
                session.form["client"] = client
                return [self._ask_protocol(session, lang)]
        elif step == "protocol":
            chosen = [p for p, names in _PROTOCOL_WORDS.items() if names & set(words)]
            if len(chosen) == 1:
                return self._choose_protocol(session, lang, chosen[0])
        elif step == "address":
            if "@" in text or len(words) <= 2:
                return self._take_address(session, lang, text)
        return None

    # steps
    def _token(self, session: Session) -> str:
        return session.form["token"]

    def _button(self, session: Session, label: str, action: str) -> Button:
        return Button(label, f"su:{self._token(session)}:{action}")

    def _controls(self, session: Session, lang: str) -> tuple[Button, ...]:
        _ = self.gettext(lang)
        return (self._button(session, _("🔄 Start over"), "r"),)

    def _ask_client(self, session: Session, lang: str) -> Reply:
        _ = self.gettext(lang)
        session.step = "client"
        clients = [c for c in self.kb.clients.values() if c.id in self.kb.guides]
        rows = [tuple(self._button(session, c.name[lang], f"c:{c.id}") for c in clients[i : i + 2]) for i in range(0, len(clients), 2)]
        return Reply(
            _("Which program or device do you want to set up? Pick one, or write its name."),
            title=_("Set up your mail"),
            buttons=tuple(rows),
        )

    def _ask_protocol(self, session: Session, lang: str) -> Reply:
        _ = self.gettext(lang)
        session.step = "protocol"
        client = self.kb.clients[session.form["client"]].name[lang]
        text = _(
            "Setting up {client}. POP3 or IMAP?\n\n"
            "• POP3 downloads your mail to this device (it is already active).\n"
            "• IMAP keeps your mail on the server, the same on every device (support must activate it first)."
        ).format(client=client)
        buttons = [(self._button(session, "POP3", "p:pop3"), self._button(session, "IMAP", "p:imap"))]
        if "which-protocol" in self.kb.articles:
            buttons.append((Button(self.kb.articles["which-protocol"].title[lang], "art:which-protocol"),))
        buttons.append(self._controls(session, lang))
        return Reply(text, buttons=tuple(buttons))

    def _choose_protocol(self, session: Session, lang: str, protocol: str) -> list[Reply]:
        _ = self.gettext(lang)
        session.form["protocol"] = protocol
        replies = []
        if protocol == "imap":
            replies.append(
                Reply(
                    _(
                        "Good choice for several devices. Remember: IMAP works only once our support has "
                        "activated it on your mailbox. You can ask for it now with the button below, and "
                        "go on with the guide meanwhile."
                    ),
                    buttons=((Button(_("🔓 Activate IMAP"), "flow:imap"),),),
                )
            )
        replies.append(self._ask_address(session, lang))
        return replies

    def _ask_address(self, session: Session, lang: str) -> Reply:
        _ = self.gettext(lang)
        session.step = "address"
        rows = []
        if session.email:
            rows.append((self._button(session, session.email, "a"),))
        rows.append(self._controls(session, lang))
        return Reply(
            _("Which email address are you setting up? Write it in full, for example info@yourcompany.it."),
            buttons=tuple(rows),
        )

    def _take_address(self, session: Session, lang: str, text: str) -> list[Reply]:
        _ = self.gettext(lang)
        try:
            address = parse_address(text)
        except AddressError as error:
            hints = {
                "spaces": _("An address has no spaces or line breaks: write it on one line, like info@yourcompany.it."),
                "no_at": _("That doesn't look like an email address: it needs an @, like info@yourcompany.it."),
                "several": _("Please write just one address, like info@yourcompany.it."),
                "local": _("The part before the @ has a character that addresses can't have. Please check it."),
                "domain": _("The part after the @ doesn't look like a domain (like yourcompany.it). Please check it."),
            }
            return [Reply(hints[error.reason], buttons=(self._controls(session, lang),))]
        session.email = address.email
        session.form["email"] = address.email
        session.form["ascii_domain"] = address.ascii_domain
        replies = self._files(session, lang, address)
        guide = self.kb.guides[session.form["client"]]
        intro = fill(guide.intro[lang], self._values(session))
        replies.append(Reply(intro, title=self.kb.clients[guide.client].name[lang]))
        replies.append(self._show_step(session, lang, 0))
        return replies

    def _files(self, session: Session, lang: str, address) -> list[Reply]:
        _ = self.gettext(lang)
        client, protocol = session.form["client"], session.form["protocol"]
        name = _("Mail for {email}").format(email=address.email)
        if client in PROFILE_CLIENTS:
            content = mobileconfig(self.kb.servers, address, protocol, self.provider_domain, name, sender_name=session.name)
            filename = f"{address.ascii_email.replace('@', '_at_')}.mobileconfig"
            how = (
                _("This configuration profile sets up the account for you. On iPhone or iPad: tap the file, then "
                  "Share > Save to Files; open it from the Files app, then within 8 minutes go to Settings, tap "
                  "\"Profile Downloaded\" and \"Install\"; it asks for your mailbox password. An account installed "
                  "this way cannot have its ports changed: if they ever need to change, install a new profile.")
                if client == "ios-mail"
                else _("This configuration profile sets up the account for you. On the Mac: double-click the file, "
                       "then open System Settings > General > Device Management (or Profiles), and install it; "
                       "it asks for your mailbox password.")
            )
            how += "\n" + _("Prefer to do it by hand? Follow the steps below.")
            return [Reply(how, attachment=Attachment(filename, content, PROFILE_MIME))]
        if client == "thunderbird":
            # Thunderbird cannot import a file: this one is for whoever runs the domain, to publish.
            content = thunderbird_autoconfig(self.kb.servers, address.ascii_domain)
            return [
                Reply(
                    _("For whoever manages {domain}: this file (config-v1.1.xml) lets Thunderbird set up every "
                      "mailbox of the domain by itself, once it is published at "
                      "https://autoconfig.{domain}/mail/config-v1.1.xml or "
                      "https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml. Thunderbird cannot open it "
                      "directly: for your own mailbox, follow the steps below.").format(domain=address.ascii_domain),
                    attachment=Attachment("config-v1.1.xml", content, XML_MIME),
                )
            ]
        return []

    def _values(self, session: Session) -> dict[str, str]:
        email = session.form.get("email", "")
        domain = session.form.get("ascii_domain") or (email.rsplit("@", 1)[1] if "@" in email else "")
        return self.kb.servers.values(domain=domain, email=email)

    def _show_step(self, session: Session, lang: str, index: int) -> Reply:
        _ = self.gettext(lang)
        guide = self.kb.guides[session.form["client"]]
        steps = guide.steps[session.form["protocol"]]
        if index >= len(steps):
            return self._ask_worked(session, lang)
        index = max(0, index)
        session.step, session.form["index"] = "guide", index
        text = fill(steps[index][lang], self._values(session))
        header = _("Step {number} of {total}").format(number=index + 1, total=len(steps))
        navigation = []
        if index > 0:
            navigation.append(self._button(session, _("⬅️ Back"), "b"))
        navigation.append(self._button(session, _("Next ➡️") if index + 1 < len(steps) else _("Done ✅"), "n"))
        return Reply(text, title=header, buttons=(tuple(navigation), self._controls(session, lang)))

    def _ask_worked(self, session: Session, lang: str) -> Reply:
        _ = self.gettext(lang)
        session.step = "worked"
        return Reply(
            _("Did it work? Send yourself a test email to check that mail goes out and comes in."),
            buttons=((self._button(session, _("👍 Yes, it works"), "y"), self._button(session, _("👎 No"), "x")),
                     (self._button(session, _("⬅️ Back"), "resume"),)),
        )

    def _ask_symptom(self, session: Session, lang: str) -> Reply:
        _ = self.gettext(lang)
        session.step = "trouble"
        rows = [(self._button(session, _(label), f"t:{symptom}"),) for symptom, (_article, label) in SYMPTOMS.items()]
        rows.append((Button(_("🙋 Talk to a person"), "flow:human"),))
        return Reply(_("Sorry! What goes wrong?"), buttons=tuple(rows))

    def _fix(self, session: Session, lang: str, symptom: str) -> Reply:
        _ = self.gettext(lang)
        article = self.kb.articles[SYMPTOMS[symptom][0]]
        values = self._values(session)
        values["support_email"] = self.support_email
        return Reply(
            fill(article.answer[lang], values),
            title=article.title[lang],
            buttons=(
                (self._button(session, _("👍 It works now"), "y"),),
                (self._button(session, _("Another problem"), "x"),),
                (Button(_("🙋 Still stuck: talk to a person"), "flow:human"),),
            ),
        )

    def _current(self, session: Session, lang: str) -> Reply:
        """The question the guide is waiting on, asked again."""
        step = session.step
        if step == "protocol":
            return self._ask_protocol(session, lang)
        if step == "address":
            return self._ask_address(session, lang)
        if step == "guide":
            return self._show_step(session, lang, session.form.get("index", 0))
        if step == "worked":
            return self._ask_worked(session, lang)
        if step == "trouble":
            return self._ask_symptom(session, lang)
        return self._ask_client(session, lang)
