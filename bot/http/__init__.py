"""The bot's HTTP server: the webhook, mail programs' autoconfiguration, and the operator's metrics and probes."""

from typing import Any

import tornado.web

# One path of a tornado application: its pattern, its handler, and the handler's ``initialize`` arguments.
Route = tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]
