"""The terminal channel's rendering and input parsing."""

from __future__ import annotations

import io

from bot.channels.terminal import parse_line, render, run_chat
from bot.core.types import Attachment, Button, Customer, Reply

CUSTOMER = Customer(id="local")


def test_buttons_are_numbered_from_the_given_number(tmp_path):
    reply = Reply("Pick one", title="Menu", buttons=((Button("A", "a"), Button("B", "b")), (Button("C", "c"),)))
    assert render(reply, tmp_path, first_number=3) == "== Menu ==\n\nPick one\n  [3] A\n  [4] B\n  [5] C"


def test_files_are_written_to_the_folder_and_their_path_printed(tmp_path):
    reply = Reply("Here is your profile", attachment=Attachment("../../mail.mobileconfig", b"<plist/>"))
    text = render(reply, tmp_path / "files")
    written = tmp_path / "files" / "mail.mobileconfig"
    assert written.read_bytes() == b"<plist/>"
    assert f"(file: {written.resolve()})" in text


def test_commands_and_text_lines():
    assert parse_line("/language en\n", CUSTOMER).command == "language"
    assert parse_line("/language en\n", CUSTOMER).text == "en"
    assert parse_line("what is smtp?\r\n", CUSTOMER).text == "what is smtp?"
    assert parse_line("/ not a command", CUSTOMER).command is None


def test_numbers_typed_in_the_chat_press_the_button_shown_with_that_number(dialogue, store, tmp_path):
    out = io.StringIO()
    run_chat(dialogue, store, "en", tmp_path, stdin=io.StringIO("what is smtp?\n"), stdout=out)
    turn = out.getvalue().split("What is SMTP")[-1] if "What is SMTP" in out.getvalue() else out.getvalue()
    yes_line = next(line for line in turn.splitlines() if "👍" in line)
    number = yes_line.split("]")[0].strip(" [")
    out2 = io.StringIO()
    run_chat(dialogue, store, "en", tmp_path, stdin=io.StringIO(f"what is smtp?\n{number}\n"), stdout=out2)
    assert "Great, glad it helped!" in out2.getvalue()
