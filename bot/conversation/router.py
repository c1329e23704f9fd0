"""The conversation: one inbound event and the customer's session in, the replies out.

    respond(key, session, inbound) -> Outcome(replies, analysis, relay)     (the session is updated in place)

Events go first to the flow on top of the session's stack (the support team's flow takes everything),
then through three tables: commands, buttons (by their typed data) and the answer engine's intents.
Flows come from ``registry.py``; the texts the conversation says itself from ``texts.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.conversation.answers import Answers
from bot.conversation.language import language_hint, reply_language
from bot.conversation.texts import Texts
from bot.core.address import looks_like_password
from bot.core.callbacks import ChooseLanguage, FlowAction, OpenArticle, RateAnswer, ShowMenu, StartFlow, decode
from bot.core.session import Session, SessionKey
from bot.core.types import Button, Inbound, Reply
from bot.flows.base import Context, Flow, Start
from bot.i18n import Translator
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.engine import Analysis, AnswerEngine
from bot.knowledge.text import find_emails, fold

MAX_INPUT_CHARS = 4096
BOT_TURN_CHARS = 200  # of each bot reply kept in the transcript: enough for the team to follow
_LONGEST_LABEL = 60
_LABEL_MATCH = 88  # rapidfuzz ratio above which a typed text presses the button it spells


@dataclasses.dataclass
class Outcome:
    replies: list[Reply]
    analysis: Analysis | None = None
    relay: bool = False  # the customer is with the support team: pass the message on, say nothing


class Conversation:
    def __init__(self, kb: KnowledgeBase, engine: AnswerEngine, translator: Translator, texts: Texts,
                 answers: Answers, flows: dict[str, Flow]):
        self.kb, self.engine, self.translator = kb, engine, translator
        self.texts, self.answers, self.flows = texts, answers, flows
        self._by_prefix = {flow.prefix: flow for flow in flows.values()}
        self.commands: dict[str, Callable[[Context, str], list[Reply]]] = {
            "start": lambda ctx, args: [self.texts.welcome(ctx.lang)],
            "help": lambda ctx, args: [self.texts.help(ctx.lang)],
            "language": self._language_command,
            "cancel": self._cancel,
            **{command: self._flow_command(flow.name) for flow in flows.values() for command in flow.commands},
        }
        if "imap" not in self.commands:  # no form here (``mailbot ask``): how to ask by mail
            self.commands["imap"] = lambda ctx, args: [self.texts.imap_by_mail(ctx.lang, find_emails(args))]
        self.buttons: dict[type, Callable[[Context, object], list[Reply]]] = {
            ShowMenu: lambda ctx, data: [self.texts.welcome(ctx.lang)],
            ChooseLanguage: self._choose_language,
            OpenArticle: self._open_article,
            RateAnswer: self._rate_answer,
            StartFlow: lambda ctx, data: self.start(ctx, data.flow, Start()),
            FlowAction: self._flow_action,
        }
        self.intents: dict[str, Callable[[Context, Analysis, str], list[Reply]]] = {
            "answer": lambda ctx, a, text: self.answers.article(ctx, a.article, question=text, suggestions=a.suggestions),
            "smalltalk": lambda ctx, a, text: [self.texts.smalltalk(ctx.lang, a.smalltalk)],
            "fallback": self.answers.fallback,
            "activation": lambda ctx, a, text: [self.texts.imap_by_mail(ctx.lang, list(a.emails))],
            **{intent: self._flow_intent(flow.name) for flow in flows.values() for intent in flow.intents},
        }

    # entry points
    def handle(self, key: SessionKey, session: Session, inbound: Inbound) -> list[Reply]:
        """The replies to one event; ``session`` is updated in place."""
        return self.respond(key, session, inbound).replies

    def respond(self, key: SessionKey, session: Session, inbound: Inbound) -> Outcome:
        """Like ``handle``, with the engine's analysis of typed text alongside the replies."""
        if inbound.customer is not None and inbound.customer.name:
            session.name = inbound.customer.name
        ctx = self.context(key, session, inbound)
        outcome = Outcome([])
        top = self.flows.get(session.flow)
        captured = top is not None and top.captures(ctx)  # with the support team: everything is theirs
        if inbound.media:
            replies = top.on_media(ctx, inbound.media) if top is not None else None
            outcome.replies = replies if replies is not None else self._unreadable(ctx, inbound.media)
        elif inbound.command:
            outcome.replies = self._command(ctx, top, inbound)
        elif inbound.button:
            replies = top.on_button(ctx, decode(inbound.button)) if captured else None
            outcome.replies = replies if replies is not None else self.press(ctx, inbound.button)
        elif captured:
            outcome.replies = top.on_text(ctx, inbound.text)
        else:
            outcome.replies = self._text(ctx, inbound, outcome)
        ctx.save_states()
        outcome.relay = ctx.relay
        if not captured:
            session.offered = [[b.label, b.id] for r in outcome.replies for b in r.all_buttons]
            for reply in outcome.replies:
                session.remember("bot", reply.plain(), limit=BOT_TURN_CHARS)
        return outcome

    def context(self, key: SessionKey, session: Session, inbound: Inbound, lang: str | None = None) -> Context:
        lang = lang or reply_language(session, inbound)
        return Context(key, session, inbound.customer, lang, self.gettext(lang),
                       resume_button=self._resume_button, menu=lambda: self.texts.menu(lang))

    def gettext(self, lang: str):
        return lambda message: self.translator.gettext(lang, message)

    # what the channels ask of it
    def handoff_failed(self, key: SessionKey, session: Session, inbound: Inbound) -> Reply:
        """The support group could not take the customer: the truth, and the conversation by mail."""
        ctx = self.context(key, session, inbound)
        reply = self.flows["human"].failed(ctx)
        ctx.save_states()
        return reply

    def find_article(self, words: str) -> tuple[str | None, bool, list[str]]:
        """The article a team member's words (or an article id) point to, whether that is unsure, and the
        next likely ones."""
        if words in self.kb.articles:
            return words, False, []
        analysis = self.engine.analyse(words)
        ranked = [a for a, _p in analysis.ranked if a in self.kb.articles]
        best = analysis.article if analysis.intent == "answer" else (ranked[0] if ranked else None)
        return best, analysis.intent != "answer", [a for a in ranked[:4] if a != best][:3]

    def article_for(self, key: SessionKey, session: Session, lang: str, article_id: str) -> Reply:
        """An article the support team sends the customer, in the customer's language, with its buttons."""
        ctx = Context(key, session, None, lang, self.gettext(lang), menu=lambda: self.texts.menu(lang))
        [reply] = self.answers.article(ctx, article_id, question=None)
        session.remember("bot", reply.plain(), limit=BOT_TURN_CHARS)
        return reply

    def guide_for(self, key: SessionKey, session: Session, lang: str, client: str | None) -> list[Reply]:
        """The setup guide the support team offers: on top of the customer's stack, so that when it ends
        the customer is back with the team."""
        ctx = Context(key, session, None, lang, self.gettext(lang), resume_button=self._resume_button,
                      menu=lambda: self.texts.menu(lang))
        _ = ctx.gettext
        intro = Reply(_("Our support team suggests the setup guide: I'll walk you through it. When it's done, "
                        "you're back with the team."))
        replies = [intro, *self.flows["setup"].start(ctx, Start(client=client))]
        ctx.save_states()
        session.offered = [[b.label, b.id] for r in replies for b in r.all_buttons]
        return replies

    def apology(self, session: Session, inbound: Inbound) -> Reply:
        return self.texts.apology(reply_language(session, inbound))

    def slow_down(self, session: Session, inbound: Inbound) -> Reply:
        return self.texts.slow_down(reply_language(session, inbound))

    # flows
    def start(self, ctx: Context, name: str, start: Start) -> list[Reply]:
        flow = self.flows.get(name)
        if flow is None:
            return [self.texts.imap_by_mail(ctx.lang, list(start.emails))] if name == "imap" else [self.texts.stale_button(ctx.lang)]
        self._end_transient(ctx)
        return flow.start(ctx, start)

    def _flow_command(self, name: str):
        return lambda ctx, args: self.start(ctx, name, Start(emails=tuple(find_emails(args))))

    def _flow_intent(self, name: str):
        return lambda ctx, analysis, text: self.start(ctx, name, Start(client=analysis.client, emails=tuple(analysis.emails)))

    def _end_transient(self, ctx: Context) -> None:
        while self.flows.get(ctx.session.flow) is not None and getattr(self.flows[ctx.session.flow], "transient", False):
            ctx.session.pop()

    def _resume_button(self, ctx: Context) -> Button | None:
        top = self.flows.get(ctx.session.flow)
        return top.back_button(ctx) if top is not None else None

    def _with_way_back(self, ctx: Context, replies: list[Reply]) -> list[Reply]:
        """Replies given in the middle of a flow (a question answered, an article opened), with a button
        back to the flow."""
        back = self._resume_button(ctx) if replies else None
        if back is None or any(b.id == back.id for b in replies[-1].all_buttons):
            return replies
        return [*replies[:-1], dataclasses.replace(replies[-1], buttons=(*replies[-1].buttons, (back,)))]

    # commands
    def _command(self, ctx: Context, top: Flow | None, inbound: Inbound) -> list[Reply]:
        command = inbound.command.lower().lstrip("/").split("@", 1)[0]
        if top is not None:
            replies = top.on_command(ctx, command)
            if replies is not None:
                return replies
        human = self.flows.get("human")
        if command == "bot" and human is not None and ctx.session.frame(human.name) is not None:
            return human.on_command(ctx, command)  # back to the bot from anywhere: a guide the team started, say
        ctx.session.remember("customer", "/" + command + (f" {inbound.text}" if inbound.text else ""))
        ctx.session.lang = ctx.lang
        handler = self.commands.get(command)
        return handler(ctx, inbound.text) if handler else [self.texts.unknown_command(ctx.lang)]

    def _language_command(self, ctx: Context, args: str) -> list[Reply]:
        wanted = fold(args)[:2]
        if wanted in self.kb.languages:
            return self._choose_language(ctx, ChooseLanguage(wanted))
        return [self.texts.language_choice(ctx.lang)]

    def _cancel(self, ctx: Context, args: str) -> list[Reply]:
        # Leaving a ticket with the team open is leaving the team: the channel closes it.
        handback = any(getattr(flow, "holds_ticket", lambda s: False)(ctx.session) for flow in self.flows.values())
        reply = self.texts.cancelled(ctx.lang, had_flow=ctx.session.clear_flows())
        return [dataclasses.replace(reply, handback=handback)]

    # buttons
    def press(self, ctx: Context, button_id: str) -> list[Reply]:
        ctx.session.lang = ctx.lang
        data = decode(button_id)
        handler = self.buttons.get(type(data))
        replies = handler(ctx, data) if handler else None
        return replies if replies is not None else [self.texts.stale_button(ctx.lang)]

    def _choose_language(self, ctx: Context, data: ChooseLanguage) -> list[Reply] | None:
        if data.lang not in self.kb.languages:
            return None
        ctx.session.lang, ctx.session.lang_chosen = data.lang, True
        return [self.texts.language_set(data.lang)]

    def _open_article(self, ctx: Context, data: OpenArticle) -> list[Reply] | None:
        if data.article not in self.kb.articles:
            return None
        self._end_transient(ctx)
        ctx.session.remember("customer", f"[{self.kb.articles[data.article].title[ctx.lang]}]")
        return self._with_way_back(ctx, self.answers.article(ctx, data.article, question=None))

    def _rate_answer(self, ctx: Context, data: RateAnswer) -> list[Reply] | None:
        return self.answers.feedback(ctx, data) if data.article in self.kb.articles else None

    def _flow_action(self, ctx: Context, data: FlowAction) -> list[Reply] | None:
        flow = self._by_prefix.get(data.flow)
        return flow.on_button(ctx, data) if flow is not None else None

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

    # media and typed text
    def _unreadable(self, ctx: Context, media: str) -> list[Reply]:
        ctx.session.lang = ctx.lang
        ctx.session.remember("customer", f"[{media}]")
        return [self.texts.unreadable(ctx.lang, media)]

    def _text(self, ctx: Context, inbound: Inbound, outcome: Outcome) -> list[Reply]:
        session = ctx.session
        text = inbound.text[:MAX_INPUT_CHARS]
        pressed = self._pressed(session, text)
        if pressed:
            return self.press(ctx, pressed)
        # A password typed by mistake is never kept, not even in the transcript the team may receive.
        session.remember("customer", "[•••]" if looks_like_password(text, expecting_address=True) else text)
        top = self.flows.get(session.flow)
        if top is not None:
            replies = top.on_text(ctx, text)
            if replies is not None:
                return replies
        analysis = outcome.analysis = self.engine.analyse(text, hint=language_hint(session, inbound))
        top = self.flows.get(session.flow)
        if top is not None and analysis.intent == "smalltalk" and analysis.smalltalk == "ack":
            replies = top.go_on(ctx)  # "ok", "fatto", "and now?" inside a flow: carry on with it
            if replies:
                return replies
        lang = reply_language(session, inbound, analysis)
        session.lang = ctx.lang = lang
        ctx.gettext, ctx.menu = self.gettext(lang), lambda: self.texts.menu(lang)
        if analysis.emails:
            session.email = analysis.emails[0]
        if analysis.intent != "fallback":
            session.fallbacks_in_row = 0
        intent = "triage" if analysis.intent == "fallback" and analysis.reason == "vague" else analysis.intent
        replies = self.intents.get(intent, self.answers.fallback)(ctx, analysis, text)
        if intent not in {i for flow in self.flows.values() for i in flow.intents}:
            replies = self._with_way_back(ctx, replies)
        return replies
