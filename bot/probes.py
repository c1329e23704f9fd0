"""What the operator's probes read from storage: readiness and the counts behind /metrics' gauges.

The reads run in one thread of their own (never one of the turns' storage threads), one of a kind at a
time, and are given up after a few seconds: a database that hangs makes a probe fail, not pile up
threads or hold the event loop. They use the store's public methods only; the storage package may give
each a cheaper query of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
from collections.abc import Callable
from typing import TypeVar

PROBE_TIMEOUT = 2.0  # seconds; Prometheus and load balancers time out at a few seconds themselves

T = TypeVar("T")


class Prober:
    """Runs blocking reads in its own thread with a timeout; a read of a kind still running (a slow
    database) is awaited again rather than started twice."""

    def __init__(self, timeout: float = PROBE_TIMEOUT):
        self.timeout = timeout
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="probe")
        self._running: dict[str, asyncio.Future] = {}

    async def run(self, kind: str, read: Callable[[], T]) -> T:
        """``read()`` in the probe thread; raises TimeoutError after ``timeout`` seconds, or what it raised."""
        future = self._running.get(kind)
        if future is None or future.done():
            future = self._running[kind] = asyncio.get_running_loop().run_in_executor(self._pool, read)
        return await asyncio.wait_for(asyncio.shield(future), self.timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def database_ready(store) -> tuple[bool, str]:
    """Whether the database answers a trivial read; the reason in one line (no URL, no secret).
    The storage package will also check that its migrations are applied."""
    try:
        store.inbox.count("pending")
    except Exception as exc:  # any failure of the database makes the replica not ready
        return False, f"the database cannot be read ({type(exc).__name__})"
    return True, "ready"


def database_counts(store) -> dict[str, int]:
    """The gauges that come from the database: updates waiting, requests not yet mailed, open tickets."""
    return {
        "inbox_pending": store.inbox.count("pending"),
        "outbox_pending": len(store.outbox.due(now=math.inf)),  # every pending request, due or not
        "tickets_open": len(store.tickets.open_tickets()),
    }
