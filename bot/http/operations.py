"""The operator's HTTP paths, served only by the HTTP_PORT server (never on the webhook's public port).

    GET /metrics   Prometheus text exposition (``bot.metrics``)
    GET /healthz   200 while the process runs its loops, else 503
    GET /readyz    200 when this replica can take work, else 503

Each answer of /healthz and /readyz is one plain-text line: "ok" or the reason. What "alive" and "ready"
mean is given by the caller; a check that raises counts as a failed check, never as a 500.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import tornado.web

if TYPE_CHECKING:
    from bot.http import Route

log = logging.getLogger(__name__)

Check = Callable[[], tuple[bool, str]]
AsyncCheck = Callable[[], Awaitable[tuple[bool, str]]]
Exposition = Callable[[str], Awaitable[tuple[bytes, str]]]


class _Handler(tornado.web.RequestHandler):
    def log_exception(self, typ, value, tb) -> None:
        log.error("HTTP request %s %s failed: %s: %s", self.request.method, self.request.path, typ.__name__, value)


class Probe(_Handler):
    """/healthz or /readyz: 200 "ok", or 503 and the reason, on one line."""

    def initialize(self, check: Check | AsyncCheck) -> None:
        self.check = check

    async def get(self) -> None:
        try:
            result = self.check()
            ok, reason = await result if inspect.isawaitable(result) else result
        except Exception as exc:
            ok, reason = False, f"the check failed ({type(exc).__name__})"
        self.set_status(200 if ok else 503)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(("ok" if ok else " ".join(reason.split())) + "\n")


class MetricsPage(_Handler):
    def initialize(self, exposition: Exposition) -> None:
        self.exposition = exposition

    async def get(self) -> None:
        body, content_type = await self.exposition(self.request.headers.get("Accept", ""))
        self.set_header("Content-Type", content_type)
        self.finish(body)


def routes(exposition: Exposition, alive: Check, ready: AsyncCheck) -> list[Route]:
    return [
        (r"/metrics", MetricsPage, {"exposition": exposition}),
        (r"/healthz", Probe, {"check": alive}),
        (r"/readyz", Probe, {"check": ready}),
    ]
