"""/tickets in pages: a long list of open tickets is one page per message."""

from __future__ import annotations

from bot.channels.telegram.desk.figures import page_of


def test_pages_cover_every_ticket_once_and_clamp_the_page_asked():
    tickets = list(range(45))
    shown = [page_of(tickets, n, 20) for n in (1, 2, 3)]
    assert [s[0] for s in shown] == [tickets[:20], tickets[20:40], tickets[40:]]
    assert {s[2] for s in shown} == {3}
    assert page_of(tickets, 99, 20)[1] == 3 and page_of(tickets, 0, 20)[1] == 1
    assert page_of([], 1, 20) == ([], 1, 1)
