"""The terminal channel: a conversation on standard input and output, no Telegram needed.

One customer message per line; a line starting with "/" is a command. Buttons are printed as numbered
choices, and typing the number or the label presses one. Files are written to a folder and their
paths printed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.conversation.router import Conversation
from bot.core.numbers import whole_number
from bot.core.session import Session, SessionKey
from bot.core.types import Customer, Inbound, Reply
from bot.storage import SessionStore


def render(reply: Reply, files_dir: Path, first_number: int = 1) -> str:
    """A reply as terminal text: title, text, numbered buttons, the path of any file.

    Buttons are numbered across all the replies of a turn, as the conversation counts them, so that
    typing "3" presses the button shown as [3].
    """
    lines = []
    if reply.title:
        lines += [f"== {reply.title} ==", ""]
    lines.append(reply.text)
    for number, button in enumerate(reply.all_buttons, first_number):
        lines.append(f"  [{number}] {button.label}")
    if reply.attachment:
        files_dir.mkdir(parents=True, exist_ok=True)
        path = files_dir / Path(reply.attachment.filename).name
        path.write_bytes(reply.attachment.content)
        lines.append(f"  (file: {path.resolve()})")
    return "\n".join(lines)


def parse_line(line: str, customer: Customer, offered: list[list[str]] | None = None) -> Inbound:
    """One typed line: a command, the number of a button shown (``offered``: [label, id] in order), or text."""
    text = line.rstrip("\r\n")
    if text.startswith("/") and len(text) > 1 and not text[1].isspace():
        command, _, args = text[1:].partition(" ")
        return Inbound(text=args.strip(), command=command, customer=customer)
    number = text.strip()
    chosen = whole_number(number, 1, len(offered)) if offered else None
    if chosen is not None and offered:
        return Inbound(button=offered[chosen - 1][1], customer=customer)
    return Inbound(text=text, customer=customer)


def run_chat(
    conversation: Conversation,
    store: SessionStore,
    lang: str | None,
    files_dir: Path,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    after_turn: Callable[[], list[Reply]] | None = None,
) -> int:
    """The conversation; ``after_turn`` may add messages after each turn (deliveries it made)."""
    key = SessionKey("terminal", "local")
    customer = Customer(id="local", name="terminal", language_code=lang)
    session = Session(lang=lang, lang_chosen=lang is not None)
    interactive = stdin.isatty()
    if interactive:
        import readline  # noqa: F401  (line editing and history at the prompt)

    def turn(inbound: Inbound) -> None:
        replies = conversation.handle(key, session, inbound)
        store.set(key, session.to_dict())  # saved before the replies are shown, as on Telegram
        if after_turn is not None:
            replies = [*replies, *after_turn()]
        number = 1
        for reply in replies:
            stdout.write(render(reply, files_dir, number) + "\n\n")
            number += len(reply.all_buttons)
        stdout.flush()

    turn(Inbound(command="start", customer=customer))
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        turn(parse_line(line, customer, session.offered))

