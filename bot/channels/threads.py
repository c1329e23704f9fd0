"""Storage awaited from the event loop: every method of a storage object run in a worker thread."""

from __future__ import annotations

import asyncio


class InThreads:
    """The storage object's methods, awaited in a thread: storage never blocks the event loop."""

    def __init__(self, target):
        self._target = target

    def __getattr__(self, name: str):
        method = getattr(self._target, name)

        async def call(*args, **kwargs):
            return await asyncio.to_thread(method, *args, **kwargs)

        return call
