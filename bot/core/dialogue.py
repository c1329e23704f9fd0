"""The dialogue: one inbound event and the customer's session in, the replies out.

    handle(key, session, inbound) -> replies      (the session is updated in place)

It routes commands, button presses and typed text to the answer engine and the flows, and keeps the
small state a conversation needs: language, last answer (for "was this helpful?"), the buttons last
offered (so that typing a label or its number presses it), a short transcript for the support team.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.core.session import Session, SessionKey
from bot.core.types import Button, Customer, Inbound, Reply
from bot.flows.activation import FLOW as ACTIVATION_FLOW
from bot.flows.activation import ActivationFlow
from bot.flows.setup import FLOW as SETUP_FLOW
from bot.flows.setup import SetupFlow
from bot.flows.address import looks_like_password
from bot.i18n import N_, Translator, negotiate
from bot.knowledge.base import KnowledgeBase, fill
from bot.knowledge.engine import Analysis, AnswerEngine
from bot.knowledge.text import find_emails, fold
from bot.outbox import ACTIVATION, HANDOFF, LimitReached, Outbox
from bot.store import QuestionLog

Gettext = Callable[[str], str]
MAX_INPUT_CHARS = 4096
TEAM_LANGUAGE = "it"  # the support team's
HANDOFF_TURNS = 12  # of the transcript sent with a request for a person
HUMAN_FLOW = "human"  # the customer is with the support team
BOT_TURN_CHARS = 200  # of each bot reply kept in the transcript: enough for the team to follow
MAX_ANSWER_ROWS = 4  # offers and related articles under an answer: more is clutter on a phone
_LONGEST_LABEL = 60
_LABEL_MATCH = 88  # rapidfuzz ratio above which a typed text presses the button it spells


@dataclasses.dataclass(frozen=True)
class DialogueSettings:
    support_email: str
    support_group: bool = False  # a Telegram group where the team answers handed-off customers
    support_hours: str | None = None


@dataclasses.dataclass
class Turn:
    replies: list[Reply]
    analysis: Analysis | None = None
    relay: bool = False  # the customer is with the support team: pass the message on, say nothing


class Dialogue:
    def __init__(
        self,
        kb: KnowledgeBase,
        engine: AnswerEngine,
        translator: Translator,
        settings: DialogueSettings,
        log: QuestionLog,
        outbox: Outbox | None = None,
    ):
        self.kb = kb
        self.engine = engine
        self.translator = translator
        self.settings = settings
        self.log = log
        self.setup = SetupFlow(
            kb, self._gettext, engine.detect_client, engine.known, settings.support_email, log
        )
        self.activation = ActivationFlow(self._gettext, outbox)

    # entry points
    def handle(self, key: SessionKey, session: Session, inbound: Inbound) -> list[Reply]:
        """The replies to one event; ``session`` is updated in place."""
        return self.respond(key, session, inbound).replies

    def respond(self, key: SessionKey, session: Session, inbound: Inbound) -> "Turn":
        """Like ``handle``, with the engine's analysis of typed text alongside the replies."""
        turn = Turn([])
        if inbound.customer is not None and inbound.customer.name:
            session.name = inbound.customer.name
        if session.flow == HUMAN_FLOW:
            if (inbound.command or "").lower() in ("bot", "start", "cancel"):
                session.flow, session.step, session.form = None, None, {}
                _ = self._gettext(self._lang(session, inbound))
                turn.replies = [Reply(_("You're back with the bot. How can I help?"),
                                      buttons=self._menu_buttons(self._lang(session, inbound)), handback=True)]
            elif inbound.button:
                _ = self._gettext(self._lang(session, inbound))
                turn.replies = [Reply(_("You're talking with our support team now. To go back to the bot, send /bot."))]
            else:
                turn.relay = True
                session.remember("customer", inbound.text or f"[{inbound.media or inbound.command}]")
            return turn
        if inbound.media:
            turn.replies = [self._unreadable(session, inbound)]
        elif inbound.command:
            turn.replies = self._command(key, session, inbound)
        elif inbound.button:
            turn.replies = self._button(key, session, inbound.button, inbound)
        else:
            turn.replies = self._text(key, session, inbound, turn)
        session.offered = [[b.label, b.id] for r in turn.replies for b in r.all_buttons]
        for reply in turn.replies:
            session.remember("bot", reply.plain(), limit=BOT_TURN_CHARS)
        return turn

    # messages the channel says on the dialogue's behalf
    def apology(self, session: Session, inbound: Inbound) -> Reply:
        """What a customer is told when handling their message failed."""
        _ = self._gettext(self._lang(session, inbound))
        return Reply(_("Sorry, something went wrong on my side. Please try again in a moment."))

    def slow_down(self, session: Session, inbound: Inbound) -> Reply:
        """What a customer sending a storm of messages is told, once, before the rest is ignored."""
        _ = self._gettext(self._lang(session, inbound))
        return Reply(_("You're writing faster than I can read! Please wait a minute, then send your question again."))

    def request_delivered(self, lang: str, reference: str, kind: str = ACTIVATION) -> Reply:
        """What a customer is told when their request has reached the support mailbox."""
        _ = self._gettext(lang)
        if kind == HANDOFF:
            return Reply(_("Our conversation ({reference}) has reached our support team.").format(reference=reference))
        return Reply(_("Your request {reference} has reached our support team. They will let you know when "
                       "IMAP is active.").format(reference=reference))

    def request_trouble(self, reference: str, mailboxes: str, error: str) -> str:
        """The support group's alert for a request that cannot be delivered (in the team's language)."""
        _ = self._gettext(TEAM_LANGUAGE)
        return _("⚠️ The IMAP request {reference} ({mailboxes}) has not reached {support_email}: {error}. "
                 "It stays in the outbox; after fixing the mail settings: mailbot outbox retry {reference}").format(
            reference=reference, mailboxes=mailboxes, support_email=self.settings.support_email, error=error)

    def _unreadable(self, session: Session, inbound: Inbound) -> Reply:
        lang = self._lang(session, inbound)
        session.lang = lang
        _ = self._gettext(lang)
        session.remember("customer", f"[{inbound.media}]")
        if inbound.media == "edited":
            return Reply(_("I only read new messages: please send your correction as a new message."))
        return Reply(
            _("I can only read text. Write your question in words, or pick one of these:"),
            buttons=self._menu_buttons(lang),
        )

    # language
    def _gettext(self, lang: str) -> Gettext:
        return lambda message: self.translator.gettext(lang, message)

    def _hint(self, session: Session, inbound: Inbound) -> str | None:
        return session.lang or negotiate(inbound.language_hint)

    def _lang(self, session: Session, inbound: Inbound, analysis: Analysis | None = None) -> str:
        """The reply language: the customer's choice, else what the text clearly is, else what we had."""
        if session.lang_chosen and session.lang:
            return session.lang
        if analysis is not None and (analysis.lang_detected or not session.lang):
            return analysis.lang
        return self._hint(session, inbound) or "it"

    # commands
    def _command(self, key: SessionKey, session: Session, inbound: Inbound) -> list[Reply]:
        command = inbound.command.lower().lstrip("/").split("@", 1)[0]
        session.remember("customer", "/" + command + (f" {inbound.text}" if inbound.text else ""))
        lang = self._lang(session, inbound)
        session.lang = lang
        if command == "start":
            return [self._welcome(lang)]
        if command == "help":
            return [self._help(lang)]
        if command == "language":
            wanted = fold(inbound.text)[:2]
            if wanted in self.kb.languages:
                return self._set_language(session, wanted)
            return [self._language_choice(lang)]
        if command == "cancel":
            return [self._cancel(session, lang)]
        if command == "setup":
            return self._setup(session, lang, client=None)
        if command == "imap":
            return self._activation(session, lang, find_emails(inbound.text))
        if command == "human":
            return self._handoff(key, session, lang, inbound.customer)
        _ = self._gettext(lang)
        return [Reply(_("I don't know that command. Here is what I can do:"), buttons=self._menu_buttons(lang))]

    # buttons
    def _button(self, key: SessionKey, session: Session, button: str, inbound: Inbound) -> list[Reply]:
        lang = self._lang(session, inbound)
        session.lang = lang
        _ = self._gettext(lang)
        kind, _sep, value = button.partition(":")
        if kind == "menu":
            return [self._welcome(lang)]
        if kind == "lang" and value in self.kb.languages:
            return self._set_language(session, value)
        if kind == "art" and value in self.kb.articles:
            session.remember("customer", f"[{self.kb.articles[value].title[lang]}]")
            return self._with_way_back(session, lang, self._answer(session, lang, value, question=None))
        if kind == "fb" and value[:2] in ("0:", "1:") and value[2:] in self.kb.articles:
            return self._feedback(key, session, lang, value)
        if kind == "su":
            return self.setup.button(key, session, lang, value)
        if kind == "im":
            return self.activation.button(key, session, lang, value, inbound.customer)
        if kind == "flow" and value == "setup":
            return self._setup(session, lang, client=None)
        if kind == "flow" and value == "imap":
            return self._activation(session, lang, [])
        if kind == "flow" and value == "human":
            return self._handoff(key, session, lang, inbound.customer)
        return [Reply(_("That button is no longer active. Here is the menu:"), buttons=self._menu_buttons(lang))]

    def _pressed(self, session: Session, text: str) -> str | None:
        """The button id a typed text stands for: its label, or a close spelling of it. (Numbers press
        buttons only where the channel shows them numbered: the terminal does that itself.)"""
        if not session.offered:
            return None
        folded = fold(text.strip())
        if not folded or len(folded) > _LONGEST_LABEL:  # a question, not a label
            return None
        from rapidfuzz import fuzz

        best, best_score = None, 0.0
        for label, button_id in session.offered:
            score = 100.0 if fold(label) == folded else fuzz.ratio(fold(label), folded)
            if score > best_score:
                best, best_score = button_id, score
        return best if best_score >= _LABEL_MATCH else None

    def _go_on(self, session: Session) -> str | None:
        """The button that carries a running flow forward, for an "ok" or "fatto" typed inside it: the
        guide's next step where it is offered, else the flow's current question asked again."""
        for _label, button_id in session.offered:
            if button_id.startswith("su:") and button_id.endswith(":n"):
                return button_id
        token = session.form.get("token")
        if session.flow == SETUP_FLOW and token:
            return f"su:{token}:resume"
        if session.flow == ACTIVATION_FLOW and token:
            return f"im:{token}:resume"
        return None

    # typed text
    def _text(self, key: SessionKey, session: Session, inbound: Inbound, turn: "Turn") -> list[Reply]:
        text = inbound.text[:MAX_INPUT_CHARS]
        pressed = self._pressed(session, text)
        if pressed:
            return self._button(key, session, pressed, inbound)
        # A password typed by mistake is never kept, not even in the transcript the team may receive.
        session.remember("customer", "[•••]" if looks_like_password(text, expecting_address=True) else text)
        if session.flow == SETUP_FLOW:
            replies = self.setup.text(key, session, self._lang(session, inbound), text)
            if replies is not None:
                return replies
        if session.flow == ACTIVATION_FLOW and not _is_question(text):
            replies = self.activation.text(key, session, self._lang(session, inbound), text)
            if replies is not None:
                return replies
        analysis = turn.analysis = self.engine.analyse(text, hint=self._hint(session, inbound))
        if analysis.intent == "smalltalk" and analysis.smalltalk == "ack":
            go_on = self._go_on(session)
            if go_on:  # "ok", "fatto", "and now?" inside a flow: carry on with it
                return self._button(key, session, go_on, inbound)
        lang = self._lang(session, inbound, analysis)
        session.lang = lang
        replies = self._answer_text(key, session, lang, analysis, text, inbound.customer)
        if analysis.intent not in ("setup", "activation", "handoff"):
            replies = self._with_way_back(session, lang, replies)
        return replies

    def _with_way_back(self, session: Session, lang: str, replies: list[Reply]) -> list[Reply]:
        """Replies given in the middle of a flow (a question answered, an article opened), with a button
        back to the flow."""
        if session.flow not in (SETUP_FLOW, ACTIVATION_FLOW) or not replies or not session.form.get("token"):
            return replies
        _ = self._gettext(lang)
        if session.flow == SETUP_FLOW:
            back = Button(_("▶️ Back to the guide"), f"su:{session.form.get('token')}:resume")
        else:
            back = Button(_("▶️ Back to the request"), f"im:{session.form.get('token')}:resume")
        if any(b.id == back.id for b in replies[-1].all_buttons):
            return replies
        return [*replies[:-1], dataclasses.replace(replies[-1], buttons=(*replies[-1].buttons, (back,)))]

    def _answer_text(
        self, key: SessionKey, session: Session, lang: str, analysis: Analysis, text: str, customer: Customer | None
    ) -> list[Reply]:
        if analysis.emails:
            session.email = analysis.emails[0]
        if analysis.intent != "fallback":
            session.fallbacks_in_row = 0
        if analysis.intent == "answer":
            return self._answer(session, lang, analysis.article, question=text, suggestions=analysis.suggestions)
        if analysis.intent == "setup":
            return self._setup(session, lang, analysis.client)
        if analysis.intent == "activation":
            return self._activation(session, lang, list(analysis.emails))
        if analysis.intent == "handoff":
            return self._handoff(key, session, lang, customer)
        if analysis.intent == "smalltalk":
            return [self._smalltalk(lang, analysis.smalltalk)]
        return self._fallback(session, lang, analysis, text)

    # replies
    def _menu_buttons(self, lang: str) -> tuple[tuple[Button, ...], ...]:
        _ = self._gettext(lang)
        return (
            (Button(_("📨 POP3 or IMAP?"), "art:pop3-vs-imap"),),
            (Button(_("⚙️ Set up my mail"), "flow:setup"),),
            (Button(_("🔓 Activate IMAP"), "flow:imap"),),
            (Button(_("🙋 Talk to a person"), "flow:human"),),
            tuple(self._language_button(code) for code in self.kb.languages if code != lang),
        )

    def _language_button(self, code: str) -> Button:
        language = self.kb.language_data.get(code)
        return Button(language.name if language else code, f"lang:{code}")

    def _welcome(self, lang: str) -> Reply:
        _ = self._gettext(lang)
        return Reply(
            _(
                "Hi! I'm the mail assistant. I can explain POP3 and IMAP, help you set up your mailbox on "
                "your computer or phone, and pass your request to activate IMAP to our support team.\n\n"
                "Ask me anything in your own words, or pick one of these:"
            ),
            buttons=self._menu_buttons(lang),
        )

    def _help(self, lang: str) -> Reply:
        _ = self._gettext(lang)
        return Reply(
            _(
                "Write your question in your own words, for example \"what is the difference between POP3 "
                "and IMAP?\" or \"how do I set up my mail on the iPhone?\".\n\n"
                "Commands:\n/start the main menu\n/setup set up your mail\n/imap activate IMAP\n"
                "/human talk to a person\n/language change language\n/cancel stop what we are doing"
            ),
            buttons=self._menu_buttons(lang),
        )

    def _language_choice(self, lang: str) -> Reply:
        _ = self._gettext(lang)
        return Reply(
            _("Which language do you prefer?"),
            buttons=(tuple(self._language_button(code) for code in self.kb.languages),),
        )

    def _set_language(self, session: Session, lang: str) -> list[Reply]:
        session.lang, session.lang_chosen = lang, True
        _ = self._gettext(lang)
        return [Reply(_("Done: I'll write to you in English."), buttons=self._menu_buttons(lang))]

    def _cancel(self, session: Session, lang: str) -> Reply:
        _ = self._gettext(lang)
        had_flow = session.flow is not None
        session.flow, session.step, session.form = None, None, {}
        text = _("Cancelled. What would you like to do now?") if had_flow else _("There was nothing to cancel. What would you like to do?")
        return Reply(text, buttons=self._menu_buttons(lang))

    def _placeholders(self, session: Session, lang: str) -> dict[str, str]:
        _ = self._gettext(lang)
        domain = session.email.rsplit("@", 1)[1] if session.email else _("yourdomain.com")
        values = self.kb.servers.values(domain=domain, email=session.email or "")
        values["support_email"] = self.settings.support_email
        return values

    def _answer(
        self, session: Session, lang: str, article_id: str, question: str | None, suggestions: tuple[str, ...] = ()
    ) -> list[Reply]:
        _ = self._gettext(lang)
        article = self.kb.articles[article_id]
        rows: list[tuple[Button, ...]] = []
        flow_buttons = {
            "setup": Button(_("⚙️ Set up my mail"), "flow:setup"),
            "activation": Button(_("🔓 Activate IMAP"), "flow:imap"),
            "handoff": Button(_("🙋 Talk to a person"), "flow:human"),
        }
        offers = tuple(flow_buttons[o] for o in article.offer)
        if offers:
            rows.append(offers)
        for related in dict.fromkeys((*article.related, *suggestions)):
            if related != article_id and related in self.kb.articles:
                rows.append((Button(self.kb.articles[related].title[lang], f"art:{related}"),))
        session.last_article, session.last_question, session.rated = article_id, question, False
        session.fallbacks_in_row = 0
        # One message: the answer, "was this helpful?" and its buttons under the related ones.
        feedback = (Button(_("👍 Yes"), f"fb:1:{article_id}"), Button(_("👎 No"), f"fb:0:{article_id}"))
        text = fill(article.answer[lang], self._placeholders(session, lang)) + "\n\n" + _("Was this helpful?")
        return [Reply(text, title=article.title[lang], buttons=(*rows[:MAX_ANSWER_ROWS], feedback))]

    def _feedback(self, key: SessionKey, session: Session, lang: str, value: str) -> list[Reply]:
        _ = self._gettext(lang)
        helpful, _sep, article_id = value.partition(":")
        if session.rated or article_id != session.last_article:
            return [Reply(_("Thanks, I have already noted your opinion on that answer."))]
        session.rated = True
        self.log.record_feedback(key, lang, article_id, session.last_question, helpful == "1")
        if helpful == "1":
            session.dislikes_in_row = 0
            return [Reply(_("Great, glad it helped! Anything else?"))]
        session.dislikes_in_row += 1
        if session.last_question:
            self.log.record_unanswered(lang, session.last_question, "disliked")
        text = _("Sorry that didn't help. Try asking in other words, or talk to a person on our team.")
        if session.dislikes_in_row >= 2:
            text = _("Sorry, I'm not getting it right. A person on our team can help you better.")
        return [Reply(text, buttons=((Button(_("🙋 Talk to a person"), "flow:human"),), (Button(_("🏠 Menu"), "menu"),)))]

    def _setup(self, session: Session, lang: str, client: str | None) -> list[Reply]:
        return self.setup.start(session, lang, client)

    def _activation(self, session: Session, lang: str, emails: list[str]) -> list[Reply]:
        if self.activation.outbox is not None:
            return self.activation.start(session, lang, emails)
        # Outside a conversation (``mailbot ask``) there is no form to fill: say how it works.
        _ = self._gettext(lang)
        mailboxes = ", ".join(emails) if emails else _("your mailbox address")
        text = _(
            "IMAP is an add-on that our support team switches on for you. Write to {support_email} asking "
            "them to activate IMAP for {mailboxes}, with your name or company. They will tell you when it "
            "is on; until then your mailbox keeps working with POP3."
        ).format(support_email=self.settings.support_email, mailboxes=mailboxes)
        return [Reply(text, title=_("Activate IMAP"))]

    def _handoff(self, key: SessionKey, session: Session, lang: str, customer: Customer | None) -> list[Reply]:
        _ = self._gettext(lang)
        if self.settings.support_group:
            # The channel tells the customer only once the ticket is in the group (``handoff=True``).
            session.flow, session.step, session.form = HUMAN_FLOW, None, {}
            text = _("I've told our support team: a person will answer you here, in this chat. You can keep "
                     "writing (photos and documents too); to go back to the bot, send /bot.")
            if self.settings.support_hours:
                text += "\n\n" + _("The team answers {hours}.").format(hours=self.settings.support_hours)
            return [Reply(text, handoff=True)]
        return [self._handoff_by_mail(key, session, lang, customer)]

    def handoff_failed(self, key: SessionKey, session: Session, inbound: Inbound) -> Reply:
        """The support group could not be reached: the customer hears the truth, stays with the bot, and
        the conversation goes to the support mailbox instead."""
        lang = self._lang(session, inbound)
        if session.flow == HUMAN_FLOW:
            session.flow, session.step, session.form = None, None, {}
        _ = self._gettext(lang)
        reply = self._handoff_by_mail(key, session, lang, inbound.customer)
        return dataclasses.replace(reply, text=_("I couldn't reach our support team here just now.") + "\n\n" + reply.text,
                                   handoff=False)

    def _handoff_by_mail(self, key: SessionKey, session: Session, lang: str, customer: Customer | None) -> Reply:
        _ = self._gettext(lang)
        text = _(
            "A person on our support team can help you: write to {support_email} with your mailbox "
            "address and what you have tried so far."
        ).format(support_email=self.settings.support_email)
        outbox = self.activation.outbox
        if outbox is not None and session.history:
            # No support group to hand the chat to: the conversation so far goes to the support mailbox.
            payload = {
                "name": customer.name if customer else "", "telegram_username": customer.username if customer else None,
                "telegram_id": customer.id if customer else key.chat_id, "lang": lang, "channel": key.channel,
                "chat_id": key.chat_id, "email": session.email, "flow": session.flow, "step": session.step,
                "transcript": session.history[-HANDOFF_TURNS:],
            }
            try:
                request, _new = outbox.submit(f"{key.channel}:{key.chat_id}", [], payload, kind=HANDOFF)
            except LimitReached:
                pass
            else:
                if self.activation.on_submitted:
                    self.activation.on_submitted()
                text += "\n\n" + _(
                    "I have sent our conversation to them with the reference {reference}: mention it when you "
                    "write, so you don't have to explain everything again."
                ).format(reference=request.reference)
        return Reply(text, buttons=((Button(_("🏠 Menu"), "menu"),),), handoff=True)

    def _smalltalk(self, lang: str, kind: str | None) -> Reply:
        _ = self._gettext(lang)
        if kind == "thanks":
            return Reply(_("You're welcome! If you need anything else about your mail, just ask."))
        if kind == "goodbye":
            return Reply(_("Bye! Write to me whenever you need help with your mail."))
        if kind == "identity":
            return Reply(
                _(
                    "I'm the mail assistant of our support team: an automatic program, not a person. I can "
                    "explain POP3 and IMAP, help you set up your mailbox and pass requests to our team."
                ),
                buttons=self._menu_buttons(lang),
            )
        if kind == "ack":
            # "ok", "avanti", "and now?" with no guide or form running: nothing to go on with.
            return Reply(_("Tell me what you need: write your question, or pick one of these:"), buttons=self._menu_buttons(lang))
        return self._welcome(lang)

    def _triage(self, lang: str) -> Reply:
        """A problem told too vaguely to answer: ask what fails, with the likely answers as buttons."""
        _ = self._gettext(lang)
        rows = tuple((Button(self.kb.articles[a].title[lang], f"art:{a}"),) for a in self.kb.triage)
        return Reply(
            _("Let's find the problem. What exactly isn't working?"),
            buttons=(*rows, (Button(_("📱 Setting up a new phone or computer"), "flow:setup"),),
                     (Button(_("🙋 Talk to a person"), "flow:human"),)),
        )

    def _fallback(self, session: Session, lang: str, analysis: Analysis, text: str) -> list[Reply]:
        _ = self._gettext(lang)
        if analysis.reason == "empty":
            return [Reply(_("Write your question in a few words, or pick one of these:"), buttons=self._menu_buttons(lang))]
        if analysis.reason == "vague":
            return [self._triage(lang)]
        session.fallbacks_in_row += 1
        self.log.record_unanswered(lang, text, analysis.reason or "unsure")
        person = (Button(_("🙋 Talk to a person"), "flow:human"),)
        if analysis.reason == "foreign":
            return [
                Reply(
                    "\n".join(self.translator.gettext(code, _ONLY_OUR_LANGUAGES) for code in self.kb.languages),
                    buttons=self._menu_buttons(lang),
                )
            ]
        if analysis.suggestions and analysis.reason == "unsure":
            rows = tuple((Button(self.kb.articles[a].title[lang], f"art:{a}"),) for a in analysis.suggestions)
            return [Reply(_("I'm not sure I understood. Did you mean one of these?"), buttons=(*rows, person))]
        text = _(
            "I can only help with your mailbox: choosing POP3 or IMAP, setting up your mail program or "
            "phone, and activating IMAP. For anything else, our support team is at {support_email}."
        ).format(support_email=self.settings.support_email)
        if session.fallbacks_in_row >= 2:
            text += "\n\n" + _("Shall I put you in touch with a person?")
        return [Reply(text, buttons=(person, (Button(_("🏠 Menu"), "menu"),)))]


def _is_question(text: str) -> bool:
    """A question asked in the middle of a form, to be answered rather than taken as a field."""
    stripped = text.strip()
    return stripped.endswith("?") and "@" not in stripped


# Said in both languages at once, to a customer writing in neither.
_ONLY_OUR_LANGUAGES = N_("Sorry, I can only write in Italian and English.")
