"""The running bot's health: the heartbeat file ``mailbot health`` reads (a container health check), and the
answers to the operator's probes (/healthz: the loops run; /readyz: updates are taken in, the database answers).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.metrics import METRICS

log = logging.getLogger(__name__)

HEARTBEAT_FILE = "heartbeat"
HEARTBEAT_SECONDS = 30
STALE_AFTER = 4 * HEARTBEAT_SECONDS
# Polling that has not had an answer from Telegram for this long is stuck (a long poll lasts 25 s).
NO_PROGRESS_AFTER = 180


class Heartbeat:
    """Touches a file in the data folder while running: ``mailbot health`` reads its age, the last progress of
    the intake (``progress``: a time) and how many updates were skipped (``unparseable``)."""

    def __init__(self, path: Path, progress: Callable[[], float], unparseable: Callable[[], int],
                 on_beat: Callable[[], None] = lambda: None):
        self.path = path
        self.progress, self.unparseable, self.on_beat = progress, unparseable, on_beat
        self.last = time.monotonic()

    def silent_for(self) -> float:
        """Seconds since the last beat."""
        return time.monotonic() - self.last

    async def run(self) -> None:
        while True:
            self.last = time.monotonic()
            beat = {"at": time.time(), "progress": self.progress(), "unparseable": self.unparseable()}
            try:
                self.path.write_text(json.dumps(beat))
            except OSError as exc:
                log.warning("cannot write the heartbeat file %s: %s", self.path, exc.strerror)
            self.on_beat()
            await asyncio.sleep(HEARTBEAT_SECONDS)


class Probes:
    """What /healthz and /readyz ask of a running channel."""

    def __init__(self, heartbeat: Heartbeat, database_ready: Callable[[], tuple[bool, str]]):
        self.heartbeat, self.database_ready = heartbeat, database_ready
        self._intake: Sequence[asyncio.Task[None]] = ()  # polling and the dispatcher, once started
        self._accepting = False  # updates are taken in: the replica is ready for work

    def taking(self, intake: Sequence[asyncio.Task[None]], accepting: bool = True) -> None:
        """Updates are taken in by the ``intake`` tasks."""
        self._intake, self._accepting = intake, accepting

    def stopping(self) -> None:
        """No more updates taken in."""
        self._accepting = False

    def alive(self) -> tuple[bool, str]:
        """The loops run: the heartbeat ticks, and polling and the dispatcher have not stopped. While
        Telegram is waited for at start the process is alive too."""
        for task in self._intake:
            if task.done():
                return False, f"{task.get_name()} has stopped"
        silent = self.heartbeat.silent_for()
        if self._intake and silent > STALE_AFTER:
            return False, f"no heartbeat for {silent:.0f} s"
        return True, "alive"

    async def ready(self) -> tuple[bool, str]:
        """Updates are taken in and the database answers (the answer engine was loaded before start)."""
        if not self._accepting:
            return False, "not taking updates (starting, waiting for Telegram, or stopping)"
        try:
            ok, reason = await METRICS.prober.run("ready", self.database_ready)
        except TimeoutError:
            ok, reason = False, f"the database did not answer within {METRICS.prober.timeout:.0f} s"
        if not ok:
            METRICS.db_error()
        return ok, reason
