"""A per-customer limit on incoming messages, so that a storm gets one "slow down" and no more work."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable

OK, WARN, DROP = "ok", "warn", "drop"


class FloodGuard:
    """At most ``limit`` messages per ``window`` seconds per key; the first one over is told, the rest dropped."""

    def __init__(self, limit: int = 20, window: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[Hashable, deque[float]] = {}
        self._warned: dict[Hashable, float] = {}

    def check(self, key: Hashable) -> str:
        now = self.clock()
        seen = self._seen.setdefault(key, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(now)
            self._warned.pop(key, None)
            return OK
        if key in self._warned and now - self._warned[key] < self.window:
            return DROP
        self._warned[key] = now
        return WARN

    def forget_idle(self) -> None:
        """Drop the history of customers who have been quiet for a whole window (bounded memory)."""
        now = self.clock()
        for key in [k for k, seen in self._seen.items() if not seen or now - seen[-1] >= self.window]:
            del self._seen[key]
            self._warned.pop(key, None)
