"""The conversation: one inbound event and the customer's session in, what to say and do out.

    respond(key, session, inbound) -> Outcome(replies, effects, analysis)     (the session is updated in place)

The turn's language is decided once per path (``language.py``): typed text outside a flow speaks its own
language; a flow waiting on the customer speaks the conversation's, and when it passes the text on, the
engine's answer speaks the text's own language (the flow has said nothing by then).
Events go first to the flow on top of the session's stack (the support team's flow takes everything),
then through three tables: commands (``commands.py``), buttons by their typed data (``buttons.py``) and
the answer engine's intents. What the channel must do besides replying (open a ticket, relay, hand back)
comes back as typed effects (``bot.core.types.Effect``); when the team cannot be reached the channel asks
again with ``Inbound.notice`` (a second step, its own turn). Flows come from ``registry.py``; the texts
the conversation says itself from ``texts.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.answering.engine import Analysis, AnswerEngine
from bot.conversation.answers import Answers
from bot.conversation.buttons import Buttons, pressed
from bot.conversation.commands import Commands
from bot.conversation.language import language_hint, reply_language
from bot.conversation.stack import FlowStack
from bot.conversation.texts import Texts
from bot.core.address import looks_like_password
from bot.core.callbacks import decode
from bot.core.session import Session, SessionKey
from bot.core.types import Effect, Inbound, RelayToTeam, Reply
from bot.flows.base import Context, Flow, Gettext, Start
from bot.i18n import Translator
from bot.knowledge.base import KnowledgeBase

MAX_INPUT_CHARS = 4096
BOT_TURN_CHARS = 200  # of each bot reply kept in the transcript: enough for the team to follow

IntentHandler = Callable[[Context, Analysis, str], list[Reply]]


@dataclasses.dataclass
class Outcome:
    """What a turn says and does: its replies in order, the effects the channel carries out, and the answer
    engine's analysis of typed text when the engine answered it (for the figures)."""

    replies: list[Reply]
    effects: tuple[Effect, ...] = ()
    analysis: Analysis | None = None

    @property
    def relay(self) -> bool:
        """The customer is with the support team: the message is passed on."""
        return RelayToTeam() in self.effects


