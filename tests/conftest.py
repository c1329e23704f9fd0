"""Shared fixtures: the real knowledge base, engine, catalogues and a real SQLite file per test."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from chat import Chat
from postgres import postgres_url  # noqa: F401  (a fresh PostgreSQL schema per test)
from stores import any_store, database_url, other_store, stores  # noqa: F401  (a store on each backend)
from telegram_e2e_support import fake, start_bot  # noqa: F401  (fixtures of the end-to-end tests)

from bot.app import build_conversation, build_core
from bot.config import load_settings
from bot.conversation.registry import ConversationSettings
from bot.i18n import Translator
from bot.knowledge.loader import load_knowledge
from bot.paths import resource_dir
from bot.storage import sqlite_store

# One start-up cache (the trained models) for the whole run: every process the tests start finds the
# models trained once instead of training them again (BOT_CACHE_DIR is passed on to child processes).
os.environ.setdefault("BOT_CACHE_DIR", tempfile.mkdtemp(prefix="mailbot-test-cache-"))

TESTS = Path(__file__).resolve().parent
KINDS = ("unit", "conversation", "telegram", "e2e")
FAST = ("unit", "conversation")
FEATURES = ("desk",)  # a feature's tests together, in one folder per kind: tests/desk/unit, ...


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these marks
def pytest_collection_modifyitems(config, items):
    """Mark every test by its folder (tests/unit -> unit, tests/desk/unit -> unit, ...); unit and
    conversation tests are also `fast`."""
    for item in items:
        try:
            parts = Path(item.path).resolve().relative_to(TESTS).parts
        except ValueError:
            continue
        kind = parts[1] if parts[0] in FEATURES and len(parts) > 2 else parts[0]
        if kind in KINDS:
            item.add_marker(kind)
            if kind in FAST:
                item.add_marker("fast")


@pytest.fixture(scope="session")
def kb():
    knowledge, _ = load_knowledge(resource_dir("knowledge"))
    return knowledge


@pytest.fixture(scope="session")
def engine(kb):
    cache = os.environ["BOT_CACHE_DIR"]
    settings = load_settings({"BOT_CACHE_DIR": cache, "BOT_DATA_DIR": cache})
    return build_core(settings, with_store=False).engine


@pytest.fixture(scope="session")
def translator():
    return Translator(resource_dir("locales"))


@pytest.fixture
def store(tmp_path):
    s = sqlite_store(tmp_path / "mailbot.sqlite3")
    yield s
    s.close()


@pytest.fixture
def dialogue(kb, engine, translator, store):
    """The conversation, with a real store behind it and no support group."""
    conversation, _texts = build_conversation(kb, engine, translator, ConversationSettings("supporto@mosajco.com"),
                                              store, store.outbox)
    return conversation


@pytest.fixture
def chat(dialogue):
    """A customer talking to ``dialogue``: ``chat(lang="it", **kwargs)`` -> a ``Chat`` (tests/support/chat.py);
    ``lang`` None is a customer who has not chosen a language (pass ``customer=`` for their app's)."""

    def start(lang: str | None = "it", **kwargs) -> Chat:
        return Chat(dialogue, lang, **kwargs)

    return start


@pytest.fixture
def settings(tmp_path):
    return load_settings({"BOT_DATA_DIR": str(tmp_path / "data"), "BOT_CACHE_DIR": os.environ["BOT_CACHE_DIR"]})
