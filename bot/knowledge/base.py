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
# What a provider may offer or not: its web addresses for customers (servers.yaml, top level) and the facts of
# its service (servers.yaml, section ``provider``), each unset by default. An answer names one as
# ``{name}``; a line marked ``{if_name}`` is shown only when it is set, one marked ``{no_name}`` only when
# it is not (see ``fill``). The kind says what a value may be; a flag is only ever a condition.
PROVIDER_ADDRESSES = ("webmail", "control_panel")
PROVIDER_FACTS = {
    "sending_limit_per_day": "number",  # messages one mailbox may send in a day
    "sending_limit_per_hour": "number",  # messages one mailbox may send in an hour
    "recipients_per_message": "number",  # addresses (To, Cc and Bcc together) one message may have
    "attachment_max_mb": "number",  # the largest message, attachments included, in MB
    "spam_filter": "flag",  # the provider filters incoming spam
    "spam_settings": "address",  # where a customer sets the spam filter
    "password_reset": "address",  # where a customer resets a forgotten password
    "forwarding": "flag",  # customers set forwarding themselves (in the control panel or webmail)
    "autoreply": "flag",  # customers set an out-of-office reply themselves (in the control panel or webmail)
    "spf_record": "text",  # the SPF record customers with their DNS elsewhere publish
    "dkim_record": "text",  # the DKIM record (name and value) they publish
    "dmarc_record": "text",  # the DMARC record they publish
}
FACT_KINDS = ("number", "flag", "address", "text")
# Placeholders of what a provider may not offer: a line naming one left unset is left out.
OPTIONAL_PLACEHOLDERS = (*PROVIDER_ADDRESSES, *PROVIDER_FACTS)
_CONDITIONS = frozenset(prefix + name for name in OPTIONAL_PLACEHOLDERS for prefix in ("if_", "no_"))
_OPTIONAL_VALUES = frozenset(name for name in OPTIONAL_PLACEHOLDERS if PROVIDER_FACTS.get(name) != "flag")
# Placeholders an answer may use; the conversation fills them from the settings and servers.yaml.
ANSWER_PLACEHOLDERS = frozenset(
    """support_email domain imap_host imap_port imap_port_starttls pop3_host pop3_port pop3_port_starttls
    smtp_host smtp_port smtp_port_starttls""".split()
) | _OPTIONAL_VALUES | _CONDITIONS
SERVER_PLACEHOLDERS = frozenset({"domain", "email"})
# The ids promised to customers, operators and acceptance checks: the menus, flows and checks name them.
REQUIRED_ARTICLES = tuple(
    """pop3-vs-imap how-pop3-works how-imap-works pop3-advantages imap-advantages which-protocol smtp
    leave-copy-on-server offline-access multiple-devices server-space local-disk-space lost-device-safety
    save-mail-locally-imap imap-activation server-settings supported-clients switch-pop3-to-imap
    sync-read-status spam-received sent-to-spam spoofed-sender sending-limits attachment-size change-password
    forwarding-autoreply phishing""".split()
)
REQUIRED_CLIENTS = tuple(
    """outlook new-outlook outlook-mac thunderbird apple-mail ios-mail gmail-android samsung-email gmail-web
    other""".split()
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
    # The facts of PROVIDER_FACTS that the provider has set, as text ("yes" for a flag that is true).
    facts: dict[str, str] = dataclasses.field(default_factory=dict)

    def values(self, domain: str, email: str) -> dict[str, str]:
        """The answer placeholders with the customer's domain and address filled in."""
        fill = {"domain": domain, "email": email}
        out = {"domain": domain, "email": email}
        for name in OPTIONAL_PLACEHOLDERS:
            value = getattr(self, name) if name in PROVIDER_ADDRESSES else self.facts.get(name, "")
            out[name] = value.format_map(fill)
        for name in ("imap", "pop3", "smtp"):
            endpoint: Endpoint = getattr(self, name)
            out[f"{name}_host"] = endpoint.host.format_map(fill)
            out[f"{name}_port"] = str(endpoint.port)
            out[f"{name}_port_starttls"] = str(endpoint.alt_port)
        return out


PROTOCOLS = ("pop3", "imap")
GUIDE_PLACEHOLDERS = frozenset(
    """email imap_host imap_port imap_port_starttls pop3_host pop3_port pop3_port_starttls smtp_host smtp_port
    smtp_port_starttls""".split()
) | _OPTIONAL_VALUES | _CONDITIONS


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders filled. A line that names something the provider does not offer or
    has not set (``{webmail}`` or ``{attachment_max_mb}`` left empty in servers.yaml) is left out, so
    nothing unoffered is promised; a line marked for when it is not set (``{no_webmail}``, which prints
    nothing) is left out when it is; one marked ``{if_webmail}`` (which prints nothing either) only when
    it is set. Several marks on one line must all hold."""
    unset = [name for name in OPTIONAL_PLACEHOLDERS if not values.get(name)]
    drop = ["{" + name + "}" for name in unset] + ["{if_" + name + "}" for name in unset]
    drop += ["{no_" + name + "}" for name in OPTIONAL_PLACEHOLDERS if values.get(name)]
    lines = [line for line in text.split("\n") if not any(marker in line for marker in drop)]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text.format_map({**values, **dict.fromkeys(_CONDITIONS, "")})


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


