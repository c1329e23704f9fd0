"""Rendering replies for Telegram: escaping, splitting, buttons."""

from __future__ import annotations

import pytest

from bot.channels.telegram.botapi.render import MAX_TEXT, keyboard, split_html, to_html
from bot.core.types import Button, Reply


def test_customer_and_knowledge_text_is_escaped():
    reply = Reply("a < b & <script>alert(1)</script> **bold**", title="POP3 <vs> IMAP")
    assert to_html(reply) == "<b>POP3 &lt;vs&gt; IMAP</b>\n\na &lt; b &amp; &lt;script&gt;alert(1)&lt;/script&gt; **bold**"


def test_long_text_is_split_at_paragraphs_under_the_limit():
    paragraphs = ["x" * 1500 for _ in range(6)]
    pieces = split_html("\n\n".join(paragraphs))
    assert all(len(p) <= MAX_TEXT for p in pieces)
    assert len(pieces) == 3
    assert "\n\n".join(pieces) == "\n\n".join(paragraphs)


def test_text_without_breaks_is_split_without_cutting_an_entity():
    text = ("a&amp;" * 1000)[: MAX_TEXT + 500]
    pieces = split_html(text)
    assert all(len(p) <= MAX_TEXT for p in pieces)
    for piece in pieces:
        assert not piece.endswith(("&", "&a", "&am", "&amp"))


def test_short_text_is_one_piece():
    assert split_html("ciao") == ["ciao"]


def test_a_button_over_64_bytes_is_refused_where_it_is_made_not_when_sent():
    with pytest.raises(ValueError, match="64 bytes"):
        Button("too long", "art:" + "è" * 40)  # 84 bytes: Telegram would refuse the whole message
    reply = Reply("x", buttons=((Button("ok", "art:smtp"),),))
    assert keyboard(reply) == [[{"text": "ok", "callback_data": "art:smtp"}]]
    assert keyboard(Reply("x")) is None


def test_every_knowledge_button_fits_64_bytes(kb):
    longest = max(len(f"fb:0:{article_id}".encode()) for article_id in kb.articles)
    assert longest <= 64


def test_lengths_are_counted_in_utf16_units_as_telegram_counts_them():
    # Regression: an emoji-heavy ticket header was cut by code points and refused by Telegram.
    from bot.channels.telegram.botapi.render import fit, utf16_length

    text = "😀" * 3000  # 3,000 characters, 6,000 UTF-16 units
    pieces = split_html(text)
    assert len(pieces) == 2 and all(utf16_length(p) <= 4096 for p in pieces)
    assert "".join(pieces) == text
    name = fit("#12 " + "🦄" * 100, 120)
    assert utf16_length(name) <= 120 and name.endswith("…") and "\ud83e" not in name
