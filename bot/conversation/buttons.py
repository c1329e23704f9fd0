"""The buttons the customer presses, by the type of their data (``bot.core.callbacks``), and the typed
text that stands for one (its label, or a close spelling of it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation.answers import Answers
from bot.conversation.stack import FlowStack
from bot.conversation.texts import Texts
from bot.core.callbacks import ChooseLanguage, FlowAction, OpenArticle, RateAnswer, ShowMenu, StartFlow, decode
from bot.core.session import Session
from bot.core.types import Reply
from bot.flows.base import Context, Start
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.text import fold

LONGEST_LABEL = 60
LABEL_MATCH = 88  # rapidfuzz ratio above which a typed text presses the button it spells

ButtonHandler = Callable[[Context, Any], "list[Reply] | None"]


class Buttons:
    def __init__(self, kb: KnowledgeBase, texts: Texts, answers: Answers, stack: FlowStack):
        self.kb, self.texts, self.answers, self.stack = kb, texts, answers, stack
        self.table: dict[type, ButtonHandler] = {
            ShowMenu: lambda ctx, data: [self.texts.welcome(ctx.lang)],
            ChooseLanguage: self.choose_language,
            OpenArticle: self.open_article,
            RateAnswer: self.rate_answer,
            StartFlow: lambda ctx, data: self.stack.start(ctx, data.flow, Start()),
            FlowAction: self.flow_action,
        }

    def press(self, ctx: Context, button_id: str) -> list[Reply]:
        ctx.session.lang = ctx.lang
        data = decode(button_id)
        handler = self.table.get(type(data))
        replies = handler(ctx, data) if handler else None
        return replies if replies is not None else [self.texts.stale_button(ctx.lang)]

    def choose_language(self, ctx: Context, data: ChooseLanguage) -> list[Reply] | None:
        if data.lang not in self.kb.languages:
            return None
        ctx.session.lang, ctx.session.lang_chosen = data.lang, True
        return [self.texts.language_set(data.lang)]

    def open_article(self, ctx: Context, data: OpenArticle) -> list[Reply] | None:
        if data.article not in self.kb.articles:
            return None
        self.stack.end_transient(ctx)
        ctx.session.remember("customer", f"[{self.kb.articles[data.article].title[ctx.lang]}]")
        return self.stack.with_way_back(ctx, self.answers.article(ctx, data.article, question=None))

    def rate_answer(self, ctx: Context, data: RateAnswer) -> list[Reply] | None:
        return self.answers.feedback(ctx, data) if data.article in self.kb.articles else None

    def flow_action(self, ctx: Context, data: FlowAction) -> list[Reply] | None:
        flow = self.stack.by_prefix.get(data.flow)
        return flow.on_button(ctx, data) if flow is not None else None


def pressed(session: Session, text: str) -> str | None:
    """The button id a typed text stands for: its label, or a close spelling of it. (Numbers press
    buttons only where the channel shows them numbered: the terminal does that itself.)"""
    if not session.offered:
        return None
    folded = fold(text.strip())
    if not folded or len(folded) > LONGEST_LABEL:  # a question, not a label
        return None
    from rapidfuzz import fuzz

    best, best_score = None, 0.0
    for label, button_id in session.offered:
        score = 100.0 if fold(label) == folded else fuzz.ratio(fold(label), folded)
        if score > best_score:
            best, best_score = button_id, score
    return best if best_score >= LABEL_MATCH else None
