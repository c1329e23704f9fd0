"""Numbers people type are ASCII digits within bounds (issue 18: "²" passed ``isdigit`` and broke ``int``)."""

from __future__ import annotations

from bot.channels.terminal import parse_line
from bot.core.callbacks import RateTicket, decode
from bot.core.numbers import whole_number
from bot.core.types import Customer


def test_only_ascii_digits_within_bounds_are_numbers():
    assert whole_number(" 7 ", 1, 10) == 7 and whole_number("3650", 1, 3650) == 3650
    for text in ("²", "٣", "", "0", "11", "-1", "+3", "3.0", "1_0", "9" * 5000):
        assert whole_number(text, 1, 10) is None, text


def test_a_superscript_in_the_terminal_chat_is_text_not_a_crash():
    customer = Customer(id="1")
    assert parse_line("²", customer, [["Outlook", "x:1"]]).text == "²"
    assert parse_line("1", customer, [["Outlook", "x:1"]]).button == "x:1"


def test_a_forged_rating_with_other_digits_is_no_rating():
    assert decode("rt:٣:5") is None and decode("rt:3:²") is None
    assert isinstance(decode("rt:3:5"), RateTicket)


def test_a_replica_name_with_other_digits_is_no_pid():
    import socket

    from bot.storage.outbox import is_dead_here

    assert is_dead_here(f"{socket.gethostname()}:²:x") is False
