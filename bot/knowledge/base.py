"""The knowledge base as plain objects: articles, clients, guides, server settings, and the rules
(ids, placeholders, required articles) they follow. ``loader.py`` reads them from ``knowledge/``
(its docstring shows the folder's layout).
"""

from __future__ import annotations

import dataclasses
import re
import string
from pathlib import Path

from bot.knowledge.language import LANGUAGES, Language

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CONCEPT_RE = re.compile(r"^[a-z][a-z0-9_]*$")
FLOWS = ("setup", "activation", "handoff")
SMALLTALK_KINDS = ("greeting", "thanks", "goodbye", "identity", "ack")
# triage: a problem told too vaguely to pick an article ("it doesn't work"): the bot asks what fails.
INTENT_SECTIONS = ("setup", "activation", "handoff", "triage", "smalltalk", "out_of_scope")
# Placeholders an answer may use; the conversation fills them from the settings and servers.yaml.
ANSWER_PLACEHOLDERS = frozenset(
    """support_email domain imap_host imap_port imap_port_starttls pop3_host pop3_port pop3_port_starttls
    smtp_host smtp_port smtp_port_starttls webmail control_panel no_webmail no_control_panel if_webmail
    if_control_panel""".split()
)
# Placeholders of what a provider may not offer (servers.yaml): a line naming one left empty is left out.
OPTIONAL_PLACEHOLDERS = ("webmail", "control_panel")
SERVER_PLACEHOLDERS = frozenset({"domain", "email"})
# The ids CONTRACT.md promises to customers, operators and acceptance checks.
REQUIRED_ARTICLES = tuple(
    """pop3-vs-imap how-pop3-works how-imap-works pop3-advantages imap-advantages which-protocol smtp
    leave-copy-on-server offline-access multiple-devices server-space local-disk-space lost-device-safety
    save-mail-locally-imap imap-activation server-settings supported-clients switch-pop3-to-imap
    sync-read-status""".split()
)
REQUIRED_CLIENTS = tuple(
    "outlook new-outlook outlook-mac thunderbird apple-mail ios-mail gmail-android samsung-email gmail-web other".split()
)
MAX_ANSWER_CHARS = 1200
MIN_QUESTIONS = 5


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong in the knowledge base, said so an editor can find and fix it."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


@dataclasses.dataclass(frozen=True)
class Article:
    id: str
    title: dict[str, str]
    questions: dict[str, tuple[str, ...]]
    answer: dict[str, str]
    related: tuple[str, ...] = ()
    offer: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Client:
    id: str
    name: dict[str, str]
    aliases: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    security: str
    alt_port: int
    alt_security: str


@dataclasses.dataclass(frozen=True)
class ServerSettings:
    imap: Endpoint
    pop3: Endpoint
    smtp: Endpoint
    smtp_authentication: bool
    username: str
    # What the provider offers besides mail programs: "" when it offers nothing of the kind (the texts
    # that mention it are then left out, see ``fill``).
    webmail: str = ""
    control_panel: str = ""

    def values(self, domain: str, email: str) -> dict[str, str]:
        """The answer placeholders with the customer's domain and address filled in."""
        fill = {"domain": domain, "email": email}
        out = {"domain": domain, "email": email}
        for name in OPTIONAL_PLACEHOLDERS:
            out[name] = getattr(self, name).format_map(fill)
        for name in ("imap", "pop3", "smtp"):
            endpoint: Endpoint = getattr(self, name)
            out[f"{name}_host"] = endpoint.host.format_map(fill)
            out[f"{name}_port"] = str(endpoint.port)
            out[f"{name}_port_starttls"] = str(endpoint.alt_port)
        return out


PROTOCOLS = ("pop3", "imap")
GUIDE_PLACEHOLDERS = frozenset(
    """email imap_host imap_port imap_port_starttls pop3_host pop3_port pop3_port_starttls smtp_host smtp_port
    smtp_port_starttls webmail control_panel no_webmail no_control_panel if_webmail if_control_panel""".split()
)


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders filled. A line that names something the provider does not offer
    (``{webmail}`` left empty in servers.yaml) is left out, so nothing unoffered is promised; a line
    marked for when it is not offered (``{no_webmail}``, which prints nothing) is left out when it is;
    one marked ``{if_webmail}`` (which prints nothing either) only when it is offered."""
    drop = ["{" + name + "}" for name in OPTIONAL_PLACEHOLDERS if not values.get(name)]
    drop += ["{if_" + name + "}" for name in OPTIONAL_PLACEHOLDERS if not values.get(name)]
    drop += ["{no_" + name + "}" for name in OPTIONAL_PLACEHOLDERS if values.get(name)]
    lines = [line for line in text.split("\n") if not any(marker in line for marker in drop)]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    markers = {prefix + name: "" for name in OPTIONAL_PLACEHOLDERS for prefix in ("no_", "if_")}
    return text.format_map({**values, **markers})


@dataclasses.dataclass(frozen=True)
class Guide:
    """A client's setup guide: an introduction and, per protocol, the steps in both languages."""

    client: str
    intro: dict[str, str]
    steps: dict[str, tuple[dict[str, str], ...]]


@dataclasses.dataclass(frozen=True)
class KnowledgeBase:
    articles: dict[str, Article]
    clients: dict[str, Client]
    servers: ServerSettings
    intents: dict[str, dict[str, tuple[str, ...]]]  # "setup", "smalltalk:greeting", ... -> lang -> phrases
    synonyms: dict[str, tuple[str, ...]]
    root: Path
    guides: dict[str, Guide] = dataclasses.field(default_factory=dict)
    language_data: dict[str, Language] = dataclasses.field(default_factory=dict)
    foreign_words: frozenset[str] = frozenset()  # function words of languages the bot does not speak
    triage: tuple[str, ...] = ()  # the articles the triage question offers, in order

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.language_data) or LANGUAGES


class KnowledgeError(Exception):
    """The knowledge base has problems; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of ``text``; raises ValueError on unbalanced braces."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


