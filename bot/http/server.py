"""The bot's HTTP paths: mail programs that set themselves up.

    GET  /mail/config-v1.1.xml?emailaddress=ADDR                      Thunderbird's autoconfig (v1.1)
    GET  /.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=ADDR
    POST /autodiscover/autodiscover.xml                              Outlook's plain-XML Autodiscover

Served by the webhook's server in webhook mode, and by the server of HTTP_PORT in both modes (tornado,
which python-telegram-bot's webhooks extra brings). The answers come from ``knowledge/servers.yaml``.
A missing, malformed or hostile address gets a 4xx, never a 500; nothing here can stop the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import tornado.http1connection
import tornado.httpserver
import tornado.web

from bot.autoconfig import autodiscover, autodiscover_address, thunderbird_autoconfig
from bot.core.address import AddressError, parse_address
from bot.knowledge.base import ServerSettings

if TYPE_CHECKING:
    from bot.http import Route

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024  # an Autodiscover request is a few hundred bytes
# Paths that take no body: tornado refuses one larger than this with a 400 before reading it.
SERVER_MAX_BODY = 64 * 1024
# Paths that take a body read it as it comes and keep at most their own limit; past it the rest is read
# and dropped, so the client still gets its 413 (not a connection reset). Larger bodies are cut short.
DRAIN_MAX = 16 * 1024 * 1024


class LimitedBody(tornado.web.RequestHandler):
    """For a ``stream_request_body`` handler: the body kept up to ``limit`` bytes, the rest dropped."""

    limit = MAX_BODY

    def prepare_body(self) -> None:
        self.body, self.too_large = bytearray(), False
        if isinstance(self.request.connection, tornado.http1connection.HTTP1Connection):  # what HTTPServer uses
            self.request.connection.set_max_body_size(DRAIN_MAX)

    def data_received(self, chunk: bytes) -> None:
        if self.too_large or self._finished:
            return
        if len(self.body) + len(chunk) > self.limit:
            self.too_large, self.body = True, bytearray()
            return
        self.body += chunk

    def check_body(self) -> None:
        if self.too_large:
            raise tornado.web.HTTPError(413, reason="request too large")


class _Handler(tornado.web.RequestHandler):
    def initialize(self, servers: ServerSettings) -> None:
        self.servers = servers

    def write_error(self, status_code: int, **kwargs) -> None:  # a short plain answer, no traceback
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, tornado.web.HTTPError):
            return
        log.error("HTTP request %s %s failed: %s: %s", self.request.method, self.request.path, typ.__name__, value)

    def _address(self, text: str | None):
        try:
            return parse_address(text or "")
        except AddressError:
            raise tornado.web.HTTPError(400, reason="a valid emailaddress is needed") from None


class ThunderbirdAutoconfig(_Handler):
    def get(self) -> None:
        # The raw value: tornado's get_query_argument would quietly drop control characters (a NUL).
        raw = self.request.query_arguments.get("emailaddress") or [b""]
        try:
            text = raw[-1].decode("utf-8")
        except UnicodeDecodeError:
            raise tornado.web.HTTPError(400, reason="a valid emailaddress is needed") from None
        if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text):
            raise tornado.web.HTTPError(400, reason="a valid emailaddress is needed")
        address = self._address(text)
        self.set_header("Content-Type", "application/xml; charset=utf-8")
        self.write(thunderbird_autoconfig(self.servers, address.ascii_domain))


@tornado.web.stream_request_body
class OutlookAutodiscover(LimitedBody, _Handler):
    """The body is read as it comes, up to MAX_BODY: a larger one is refused before it is in memory."""

    def prepare(self) -> None:
        self.prepare_body()

    def post(self) -> None:
        self.check_body()
        try:
            requested = autodiscover_address(bytes(self.body))
        except Exception:  # not XML, not an Autodiscover request, or an attack on the parser
            raise tornado.web.HTTPError(400, reason="not an Autodiscover request") from None
        address = self._address(requested)
        self.set_header("Content-Type", "application/xml; charset=utf-8")
        self.write(autodiscover(self.servers, address))


def routes(servers: ServerSettings) -> list[Route]:
    """The autoconfiguration paths, for any tornado application."""
    settings: dict[str, object] = {"servers": servers}
    return [
        (r"/mail/config-v1\.1\.xml", ThunderbirdAutoconfig, settings),
        (r"/\.well-known/autoconfig/mail/config-v1\.1\.xml", ThunderbirdAutoconfig, settings),
        (r"/autodiscover/autodiscover\.xml", OutlookAutodiscover, settings),
        (r"/Autodiscover/Autodiscover\.xml", OutlookAutodiscover, settings),
    ]


def application(servers: ServerSettings, extra: Sequence[Route] = ()) -> tornado.web.Application:
    return tornado.web.Application([*extra, *routes(servers)], log_function=lambda handler: None)


def serve(app: tornado.web.Application, port: int, address: str) -> tornado.httpserver.HTTPServer:
    """Listen with the bot's body limit (never tornado's default 100 MB); raises OSError when the port is
    taken."""
    return app.listen(port, address=address, max_body_size=SERVER_MAX_BODY, max_buffer_size=1024 * 1024)
