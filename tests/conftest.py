"""Shared fixtures: the real knowledge base, engine, catalogues and a real SQLite file per test."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.core.dialogue import Dialogue, DialogueSettings
from bot.i18n import Translator
from bot.knowledge.base import load_knowledge
from bot.knowledge.engine import train_engine
from bot.paths import resource_dir
from bot.store import SQLiteStore
from telegram_e2e_support import fake, start_bot  # noqa: F401  (fixtures of the end-to-end tests)


@pytest.fixture(scope="session")
def kb():
    knowledge, _ = load_knowledge(resource_dir("knowledge"))
    return knowledge


@pytest.fixture(scope="session")
def engine(kb):
    return train_engine(kb)


@pytest.fixture(scope="session")
def translator():
    return Translator(resource_dir("locales"))


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "mailbot.sqlite3")
    yield s
    s.close()


@pytest.fixture
def dialogue(kb, engine, translator, store):
    return Dialogue(kb, engine, translator, DialogueSettings(support_email="supporto@mosajco.com"), store, outbox=store.outbox)


@pytest.fixture
def settings(tmp_path):
    return load_settings({"BOT_DATA_DIR": str(tmp_path / "data")})
