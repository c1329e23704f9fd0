"""The flows the conversation knows: adding one is its module in ``bot/flows`` and one line here."""

from __future__ import annotations

import dataclasses

from bot.answering.engine import AnswerEngine
from bot.core.ports import Notify, QuestionLog, RequestOutbox
from bot.desk.hours import OpeningHours
from bot.flows.activation import ActivationFlow
from bot.flows.base import Flow
from bot.flows.handoff import HandoffFlow
from bot.flows.setup import SetupFlow
from bot.flows.triage import TriageFlow
from bot.knowledge.base import KnowledgeBase


@dataclasses.dataclass(frozen=True)
class ConversationSettings:
    support_email: str
    support_group: bool = False  # a Telegram group where the team answers handed-off customers
    hours: OpeningHours | None = None  # the team's; None: always reachable


def build_flows(kb: KnowledgeBase, engine: AnswerEngine, settings: ConversationSettings, log: QuestionLog,
                outbox: RequestOutbox | None, on_submitted: Notify) -> dict[str, Flow]:
    """Every flow, by name. Without an outbox (``mailbot ask``) there is no IMAP form to fill."""
    flows: list[Flow | None] = [
        SetupFlow(kb, engine.detect_client, engine.known, settings.support_email, log),
        ActivationFlow(outbox, on_submitted) if outbox is not None else None,
        HandoffFlow(settings.support_email, settings.support_group, settings.hours, outbox, on_submitted),
        TriageFlow(kb, lambda text: engine.analyse(text).reason == "vague"),
    ]
    return {flow.name: flow for flow in flows if flow is not None}
