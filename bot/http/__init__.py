"""The bot's HTTP server: the webhook, mail programs' autoconfiguration, and the operator's metrics and probes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # tornado is imported only where a server is built: ``ask`` and ``chat`` never load it
    import tornado.web

    # One path of a tornado application: its pattern, its handler, and the handler's ``initialize`` arguments.
    Route = tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]
