"""The command line: ``python -m bot COMMAND`` and ``mailbot COMMAND``: the commands operators rely on
(README.md, docs/operations.md), whose names, options and exit codes stay as they are.

``chat`` and ``ask`` never import python-telegram-bot, so they start fast and work without a token.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_settings
from bot.knowledge.language import LANGUAGES
from bot.logs import configure_logging

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.app import Core
    from bot.core.types import Reply
    from bot.storage import Storage
    from bot.storage.outbox import Request

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailbot", description="Mail setup assistant for hosting customers.")
    parser.add_argument("--config", metavar="FILE", help="YAML configuration file (default: $BOT_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--lang", choices=LANGUAGES, help="language of the conversation")
    chat.add_argument("--files", metavar="DIR", type=Path, help="where files the bot sends are written")

    ask = commands.add_parser("ask", help="answer one question, or one per line of standard input")
    ask.add_argument("--lang", choices=LANGUAGES, help="answer in this language (default: detected)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("question", nargs="*", help="the question; none or '-' reads standard input")

    run = commands.add_parser("run", help="run the Telegram bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true", help="serve Telegram's webhook instead of polling")

    commands.add_parser("health", help="exit 0 if the running bot's heartbeat is fresh (for health checks)")

    outbox = commands.add_parser("outbox", help="IMAP activation requests and their delivery")
    outbox_commands = outbox.add_subparsers(dest="outbox_command", required=True, metavar="OUTBOX_COMMAND")
    outbox_commands.add_parser("list", help="every request and its delivery state")
    retry = outbox_commands.add_parser("retry", help="try to deliver a request now")
    retry.add_argument("id", help="the request's id or reference (IMAP-...)")

    db = commands.add_parser("db", help="the database: migrations, and moving to another database")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_commands.add_parser("migrate", help="apply pending migrations (safe from several processes at once)")
    db_commands.add_parser("status", help="exit 0 when the schema is current, 1 when migrations are pending")
    copy = db_commands.add_parser("copy", help="copy every table of another database into DATABASE_URL's")
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="e.g. sqlite:///data/mailbot.sqlite3")

    kb = commands.add_parser("kb", help="the knowledge base")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    kb_commands.add_parser("check", help="validate knowledge/")
    export = kb_commands.add_parser("export", help="print the knowledge base")
    export.add_argument("--json", action="store_true", required=True, help="as a JSON list")
    unanswered = kb_commands.add_parser("unanswered", help="questions the bot could not answer, most frequent first")
    unanswered.add_argument("--json", action="store_true", help="as a JSON list")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(config_file=args.config)
    except ConfigError as exc:
        print(f"mailbot: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    handler = {"chat": cmd_chat, "ask": cmd_ask, "kb": cmd_kb, "run": cmd_run, "health": cmd_health,
               "outbox": cmd_outbox, "db": cmd_db}[args.command]
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # one clear line instead of a traceback for known start-up problems
        from bot.i18n import CatalogueError
        from bot.knowledge.base import KnowledgeError
        from bot.storage.db import DatabaseUnavailable
        from bot.storage.migrate import MigrationError

        if isinstance(exc, KnowledgeError):
            print("mailbot: the knowledge base has problems (run 'mailbot kb check'):", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        if isinstance(exc, (CatalogueError, MigrationError, DatabaseUnavailable)):
            print(f"mailbot: {exc}", file=sys.stderr)
            return 1
        raise


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.telegram_bot_token:
        print("mailbot: TELEGRAM_BOT_TOKEN is not set (get one from @BotFather; see docs/deploy.md)",
              file=sys.stderr)
        return 2
    if args.webhook and not settings.webhook_url:
        print("mailbot: --webhook needs WEBHOOK_URL, the public https address Telegram calls", file=sys.stderr)
        return 2
    if args.webhook and not settings.webhook_secret:
        # Without it anyone who reaches the port could post updates as any customer or as the team.
        print("mailbot: --webhook needs WEBHOOK_SECRET, which Telegram sends with every update", file=sys.stderr)
        return 2
    if args.webhook and settings.http_port == settings.webhook_port:
        # /metrics and the probes must never be served on the webhook's public port.
        print(f"mailbot: HTTP_PORT and WEBHOOK_PORT must differ (both are {settings.http_port})", file=sys.stderr)
        return 2
    webhook_port = settings.webhook_port if args.webhook else None
    for key, listen, port in (("HTTP_PORT", settings.http_listen, settings.http_port),
                              ("WEBHOOK_PORT", settings.webhook_listen, webhook_port)):
        problem = port_taken(listen, port) if port is not None else None
        if problem:  # before anything else starts: one line, not a traceback after Telegram was called
            print(f"mailbot: {key} {port} on {listen} cannot be used: {problem}", file=sys.stderr)
            return 2
    from bot.app import build_core
    from bot.channels.telegram.service import run

    core = build_core(settings, support_group=settings.support_chat_id is not None)
    try:
        return run(core, webhook=args.webhook)
    finally:
        _store(core).close()


def port_taken(listen: str, port: int) -> str | None:
    """Why the address cannot be listened on (taken, not ours), or None when it can."""
    import socket

    try:
        with socket.create_server((listen, port), reuse_port=False):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from bot.channels.health import HEARTBEAT_FILE, NO_PROGRESS_AFTER, STALE_AFTER

    path = settings.bot_data_dir / HEARTBEAT_FILE
    try:
        age = time.time() - path.stat().st_mtime
        beat = json.loads(path.read_text() or "{}")
    except OSError:
        print(f"unhealthy: no heartbeat at {path}")
        return 1
    except ValueError:
        beat = {}
    if age > STALE_AFTER:
        print(f"unhealthy: last heartbeat {age:.0f} s ago")
        return 1
    stuck = time.time() - float(beat.get("progress", time.time())) if isinstance(beat, dict) else 0
    if stuck > NO_PROGRESS_AFTER:
        print(f"unhealthy: no updates fetched from Telegram for {stuck:.0f} s")
        return 1
    print(f"healthy: last heartbeat {age:.0f} s ago")
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_core
    from bot.channels.terminal import run_chat

    core = build_core(settings)
    store = _store(core)
    files_dir = args.files or settings.bot_data_dir / "files"
    try:
        return run_chat(core.conversation, store, args.lang, files_dir, after_turn=_terminal_postman(core, store))
    finally:
        store.close()


def _store(core: Core) -> Storage:
    """The store of a core built with one (``build_core``'s default)."""
    if core.store is None:
        raise RuntimeError("the core was built without its store")
    return core.store


def _terminal_postman(core: Core, store: Storage) -> Callable[[], list[Reply]]:
    """In the terminal chat, IMAP requests are delivered right after the turn that confirms them."""
    import asyncio

    from bot.knowledge.language import DEFAULT_LANGUAGE

    notices: list[Reply] = []

    async def delivered(request: Request) -> None:
        lang = request.payload.get("lang", DEFAULT_LANGUAGE)
        notices.append(core.texts.request_delivered(lang, request.reference, request.kind))

    postman = core.postman(on_delivered=delivered)

    def after_turn() -> list[Reply]:
        notices.clear()
        if store.outbox.due():
            asyncio.run(postman.deliver_due())
        return list(notices)

    return after_turn


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.admin import db_command

    return db_command(args.db_command, settings, getattr(args, "source", None))


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio
    import datetime as dt

    from bot.mail import Postman
    from bot.storage import open_store

    store = open_store(settings)
    try:
        outbox = store.outbox
        if args.outbox_command == "list":
            requests = outbox.all()
            if not requests:
                print("The outbox is empty.")
                return 0
            print(f"{'id':>4}  {'reference':<12} {'state':<10} {'tries':>5}  {'created':<16}  mailboxes / last error")
            for r in requests:
                created = dt.datetime.fromtimestamp(r.created).strftime("%Y-%m-%d %H:%M")
                print(f"{r.id:>4}  {r.reference:<12} {r.state:<10} {r.attempts:>5}  {created:<16}  "
                      f"{', '.join(r.mailboxes)}")
                if r.last_error and r.state != "delivered":
                    print(f"{'':>47}{r.last_error}")
            return 0
        request = outbox.find(args.id)
        if request is None:
            print(f"mailbot: no request {args.id!r} in the outbox", file=sys.stderr)
            return 1
        if request.state == "delivered":
            print(f"{request.reference} was already delivered.")
            return 0
        outbox.retry_now(request.id)
        if outbox.claimed(request.id):
            print(f"{request.reference} is being delivered right now by the running bot.")
            return 0
        delivered = asyncio.run(Postman(outbox, settings).deliver(outbox.get(request.id) or request))
        after = outbox.get(request.id) or request
        print(f"{after.reference}: {'delivered' if delivered else 'not delivered: ' + (after.last_error or '')}")
        return 0 if delivered else 1
    finally:
        store.close()


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_core
    from bot.core.session import Session, SessionKey
    from bot.core.types import Customer, Inbound

    core = build_core(settings, with_store=False)
    key = SessionKey("ask", "-")

    customer = Customer(id="ask")

    def answer(question: str) -> str:
        session = Session(lang=args.lang, lang_chosen=args.lang is not None)
        turn = core.conversation.respond(key, session, Inbound(text=question, customer=customer))
        text = "\n\n".join(r.plain() for r in turn.replies)
        if not args.json:
            return text
        analysis = turn.analysis
        if analysis is None:  # typed text is always analysed
            raise RuntimeError("the conversation returned no analysis of a typed question")
        return json.dumps(
            {
                "intent": analysis.intent,
                "article": analysis.article,
                "client": analysis.client,
                "lang": session.lang or analysis.lang,
                "confidence": round(analysis.confidence, 3),
                "suggestions": list(analysis.suggestions),
                "text": text,
            },
            ensure_ascii=False,
        )

    out = sys.stdout
    if args.question and args.question != ["-"]:
        out.write(answer(" ".join(args.question)) + "\n")
        return 0
    for line in sys.stdin:
        question = line.rstrip("\r\n")
        out.write(answer(question) + ("\n" if args.json else "\n\n"))
    out.flush()
    return 0


def cmd_kb(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.base import KnowledgeBase, KnowledgeError
    from bot.knowledge.loader import load_knowledge

    if args.kb_command == "unanswered":
        return _kb_unanswered(args, settings)
    kb: KnowledgeBase | None
    try:
        kb, problems = load_knowledge(settings.knowledge_dir, strict=False)
    except KnowledgeError as exc:
        problems, kb = exc.problems, None
    if args.kb_command == "check":
        for problem in problems:
            print(problem)
        if problems or kb is None:
            print(f"{len(problems)} problem(s) in {settings.knowledge_dir}", file=sys.stderr)
            return 1
        from bot.app import build_core

        engine = build_core(settings, with_store=False).engine  # trains the models, or finds them cached
        for conflict in engine.conflicts:
            print(
                f"warning: {conflict.label}: the example {conflict.text!r} reads as {conflict.predicted} "
                f"({conflict.probability:.0%}) to a model trained without it: reword it, or move it there"
            )
        print(f"knowledge base OK: {len(kb.articles)} articles, {len(kb.clients)} clients, "
              f"{len(engine.conflicts)} warning(s) ({settings.knowledge_dir})")
        return 0
    if problems or kb is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    export = [
        {
            "id": a.id,
            "lang": lang,
            "title": a.title[lang],
            "questions": list(a.questions[lang]),
            "answer": a.answer[lang],
        }
        for a in kb.articles.values()
        for lang in kb.languages
    ]
    json.dump(export, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


SUGGESTED_ARTICLES = 3  # shown for each unanswered question: where its phrasing probably belongs


def _kb_unanswered(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import open_store

    if settings.database_url is None and not settings.database_path.exists():
        rows = []
    else:
        store = open_store(settings)
        rows = store.unanswered_report()
        store.close()
    if rows:
        from bot.app import build_core

        engine = build_core(settings, with_store=False).engine
        for row in rows:
            ranked = engine.analyse(row["question"]).ranked[:SUGGESTED_ARTICLES]
            row["suggestions"] = [{"article": a, "confidence": round(p, 3)} for a, p in ranked]
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print("No unanswered questions recorded.")
        return 0
    print(f"{'count':>5}  {'lang':<5}  {'why':<20}  question, then the articles the engine leans to")
    for row in rows:
        print(f"{row['count']:>5}  {','.join(row['langs']):<5}  {','.join(row['reasons']):<20}  {row['question']}")
        leaning = ", ".join(f"{s['article']} {s['confidence']:.0%}" for s in row["suggestions"])
        print(f"{'':>36}-> {leaning}")
    return 0
