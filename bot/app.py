"""The one builder: the knowledge base, answer engine, catalogues, store and conversation, each given
what it needs when it is made.

Every channel and command builds its parts here, so they all run the same conversation. A request the
conversation stores rings the postman's doorbell (``on_submitted``), wherever the postman runs.
"""

from __future__ import annotations

import dataclasses
import logging

from bot.answering.engine import AnswerEngine, train_engine
from bot.config import Settings
from bot.conversation.answers import Answers
from bot.conversation.registry import ConversationSettings, build_flows
from bot.conversation.router import Conversation
from bot.conversation.texts import Texts
from bot.core import ports
from bot.core.ports import NullQuestionLog, QuestionLog, RequestOutbox
from bot.i18n import Translator
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.cache import cached, fingerprint
from bot.knowledge.loader import load_knowledge
from bot.mail import Doorbell, Notify, Postman
from bot.storage import Storage, open_store

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Core:
    settings: Settings
    kb: KnowledgeBase
    engine: AnswerEngine
    translator: Translator
    texts: Texts
    conversation: Conversation
    store: Storage | None
    doorbell: Doorbell

    def postman(self, on_delivered: Notify | None = None, on_trouble: Notify | None = None) -> Postman:
        """The outbox's postman, woken by the requests this conversation stores."""
        assert self.store is not None, "a postman needs the store's outbox"
        return Postman(self.store.outbox, self.settings, on_delivered, on_trouble, doorbell=self.doorbell)


def _build_knowledge(settings: Settings) -> tuple[KnowledgeBase, AnswerEngine, dict[str, bytes]]:
    kb, _ = load_knowledge(settings.knowledge_dir)
    compiled = Translator(settings.locales_dir).compiled
    return kb, train_engine(kb, in_child=True), compiled


def build_core(settings: Settings, *, with_store: bool = True, support_group: bool = False) -> Core:
    """Load everything the conversation needs; raises on a broken knowledge base or catalogue."""
    key = fingerprint(settings.knowledge_dir, settings.locales_dir)
    kb, engine, compiled = cached(settings.cache_dir, key, lambda: _build_knowledge(settings))
    translator = Translator(compiled=compiled)
    store = open_store(settings) if with_store else None
    doorbell = Doorbell()
    # A request stored in a turn wakes the postman once the turn has committed, not before.
    ring = (lambda: store.db.after_commit(doorbell.ring)) if store is not None else doorbell.ring
    conversation, texts = build_conversation(
        kb, engine, translator,
        ConversationSettings(settings.support_email, support_group=support_group, hours=settings.opening_hours()),
        store, store.outbox if store is not None else None, ring)
    log.debug("core ready: %d articles, %d clients", len(kb.articles), len(kb.clients))
    return Core(settings, kb, engine, translator, texts, conversation, store, doorbell)


def build_conversation(kb: KnowledgeBase, engine: AnswerEngine, translator: Translator, settings: ConversationSettings,
                       log: QuestionLog | None = None, outbox: RequestOutbox | None = None,
                       on_submitted: ports.Notify = lambda: None) -> tuple[Conversation, Texts]:
    """The conversation alone (tests and ``mailbot ask`` use it without a store)."""
    log = log if log is not None else NullQuestionLog()
    texts = Texts(kb, lambda lang: (lambda message: translator.gettext(lang, message)), settings.support_email)
    answers = Answers(kb, texts, log, settings.support_email)
    flows = build_flows(kb, engine, settings, log, outbox, on_submitted)
    return Conversation(kb, engine, translator, texts, answers, flows), texts