class Conversation:
    def __init__(self, kb: KnowledgeBase, engine: AnswerEngine, translator: Translator, texts: Texts,
                 answers: Answers, flows: dict[str, Flow]):
        self.kb, self.engine, self.translator = kb, engine, translator
        self.texts, self.answers, self.flows = texts, answers, flows
        self.stack = FlowStack(flows, texts)
        self.buttons = Buttons(kb, texts, answers, self.stack)
        self.commands = Commands(kb, texts, self.stack, self.buttons)
        self.intents: dict[str, IntentHandler] = {
            "answer": lambda ctx, a, text: self.answers.article(ctx, a.article or "", question=text,
                                                               suggestions=a.suggestions),
            "smalltalk": lambda ctx, a, text: [self.texts.smalltalk(ctx.lang, a.smalltalk)],
            "fallback": self.answers.fallback,
            "activation": lambda ctx, a, text: [self.texts.imap_by_mail(ctx.lang, list(a.emails))],
            **{intent: self._starts(flow.name) for flow in flows.values() for intent in flow.intents},
        }

    def _starts(self, name: str) -> IntentHandler:
        return lambda ctx, a, text: self.stack.start(ctx, name, Start(client=a.client, emails=tuple(a.emails)))

    # entry points
    def handle(self, key: SessionKey, session: Session, inbound: Inbound) -> list[Reply]:
        """The replies to one event; ``session`` is updated in place."""
        return self.respond(key, session, inbound).replies

    def respond(self, key: SessionKey, session: Session, inbound: Inbound) -> Outcome:
        """The replies to one event with the effects the channel carries out, and the engine's analysis."""
        if inbound.customer is not None and inbound.customer.name:
            session.name = inbound.customer.name
        typed = inbound.text[:MAX_INPUT_CHARS] if self._is_typed(inbound) else None
        hint = language_hint(session, inbound)
        # The turn's language: the text's own, unless a flow is waiting on the customer (an address, a name, a
        # step done: the language of the exchange so far; a text it passes on is answered in its own, ``_text``).
        analysis = self.engine.analyse(typed, hint=hint) if typed is not None and session.flow is None else None
        ctx = self.context(key, session, inbound, reply_language(session, inbound, analysis))
        if inbound.notice is not None:
            return self._team_unreachable(ctx)
        top = self.stack.top(ctx)
        captured = top is not None and top.captures(ctx)  # with the support team: everything is theirs
        used: Analysis | None = None
        if inbound.media:
            media = top.on_media(ctx, inbound.media) if top is not None else None
            replies = media if media is not None else self._unreadable(ctx, inbound.media)
        elif inbound.command:
            replies = self.commands.handle(ctx, top, inbound)
        elif inbound.button:
            on_top = top.on_button(ctx, decode(inbound.button)) if top is not None and captured else None
            replies = on_top if on_top is not None else self.buttons.press(ctx, inbound.button)
        elif top is not None and captured:
            replies = top.on_text(ctx, inbound.text) or []
        else:
            assert typed is not None
            replies, used = self._text(ctx, typed, analysis, inbound)
        ctx.save_states()
        if not captured:
            session.offered = [[b.label, b.id] for r in replies for b in r.all_buttons]
            for reply in replies:
                session.remember("bot", reply.plain(), limit=BOT_TURN_CHARS)
        return Outcome(replies, ctx.resolved_effects(replies), used)

    @staticmethod
    def _is_typed(inbound: Inbound) -> bool:
        return not (inbound.media or inbound.command or inbound.button or inbound.notice)

    def context(self, key: SessionKey, session: Session, inbound: Inbound, lang: str | None = None) -> Context:
        lang = lang or reply_language(session, inbound)
        return Context(key, session, inbound.customer, lang, self.gettext(lang),
                       resume_button=self.stack.resume_button, menu=lambda: self.texts.menu(lang))

    def gettext(self, lang: str) -> Gettext:
        return lambda message: self.translator.gettext(lang, message)

    def _team_unreachable(self, ctx: Context) -> Outcome:
        """The second step of a turn whose ticket or relay the support group could not take: the truth, and
        the conversation by mail."""
        human = self.stack.handoff
        replies = [human.failed(ctx)] if human is not None else []
        ctx.save_states()
        return Outcome(replies, ctx.resolved_effects(replies))

    # what the support desk asks of it
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
        ctx = Context(key, session, None, lang, self.gettext(lang), resume_button=self.stack.resume_button,
                      menu=lambda: self.texts.menu(lang))
        _ = ctx.gettext
        intro = Reply(_("Our support team suggests the setup guide: I'll walk you through it. When it's done, "
                        "you're back with the team."))
        replies = [intro, *self.flows["setup"].start(ctx, Start(client=client))]
        ctx.save_states()
        session.offered = [[b.label, b.id] for r in replies for b in r.all_buttons]
        return replies

    # what the channels say on its behalf
    def apology(self, session: Session, inbound: Inbound) -> Reply:
        return self.texts.apology(reply_language(session, inbound))

    def slow_down(self, session: Session, inbound: Inbound) -> Reply:
        return self.texts.slow_down(reply_language(session, inbound))

    # media and typed text
    def _unreadable(self, ctx: Context, media: str) -> list[Reply]:
        ctx.session.lang = ctx.lang
        ctx.session.remember("customer", f"[{media}]")
        return [self.texts.unreadable(ctx.lang, media)]

    def _text(self, ctx: Context, text: str, analysis: Analysis | None,
              inbound: Inbound) -> tuple[list[Reply], Analysis | None]:
        """Typed text: a button's label, the flow's answer, or the engine's (with the analysis it used, made
        here when the turn's language did not need it)."""
        session = ctx.session
        label = pressed(session, text)
        if label:
            return self.buttons.press(ctx, label), None
        # A password typed by mistake is never kept, not even in the transcript the team may receive.
        session.remember("customer", "[•••]" if looks_like_password(text, expecting_address=True) else text)
        top = self.stack.top(ctx)
        if top is not None:
            replies = top.on_text(ctx, text)
            if replies is not None:
                return replies, None
        passed_on = analysis is None  # a flow was waiting on the customer, and passed the text on
        analysis = analysis or self.engine.analyse(text, hint=language_hint(session, inbound))
        top = self.stack.top(ctx)
        if top is not None and analysis.intent == "smalltalk" and analysis.smalltalk == "ack":
            replies = top.go_on(ctx)  # "ok", "fatto", "and now?" inside a flow: carry on with it
            if replies:
                return replies, analysis
        if passed_on:
            # Nothing said yet: the engine's answer speaks the text's own language, as outside a flow (the
            # one decision of this path; the flow, had it taken the text, spoke the conversation's).
            ctx = ctx.in_language(reply_language(session, inbound, analysis), self.gettext, self.texts.menu)
        session.lang = ctx.lang
        if analysis.emails:
            session.email = analysis.emails[0]
        if analysis.intent != "fallback":
            session.fallbacks_in_row = 0
        intent = "triage" if analysis.intent == "fallback" and analysis.reason == "vague" else analysis.intent
        replies = self.intents.get(intent, self.answers.fallback)(ctx, analysis, text)
        if intent not in self.stack.intents:
            replies = self.stack.with_way_back(ctx, replies)
        return replies, analysis
