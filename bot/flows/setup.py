"""The setup guide: a customer's mail program, POP3 or IMAP, their address, then one step per message.

    client ─► protocol ─► address ─► step 1 … step n ─► did it work? ─► yes: done
                                                                      └► no: symptom ─► fix ─► a person

Buttons carry the guide's token ("su:<token>:<action>"), so a button from an earlier guide says the
guide has moved on instead of acting. The state (``SetupState``) lives in the session's flow stack, so
the guide survives a restart at any step, and waits under an IMAP request or a person.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.autoconfig import PROFILE_MIME, XML_MIME, mobileconfig, thunderbird_autoconfig
from bot.core.address import Address, AddressError, looks_like_password, parse_address
from bot.core.callbacks import OpenArticle, button
from bot.core.ports import QuestionLog
from bot.core.types import Attachment, Button, Reply
from bot.flows.base import NOTHING_KNOWN, PASSWORD_WARNING, Context, FlowState, Start, StepFlow
from bot.i18n import N_
from bot.knowledge.base import PROTOCOLS, KnowledgeBase, fill
from bot.knowledge.text import fold

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


@dataclasses.dataclass
class SetupState(FlowState):
    client: str | None = None
    protocol: str | None = None
    email: str | None = None
    ascii_domain: str | None = None
    index: int = 0  # of the step shown


class SetupFlow(StepFlow[SetupState]):
    name, prefix, State = "setup", "su", SetupState
    commands, intents = ("setup",), ("setup",)
    stale_text = N_("That button belongs to an earlier guide, which has moved on.")
    back_label = N_("▶️ Back to the guide")
    restart_label = N_("⚙️ Start the setup guide")

    def __init__(self, kb: KnowledgeBase, detect_client: Callable[[list[str]], str | None], known_words: frozenset[str],
                 support_email: str, log: QuestionLog):
        self.kb = kb
        self.detect_client = detect_client
        self.known_words = known_words
        self.support_email = support_email
        self.provider_domain = support_email.rsplit("@", 1)[-1]
        self.log = log

    # entry points
    def start(self, ctx: Context, start: Start = NOTHING_KNOWN) -> list[Reply]:
        """A new guide, at the protocol question when the client is already known."""
        state = self.begin(ctx)
        if start.client in self.kb.guides:
            state.client = start.client
            return [self._ask_protocol(ctx, state)]
        return [self._ask_client(ctx, state)]

    def act(self, ctx: Context, state: SetupState, action: str, arg: str) -> list[Reply]:
        _ = ctx.gettext
        if action == "c" and arg in self.kb.guides:
            state.client = arg
            return [self._ask_protocol(ctx, state)]
        if action == "p" and arg in PROTOCOLS and state.client:
            return self._choose_protocol(ctx, state, arg)
        if action == "a" and state.protocol and ctx.session.email:
            return self._take_address(ctx, state, ctx.session.email)
        if action in ("n", "b") and state.step == "guide":
            return [self._show_step(ctx, state, state.index + (1 if action == "n" else -1))]
        if action == "r":
            return self.start(ctx)
        if action == "y" and state.step in ("worked", "trouble"):
            self.log.record_feedback(ctx.key, ctx.lang, f"setup:{state.client}", None, True)
            return [self.finish(ctx, Reply(_("Great, your mail is set up! Anything else I can help with?")))]
        if action == "x" and state.step in ("worked", "trouble"):
            if state.step == "worked":
                self.log.record_feedback(ctx.key, ctx.lang, f"setup:{state.client}", None, False)
            return [self._ask_symptom(ctx, state)]
        if action == "t" and arg in SYMPTOMS and state.step == "trouble":
            return [self._fix(ctx, state, arg)]
        return self.resume(ctx)

    def go_on(self, ctx: Context) -> list[Reply]:
        """"Ok", "fatto" during the steps: the next step."""
        state = self.state(ctx)
        if state.step == "guide":
            return [self._show_step(ctx, state, state.index + 1)]
        return self.resume(ctx)

    def on_text(self, ctx: Context, text: str) -> list[Reply] | None:
        """A typed answer to the current step, or None when the text is something else (a question)."""
        state = self.state(ctx)
        if looks_like_password(text, self.known_words, expecting_address=state.step == "address"):
            return [Reply(ctx.gettext(PASSWORD_WARNING)), self.ask(ctx, state)]
        words = fold(text).split()
        if state.step == "client":
            client = self.detect_client(words)
            if client in self.kb.guides:
                state.client = client
                return [self._ask_protocol(ctx, state)]
        elif state.step == "protocol":
            chosen = [p for p, names in _PROTOCOL_WORDS.items() if names & set(words)]
            if len(chosen) == 1:
                return self._choose_protocol(ctx, state, chosen[0])
        elif state.step == "address":
            if "@" in text or len(words) <= 2:
                return self._take_address(ctx, state, text)
        return None

    # steps
    def _controls(self, ctx: Context) -> tuple[Button, ...]:
        _ = ctx.gettext
        return (self.button(ctx, _("🔄 Start over"), "r"),)

    def _ask_client(self, ctx: Context, state: SetupState) -> Reply:
        _, lang = ctx.gettext, ctx.lang
        state.step = "client"
        clients = [c for c in self.kb.clients.values() if c.id in self.kb.guides]
        rows = [tuple(self.button(ctx, c.name[lang], "c", c.id) for c in clients[i : i + 2])
                for i in range(0, len(clients), 2)]
        return Reply(
            _("Which program or device do you want to set up? Pick one, or write its name."),
            title=_("Set up your mail"),
            buttons=tuple(rows),
        )

    def _ask_protocol(self, ctx: Context, state: SetupState) -> Reply:
        _, lang = ctx.gettext, ctx.lang
        state.step = "protocol"
        assert state.client is not None  # chosen before the protocol is asked
        client = self.kb.clients[state.client].name[lang]
        text = _(
            "Setting up {client}. POP3 or IMAP?\n\n"
            "• POP3 downloads your mail to this device (it is already active).\n"
            "• IMAP keeps your mail on the server, the same on every device (support must activate it first)."
        ).format(client=client)
        buttons: list[tuple[Button, ...]] = [
            (self.button(ctx, "POP3", "p", "pop3"), self.button(ctx, "IMAP", "p", "imap"))]
        if "which-protocol" in self.kb.articles:
            buttons.append((button(self.kb.articles["which-protocol"].title[lang], OpenArticle("which-protocol")),))
        buttons.append(self._controls(ctx))
        return Reply(text, buttons=tuple(buttons))

    def _choose_protocol(self, ctx: Context, state: SetupState, protocol: str) -> list[Reply]:
        _ = ctx.gettext
        state.protocol = protocol
        replies = []
        if protocol == "imap":
            replies.append(
                Reply(
                    _(
                        "Good choice for several devices. Remember: IMAP works only once our support has "
                        "activated it on your mailbox. You can ask for it now with the button below, and "
                        "go on with the guide meanwhile."
                    ),
                    buttons=((ctx.start_button("imap"),),),
                )
            )
        replies.append(self._ask_address(ctx, state))
        return replies

    def _ask_address(self, ctx: Context, state: SetupState) -> Reply:
        _ = ctx.gettext
        state.step = "address"
        rows: list[tuple[Button, ...]] = []
        if ctx.session.email:
            rows.append((self.button(ctx, ctx.session.email, "a"),))
        rows.append(self._controls(ctx))
        return Reply(
            _("Which email address are you setting up? Write it in full, for example info@yourcompany.it."),
            buttons=tuple(rows),
        )

    def _take_address(self, ctx: Context, state: SetupState, text: str) -> list[Reply]:
        _, lang = ctx.gettext, ctx.lang
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
            return [Reply(hints[error.reason], buttons=(self._controls(ctx),))]
        ctx.session.email = state.email = address.email
        state.ascii_domain = address.ascii_domain
        replies = self._files(ctx, state, address)
        assert state.client is not None  # chosen before the address is asked
        guide = self.kb.guides[state.client]
        intro = fill(guide.intro[lang], self._values(state))
        replies.append(Reply(intro, title=self.kb.clients[guide.client].name[lang]))
        replies.append(self._show_step(ctx, state, 0))
        return replies

    def _files(self, ctx: Context, state: SetupState, address: Address) -> list[Reply]:
        _ = ctx.gettext
        client, protocol = state.client, state.protocol
        assert protocol is not None  # chosen before the address is asked
        name = _("Mail for {email}").format(email=address.email)
        if client in PROFILE_CLIENTS:
            content = mobileconfig(self.kb.servers, address, protocol, self.provider_domain, name,
                                   sender_name=ctx.session.name)
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

    def _values(self, state: SetupState) -> dict[str, str]:
        email = state.email or ""
        domain = state.ascii_domain or (email.rsplit("@", 1)[1] if "@" in email else "")
        return self.kb.servers.values(domain=domain, email=email)

    def _show_step(self, ctx: Context, state: SetupState, index: int) -> Reply:
        _ = ctx.gettext
        assert state.client is not None and state.protocol is not None  # the guide runs on both
        steps = self.kb.guides[state.client].steps[state.protocol]
        if index >= len(steps):
            return self._ask_worked(ctx, state)
        index = max(0, index)
        state.step, state.index = "guide", index
        text = fill(steps[index][ctx.lang], self._values(state))
        header = _("Step {number} of {total}").format(number=index + 1, total=len(steps))
        navigation = []
        if index > 0:
            navigation.append(self.button(ctx, _("⬅️ Back"), "b"))
        navigation.append(self.button(ctx, _("Next ➡️") if index + 1 < len(steps) else _("Done ✅"), "n"))
        return Reply(text, title=header, buttons=(tuple(navigation), self._controls(ctx)))

    def _ask_worked(self, ctx: Context, state: SetupState) -> Reply:
        _ = ctx.gettext
        state.step = "worked"
        return Reply(
            _("Did it work? Send yourself a test email to check that mail goes out and comes in."),
            buttons=((self.button(ctx, _("👍 Yes, it works"), "y"), self.button(ctx, _("👎 No"), "x")),
                     (self.button(ctx, _("⬅️ Back"), "resume"),)),
        )

    def _ask_symptom(self, ctx: Context, state: SetupState) -> Reply:
        _ = ctx.gettext
        state.step = "trouble"
        rows = [(self.button(ctx, _(label), "t", symptom),) for symptom, (_article, label) in SYMPTOMS.items()]
        rows.append((ctx.start_button("human"),))
        return Reply(_("Sorry! What goes wrong?"), buttons=tuple(rows))

    def _fix(self, ctx: Context, state: SetupState, symptom: str) -> Reply:
        _ = ctx.gettext
        article = self.kb.articles[SYMPTOMS[symptom][0]]
        values = self._values(state)
        values["support_email"] = self.support_email
        return Reply(
            fill(article.answer[ctx.lang], values),
            title=article.title[ctx.lang],
            buttons=(
                (self.button(ctx, _("👍 It works now"), "y"),),
                (self.button(ctx, _("Another problem"), "x"),),
                (ctx.start_button("human", N_("🙋 Still stuck: talk to a person")),),
            ),
        )

    def ask(self, ctx: Context, state: SetupState) -> Reply:
        """The question the guide is waiting on, asked again."""
        if state.step == "protocol" and state.client in self.kb.guides:
            return self._ask_protocol(ctx, state)
        if state.step == "address" and state.protocol:
            return self._ask_address(ctx, state)
        if state.step == "guide" and state.protocol:
            return self._show_step(ctx, state, state.index)
        if state.step == "worked":
            return self._ask_worked(ctx, state)
        if state.step == "trouble":
            return self._ask_symptom(ctx, state)
        return self._ask_client(ctx, state)
