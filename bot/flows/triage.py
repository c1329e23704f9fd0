"""Triage: a problem told too vaguely to answer ("la posta non va") gets a question back.

    vague message ─► "what exactly isn't working?" (likely answers as buttons) ─► typed answer
                                                                                  ├► clear: answered as usual
                                                                                  └► still vague: a person offered

The buttons are the answers' own (articles, the setup guide, a person); the flow only waits for a
typed description, and ends with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.core.callbacks import OpenArticle, ShowMenu, button
from bot.core.types import Button, Reply
from bot.flows.base import NOTHING_KNOWN, Context, FlowState, Start, StepFlow
from bot.i18n import N_
from bot.knowledge.base import KnowledgeBase


@dataclasses.dataclass
class TriageState(FlowState):
    pass


class TriageFlow(StepFlow[TriageState]):
    name, prefix, State = "triage", "tr", TriageState
    intents = ("triage",)
    transient = True
    stale_text = N_("That button is no longer active. Here is the menu:")
    back_label = N_("⬅️ Back")

    def __init__(self, kb: KnowledgeBase, is_vague: Callable[[str], bool]):
        self.kb = kb
        self.is_vague = is_vague

    def start(self, ctx: Context, start: Start = NOTHING_KNOWN) -> list[Reply]:
        state = self.begin(ctx)
        return [self.ask(ctx, state)]

    def ask(self, ctx: Context, state: TriageState) -> Reply:
        _, lang = ctx.gettext, ctx.lang
        state.step = "what-fails"
        rows = tuple((button(self.kb.articles[a].title[lang], OpenArticle(a)),) for a in self.kb.triage)
        return Reply(
            _("Let's find the problem. What exactly isn't working?"),
            buttons=(*rows, (ctx.start_button("setup", N_("📱 Setting up a new phone or computer")),),
                     (ctx.start_button("human"),)),
        )

    def on_text(self, ctx: Context, text: str) -> list[Reply] | None:
        ctx.session.leave(self.name)
        if not self.is_vague(text):
            return None  # a description: the answer engine takes it
        _ = ctx.gettext
        return [Reply(_("I'm sorry, I can't tell what is wrong from that. A person on our team can look at it "
                        "with you, or try describing what you see (an error message, what you tapped)."),
                      buttons=((ctx.start_button("human"),), (button(_("🏠 Menu"), ShowMenu()),)))]

    def back_button(self, ctx: Context) -> Button | None:
        return None
