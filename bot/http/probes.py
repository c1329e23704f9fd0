"""What the operator's probes read from storage: readiness and the counts behind /metrics' gauges.

The reads run in one thread of their own (never one of the turns' storage threads), one of a kind at a
time, and are given up after a few seconds: a database that hangs makes a probe fail, not pile up
threads or hold the event loop. They use the store's public methods only; the storage package may give
each a cheaper query of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.storage import Storage

PROBE_TIMEOUT = 2.0  # seconds; Prometheus and load balancers time out at a few seconds themselves

T = TypeVar("T")


class Prober:
    """Runs blocking reads in its own thread with a timeout; a read of a kind still running (a slow
    database) is awaited again rather than started twice."""

    def __init__(self, timeout: float = PROBE_TIMEOUT):
        self.timeout = timeout
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="probe")
        self._running: dict[str, asyncio.Future[Any]] = {}

    async def run(self, kind: str, read: Callable[[], T]) -> T:
        """``read()`` in the probe thread; raises TimeoutError after ``timeout`` seconds, or what it raised."""
        future = self._running.get(kind)
        if future is None or future.done():
            future = self._running[kind] = asyncio.get_running_loop().run_in_executor(self._pool, read)
        return await asyncio.wait_for(asyncio.shield(future), self.timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def database_ready(store: Storage) -> tuple[bool, str]:
    """Whether the database answers and its schema is current; the reason in one line (no URL, no secret)."""
    reason = store.ready()
    return reason is None, reason or "ready"


def database_counts(store: Storage) -> dict[str, int]:
    """The gauges that come from the database: updates waiting, requests not yet mailed, open tickets."""
    return {
        "inbox_pending": store.inbox.count("pending"),
        "outbox_pending": store.outbox.counts().get("pending", 0),
        "tickets_open": store.tickets.reports.count_open(),
    }
