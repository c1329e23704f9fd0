"""Assembling the bot from its settings: knowledge base, answer engine, catalogues, store, dialogue.

Every channel and command builds its parts here, so they all run the same core.
"""

from __future__ import annotations

import dataclasses
import logging

from bot.cache import cached, fingerprint
from bot.config import Settings
from bot.core.dialogue import Dialogue, DialogueSettings
from bot.i18n import Translator
from bot.knowledge.base import KnowledgeBase, load_knowledge
from bot.knowledge.engine import AnswerEngine, train_engine
from bot.store import NullQuestionLog, QuestionLog, SQLiteStore

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Core:
    settings: Settings
    kb: KnowledgeBase
    engine: AnswerEngine
    translator: Translator
    dialogue: Dialogue
    store: SQLiteStore | None


def _build_knowledge(settings: Settings) -> tuple[KnowledgeBase, AnswerEngine, dict[str, bytes]]:
    kb, _ = load_knowledge(settings.knowledge_dir)
    compiled = Translator(settings.locales_dir).compiled
    return kb, train_engine(kb, in_child=True), compiled


def build_core(settings: Settings, *, with_store: bool = True, support_group: bool = False) -> Core:
    """Load everything the conversation needs; raises on a broken knowledge base or catalogue."""
    key = fingerprint(settings.knowledge_dir, settings.locales_dir)
    kb, engine, compiled = cached(settings.cache_dir, key, lambda: _build_knowledge(settings))
    translator = Translator(compiled=compiled)
    store = SQLiteStore(settings.database_path) if with_store else None
    question_log: QuestionLog = store if store is not None else NullQuestionLog()
    dialogue = Dialogue(
        kb, engine, translator, DialogueSettings(
            support_email=settings.support_email, support_group=support_group, support_hours=settings.support_hours
        ), question_log,
        outbox=store.outbox if store is not None else None,
    )
    log.debug("core ready: %d articles, %d clients", len(kb.articles), len(kb.clients))
    return Core(settings, kb, engine, translator, dialogue, store)
