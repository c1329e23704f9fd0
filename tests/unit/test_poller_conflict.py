"""Telegram's 409 Conflict, decided in one place (the poller): a replica still finishing its long poll is
waited for; a stranger polling the same token from another database stops polling with a clear log line."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram.error import Conflict, InvalidToken

from bot.channels.telegram import polling
from bot.channels.telegram.polling import CannotPoll, Poller
from bot.storage.leases import Lease


class Leases:
    """The poller's role always ours; ``others`` says whether another replica of the database runs."""

    def __init__(self, others: bool):
        self.others = others

    def acquire(self, key: str, seconds: float) -> Lease:
        return Lease(key, 1, "here")

    def others_alive(self) -> bool:
        return self.others


class Bot:
    """getUpdates answering from a script: an exception is raised, a list returned."""

    def __init__(self, answers: list[object]):
        self.answers = answers
        self.calls = 0

    async def do_api_request(self, endpoint: str, api_kwargs: dict, read_timeout: float) -> object:
        assert endpoint == "getUpdates"
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else []
        if isinstance(answer, Exception):
            raise answer
        return answer


def poller(bot: Bot, leases: Leases, stored: list[tuple[list[dict], bool]]) -> Poller:
    async def intake(updates: list[dict], backlog: bool) -> None:
        stored.append((updates, backlog))

    return Poller(bot, leases, intake, ["message"], lease_seconds=3)  # type: ignore[arg-type]  # stand-ins


def test_a_409_with_no_other_replica_stops_polling_with_a_clear_message(caplog):
    bot, stored = Bot([Conflict("terminated by other getUpdates request")]), []
    with caplog.at_level(logging.ERROR), pytest.raises(CannotPoll):
        asyncio.run(poller(bot, Leases(others=False), stored).run())
    assert bot.calls == 1 and stored == []
    assert "another process is polling this bot's token (409 Conflict)" in caplog.text


def test_a_409_while_another_replica_runs_is_waited_out_and_polling_goes_on(monkeypatch, caplog):
    monkeypatch.setattr(polling.Backoff, "wait", lambda self: asyncio.sleep(0))
    update = {"update_id": 7, "message": {}}
    bot, stored = Bot([Conflict("terminated by other getUpdates request"), [update], InvalidToken()]), []
    with caplog.at_level(logging.INFO), pytest.raises(CannotPoll):  # the refused token ends the test
        asyncio.run(poller(bot, Leases(others=True), stored).run())
    assert stored == [([update], True)]  # after the wait, the next poll's update reached the inbox
    assert "another replica is still polling (409)" in caplog.text
    assert "another process is polling" not in caplog.text
    assert "Telegram refused the token" in caplog.text

