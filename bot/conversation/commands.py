"""The customer's commands: /start, /help, /language, /cancel and each flow's, by a table."""

from __future__ import annotations

from collections.abc import Callable

from bot.conversation.buttons import Buttons
from bot.conversation.stack import FlowStack
from bot.conversation.texts import Texts
from bot.core.callbacks import ChooseLanguage
from bot.core.types import Inbound, Reply
from bot.flows.base import Context, Flow, Start
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.text import find_emails, fold

CommandHandler = Callable[[Context, str], list[Reply]]


class Commands:
    def __init__(self, kb: KnowledgeBase, texts: Texts, stack: FlowStack, buttons: Buttons):
        self.kb, self.texts, self.stack, self.buttons = kb, texts, stack, buttons
        flows = stack.flows.values()
        self.table: dict[str, CommandHandler] = {
            "start": lambda ctx, args: [self.texts.welcome(ctx.lang)],
            "help": lambda ctx, args: [self.texts.help(ctx.lang)],
            "language": self.language,
            "cancel": self.cancel,
            **{command: self._starts(flow.name) for flow in flows for command in flow.commands},
        }
        if "imap" not in self.table:  # no form here (``mailbot ask``): how to ask by mail
            self.table["imap"] = lambda ctx, args: [self.texts.imap_by_mail(ctx.lang, find_emails(args))]

    def _starts(self, name: str) -> CommandHandler:
        return lambda ctx, args: self.stack.start(ctx, name, Start(emails=tuple(find_emails(args))))

    def handle(self, ctx: Context, top: Flow | None, inbound: Inbound) -> list[Reply]:
        command = (inbound.command or "").lower().lstrip("/").split("@", 1)[0]
        if top is not None:
            replies = top.on_command(ctx, command)
            if replies is not None:
                return replies
        human = self.stack.handoff
        if command == "bot" and human is not None and ctx.session.frame(human.name) is not None:
            return [human.hand_back(ctx)]  # back to the bot from anywhere: a guide the team started, say
        ctx.session.remember("customer", "/" + command + (f" {inbound.text}" if inbound.text else ""))
        ctx.session.lang = ctx.lang
        handler = self.table.get(command)
        return handler(ctx, inbound.text) if handler else [self.texts.unknown_command(ctx.lang)]

    def language(self, ctx: Context, args: str) -> list[Reply]:
        wanted = fold(args)[:2]
        if wanted in self.kb.languages:
            return self.buttons.choose_language(ctx, ChooseLanguage(wanted)) or []
        return [self.texts.language_choice(ctx.lang)]

    def cancel(self, ctx: Context, args: str) -> list[Reply]:
        # Leaving a ticket with the team open is leaving the team: the channel closes it.
        human = self.stack.handoff
        if human is not None and human.holds_ticket(ctx.session):
            ctx.hand_back()
        return [self.texts.cancelled(ctx.lang, had_flow=ctx.session.clear_flows())]
