"""Loading ``knowledge/`` into the objects of ``base.py``, with every check ``kb check`` reports.

Layout of the folder:
    articles/<id>.yaml   one article: title, example questions, answer, related articles, offered flows
    clients.yaml         the email programs of the setup guide, with the names customers type
    servers.yaml         the provider's connection settings
    intents.yaml         example phrases of the intents: flows, a person, triage, small talk, out of scope
    synonyms.yaml        words customers use for the same thing
    languages/<code>.yaml  each language's name and function words (a language is a file here)
    foreign.yaml         function words of languages the bot does not speak

Loading collects every problem instead of stopping at the first, so an editor sees them all at once
(the shared checks are in ``checking.py``, the word lists' readers in ``learning/wordlists.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.knowledge.base import (
    ANSWER_PLACEHOLDERS,
    FLOWS,
    GUIDE_PLACEHOLDERS,
    ID_RE,
    INTENT_SECTIONS,
    MAX_ANSWER_CHARS,
    MIN_QUESTIONS,
    PROTOCOLS,
    PROVIDER_ADDRESSES,
    PROVIDER_FACTS,
    REQUIRED_ARTICLES,
    REQUIRED_CLIENTS,
    SERVER_PLACEHOLDERS,
    SMALLTALK_KINDS,
    Article,
    Client,
    Endpoint,
    Guide,
    KnowledgeBase,
    KnowledgeError,
    Problem,
    ServerSettings,
)
from bot.knowledge.wordlists import WordListLoading

# Articles and clients the bot's menus, flows and operators' checks name (base.py lists them).
_REQUIRED = "is required (the bot's menus, flows and checks name it) but missing"


class _Loader(WordListLoading):
    """The sections of ``knowledge/``, each read and checked (the word lists in ``WordListLoading``)."""

    def article(self, path: Path) -> Article | None:
        data = self.read(path)
        if data is None:
            return None
        if not isinstance(data, dict):
            self.problem(path, "", "an article must be a mapping with id, title, questions, answer")
            return None
        article_id = data.get("id")
        where = f"article {article_id}" if article_id else "article"
        if article_id != path.stem:
            self.problem(path, where, f"id must be {path.stem!r}, the file's name")
            article_id = path.stem
        if not ID_RE.match(path.stem):
            self.problem(path, where, "the id must be lower-case words joined by hyphens")
        for key in sorted(set(data) - {"id", "title", "questions", "answer", "related", "offer"}):
            self.problem(path, where, f"unknown key {key!r}")
        title = self.texts(path, f"{where} title", data.get("title"), placeholders_allowed=frozenset())
        answer = self.texts(path, f"{where} answer", data.get("answer"), placeholders_allowed=ANSWER_PLACEHOLDERS)
        for lang, text in answer.items():
            if len(text) > MAX_ANSWER_CHARS:
                self.problem(path, f"{where} answer ({lang})",
                             f"{len(text)} characters; keep it under {MAX_ANSWER_CHARS} to fit a phone screen")
        questions = self.phrase_lists(path, f"{where} questions", data.get("questions"), MIN_QUESTIONS)
        related = data.get("related") or []
        offer = data.get("offer") or []
        if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
            self.problem(path, f"{where} related", "must be a list of article ids")
            related = []
        if not isinstance(offer, list) or any(o not in FLOWS for o in offer):
            self.problem(path, f"{where} offer", f"must be a list of: {', '.join(FLOWS)}")
            offer = [o for o in offer if o in FLOWS] if isinstance(offer, list) else []
        return Article(article_id, title, questions, answer, tuple(related), tuple(offer))

    def clients(self, path: Path) -> dict[str, Client]:
        data = self.read(path)
        if data is None:
            return {}
        if not isinstance(data, list):
            self.problem(path, "", "must be a list of clients, each with id, name and aliases")
            return {}
        out: dict[str, Client] = {}
        for n, entry in enumerate(data, 1):
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                self.problem(path, f"client #{n}", "needs an id")
                continue
            where = f"client {entry['id']}"
            if entry["id"] in out:
                self.problem(path, where, "duplicate id")
            name = self.texts(path, f"{where} name", entry.get("name"), placeholders_allowed=frozenset())
            aliases = entry.get("aliases") or []
            if not isinstance(aliases, list) or not all(isinstance(a, (str, int)) for a in aliases):
                self.problem(path, f"{where} aliases", "must be a list of names")
                aliases = []
            out[entry["id"]] = Client(entry["id"], name, tuple(str(a) for a in aliases))
        return out

    def endpoint(self, path: Path, where: str, value: Any) -> Endpoint:
        fallback = Endpoint("mail.{domain}", 0, "ssl", 0, "starttls")
        if not isinstance(value, dict):
            self.problem(path, where, "must have host, port and security")
            return fallback
        alt = value.get("alternative") or {}
        host = self.host(path, f"{where} host", value.get("host"))
        port = self.port(path, f"{where} port", value.get("port"))
        alt_port = self.port(path, f"{where} alternative port", alt.get("port"))
        security = self.security(path, f"{where} security", value.get("security"))
        alt_security = self.security(path, f"{where} alternative security", alt.get("security"))
        if host is None or port is None or alt_port is None or security is None or alt_security is None:
            return fallback
        return Endpoint(host, port, security, alt_port, alt_security)

    def host(self, path: Path, where: str, value: Any) -> str | None:
        if not isinstance(value, str) or not value:
            self.problem(path, where, "must be a server name")
            return None
        self.check_placeholders(path, where, value, SERVER_PLACEHOLDERS)
        return value

    def port(self, path: Path, where: str, value: Any) -> int | None:
        if not isinstance(value, int) or not 0 < value < 65536:
            self.problem(path, where, "must be a port number from 1 to 65535")
            return None
        return value

    def security(self, path: Path, where: str, value: Any) -> str | None:
        if value not in ("ssl", "starttls", "none"):
            self.problem(path, where, "must be ssl, starttls or none")
            return None
        return str(value)

    def servers(self, path: Path) -> ServerSettings:
        data = self.read(path) or {}
        if not isinstance(data, dict):
            self.problem(path, "", "must be a mapping with incoming, outgoing and username")
            data = {}
        incoming = data.get("incoming") or {}
        outgoing = data.get("outgoing") or {}
        smtp = outgoing.get("smtp") if isinstance(outgoing, dict) else None
        username = data.get("username")
        if not isinstance(username, str) or not username:
            self.problem(path, "username", "must be set, e.g. \"{email}\"")
            username = "{email}"
        else:
            self.check_placeholders(path, "username", username, SERVER_PLACEHOLDERS)
        return ServerSettings(
            imap=self.endpoint(path, "incoming imap", incoming.get("imap") if isinstance(incoming, dict) else None),
            pop3=self.endpoint(path, "incoming pop3", incoming.get("pop3") if isinstance(incoming, dict) else None),
            smtp=self.endpoint(path, "outgoing smtp", smtp),
            smtp_authentication=bool((smtp or {}).get("authentication", True)) if isinstance(smtp, dict) else True,
            username=username,
            **{name: self.optional_address(path, name, data.get(name)) for name in PROVIDER_ADDRESSES},
            facts=self.provider_facts(path, data.get("provider")),
        )

    def provider_facts(self, path: Path, data: Any) -> dict[str, str]:
        """The ``provider`` section: each fact of PROVIDER_FACTS that is set, as text; unset ones are absent."""
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problem(path, "provider", "must map facts to values (leave a value empty when unset)")
            return {}
        for key in sorted(set(data) - set(PROVIDER_FACTS), key=str):
            self.problem(path, f"provider {key}", f"unknown fact (use {', '.join(PROVIDER_FACTS)})")
        facts: dict[str, str] = {}
        for name, kind in PROVIDER_FACTS.items():
            value = data.get(name)
            if value not in (None, "", False):
                facts[name] = self.provider_fact(path, f"provider {name}", kind, value)
        return {name: value for name, value in facts.items() if value}

    def provider_fact(self, path: Path, where: str, kind: str, value: Any) -> str:
        """One fact that is set, as text ("" when it is not of its kind)."""
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            self.problem(path, where, "must be a whole number above 0, or empty")
        elif kind == "flag" and value is not True:
            self.problem(path, where, "must be true or false")
        elif kind == "address":
            return self.optional_address(path, where, value)
        elif kind == "text" and not isinstance(value, str):
            self.problem(path, where, "must be a text, or empty")
        elif kind == "text":
            self.check_placeholders(path, where, value, SERVER_PLACEHOLDERS)
            return str(value).strip()
        else:
            return "yes" if kind == "flag" else str(value)
        return ""

    def intents(self, path: Path) -> dict[str, dict[str, tuple[str, ...]]]:
        data = self.read(path)
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problem(path, "", f"must be a mapping with {', '.join(INTENT_SECTIONS)}")
            return {}
        out: dict[str, dict[str, tuple[str, ...]]] = {}
        for section in INTENT_SECTIONS:
            value = data.get(section)
            if value is None:
                self.problem(path, section, "section is missing")
            elif section == "smalltalk":
                out.update(self.smalltalk(path, value))
            elif section == "triage" and isinstance(value, dict):
                out[section] = self.phrase_lists(path, section, {k: v for k, v in value.items() if k != "offer"})
            else:
                out[section] = self.phrase_lists(path, section, value)
        for section in sorted(set(data) - set(INTENT_SECTIONS)):
            self.problem(path, section, f"unknown section (use {', '.join(INTENT_SECTIONS)})")
        return out

    def smalltalk(self, path: Path, value: Any) -> dict[str, dict[str, tuple[str, ...]]]:
        """The ``smalltalk`` section: phrases of each kind, as intents ``smalltalk:<kind>``."""
        if not isinstance(value, dict):
            self.problem(path, "smalltalk", f"must have the kinds {', '.join(SMALLTALK_KINDS)}")
            return {}
        out = {f"smalltalk:{kind}": self.phrase_lists(path, f"smalltalk {kind}", value.get(kind))
               for kind in SMALLTALK_KINDS}
        for kind in sorted(set(value) - set(SMALLTALK_KINDS)):
            self.problem(path, f"smalltalk {kind}", f"unknown kind (use {', '.join(SMALLTALK_KINDS)})")
        return out

    def triage_offer(self, path: Path, articles: dict[str, Article]) -> tuple[str, ...]:
        data = self.read(path)
        value = data.get("triage") if isinstance(data, dict) else None
        offer = value.get("offer") if isinstance(value, dict) else None
        if not isinstance(offer, list) or not offer or not all(isinstance(a, str) for a in offer):
            self.problem(path, "triage offer", "must list the article ids the triage question offers")
            return ()
        for article_id in offer:
            if article_id not in articles:
                self.problem(path, "triage offer", f"{article_id!r} is not an article")
        return tuple(a for a in offer if a in articles)

    def guide(self, path: Path, clients: dict[str, Client]) -> Guide | None:
        data = self.read(path)
        if data is None:
            return None
        where = f"guide {path.stem}"
        if not isinstance(data, dict):
            self.problem(path, where, "must be a mapping with client, intro and steps")
            return None
        if data.get("client") != path.stem:
            self.problem(path, where, f"client must be {path.stem!r}, the file's name")
        if path.stem not in clients:
            self.problem(path, where, f"{path.stem!r} is not a client of clients.yaml")
        for key in sorted(set(data) - {"client", "intro", "steps"}):
            self.problem(path, where, f"unknown key {key!r}")
        intro = self.texts(path, f"{where} intro", data.get("intro"), placeholders_allowed=GUIDE_PLACEHOLDERS)
        steps_data = data.get("steps")
        steps: dict[str, tuple[dict[str, str], ...]] = {}
        if not isinstance(steps_data, dict):
            self.problem(path, f"{where} steps", f"must have the protocols {', '.join(PROTOCOLS)}")
            steps_data = {}
        for protocol in PROTOCOLS:
            items = steps_data.get(protocol)
            if not isinstance(items, list) or not items:
                self.problem(path, f"{where} steps {protocol}", "must be a list of steps")
                continue
            steps[protocol] = tuple(
                self.texts(path, f"{where} {protocol} step {n}", item, placeholders_allowed=GUIDE_PLACEHOLDERS)
                for n, item in enumerate(items, 1)
            )
        for protocol in sorted(set(steps_data) - set(PROTOCOLS)):
            self.problem(path, f"{where} steps", f"unknown protocol {protocol!r} (use pop3 and imap)")
        return Guide(path.stem, intro, steps)


def load_knowledge(root: Path, *, strict: bool = True) -> tuple[KnowledgeBase, list[Problem]]:
    """Read the knowledge folder; with ``strict``, raise KnowledgeError if anything is wrong."""
    loader = _Loader(root)
    if not root.is_dir():
        loader.problem(root, "", "knowledge folder not found")
        raise KnowledgeError(loader.problems)
    articles = _articles(loader, root / "articles")
    clients = _clients(loader, root / "clients.yaml")
    kb = KnowledgeBase(
        language_data=loader.languages(root / "languages"),
        foreign_words=loader.foreign_words(root / "foreign.yaml"),
        triage=loader.triage_offer(root / "intents.yaml", articles),
        guides=_guides(loader, root / "guides", clients),
        articles=articles,
        clients=clients,
        servers=loader.servers(root / "servers.yaml"),
        intents=loader.intents(root / "intents.yaml"),
        synonyms=loader.synonyms(root / "synonyms.yaml"),
        root=root,
    )
    if strict and loader.problems:
        raise KnowledgeError(loader.problems)
    return kb, loader.problems


def _articles(loader: _Loader, folder: Path) -> dict[str, Article]:
    """Every article of the folder, the required ones present, their links to each other checked."""
    articles: dict[str, Article] = {}
    article_files = sorted(folder.glob("*.yaml"))
    if not article_files:
        loader.problem(folder, "", "no articles (*.yaml) found")
    for path in article_files:
        article = loader.article(path)
        if article:
            articles[article.id] = article
    for article_id in REQUIRED_ARTICLES:
        if article_id not in articles and folder.is_dir():
            loader.problem(folder / f"{article_id}.yaml", f"article {article_id}", _REQUIRED)
    for article in articles.values():
        path = folder / f"{article.id}.yaml"
        for rel in article.related:
            if rel not in articles:
                loader.problem(path, f"article {article.id} related", f"links to {rel!r}, which does not exist")
            elif rel == article.id:
                loader.problem(path, f"article {article.id} related", "links to itself")
    return articles


def _clients(loader: _Loader, path: Path) -> dict[str, Client]:
    clients = loader.clients(path)
    for client_id in REQUIRED_CLIENTS:
        if client_id not in clients:
            loader.problem(path, f"client {client_id}", _REQUIRED)
    return clients


def _guides(loader: _Loader, folder: Path, clients: dict[str, Client]) -> dict[str, Guide]:
    """The setup guides, one for every client."""
    guides: dict[str, Guide] = {}
    for path in sorted(folder.glob("*.yaml")):
        guide = loader.guide(path, clients)
        if guide:
            guides[guide.client] = guide
    for client_id in clients:
        if client_id not in guides:
            loader.problem(folder / f"{client_id}.yaml", f"guide {client_id}",
                           "is missing: every client needs a setup guide")
    return guides
