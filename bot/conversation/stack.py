"""The flows as the conversation drives them: starting one (over the flow parked below), ending the
transient ones, and the button back to the flow on top under replies given in the middle of it."""

from __future__ import annotations

import dataclasses

from bot.conversation.texts import Texts
from bot.core.types import Button, Reply
from bot.flows.base import Context, Flow, Start
from bot.flows.handoff import HandoffFlow


class FlowStack:
    """The registry's flows, by name and by the prefix of their buttons."""

    def __init__(self, flows: dict[str, Flow], texts: Texts):
        self.flows, self.texts = flows, texts
        self.by_prefix = {flow.prefix: flow for flow in flows.values()}
        self.intents = frozenset(intent for flow in flows.values() for intent in flow.intents)

    def top(self, ctx: Context) -> Flow | None:
        return self.flows.get(ctx.session.flow) if ctx.session.flow else None

    @property
    def handoff(self) -> HandoffFlow | None:
        """The handoff to a person, when the registry has it."""
        human = self.flows.get(HandoffFlow.name)
        return human if isinstance(human, HandoffFlow) else None

    def start(self, ctx: Context, name: str, start: Start) -> list[Reply]:
        flow = self.flows.get(name)
        if flow is None:
            if name == "imap":
                return [self.texts.imap_by_mail(ctx.lang, list(start.emails))]
            return [self.texts.stale_button(ctx.lang)]
        self.end_transient(ctx)
        return flow.start(ctx, start)

    def end_transient(self, ctx: Context) -> None:
        """End the flows on top that end by themselves when the customer does something else."""
        while (top := self.top(ctx)) is not None and top.transient:
            ctx.session.pop()

    def resume_button(self, ctx: Context) -> Button | None:
        top = self.top(ctx)
        return top.back_button(ctx) if top is not None else None

    def with_way_back(self, ctx: Context, replies: list[Reply]) -> list[Reply]:
        """Replies given in the middle of a flow (a question answered, an article opened), with a button
        back to the flow."""
        back = self.resume_button(ctx) if replies else None
        if back is None or any(b.id == back.id for b in replies[-1].all_buttons):
            return replies
        return [*replies[:-1], dataclasses.replace(replies[-1], buttons=(*replies[-1].buttons, (back,)))]
