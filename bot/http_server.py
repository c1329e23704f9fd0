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

import tornado.web

from bot.autoconfig import autodiscover, autodiscover_address, thunderbird_autoconfig
from bot.core.address import AddressError, parse_address
from bot.knowledge.base import ServerSettings

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024  # an Autodiscover request is a few hundred bytes


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
        address = self._address(self.get_query_argument("emailaddress", None))
        self.set_header("Content-Type", "application/xml; charset=utf-8")
        self.write(thunderbird_autoconfig(self.servers, address.ascii_domain))


class OutlookAutodiscover(_Handler):
    def post(self) -> None:
        if len(self.request.body) > MAX_BODY:
            raise tornado.web.HTTPError(413, reason="request too large")
        try:
            requested = autodiscover_address(self.request.body)
        except Exception:  # not XML, not an Autodiscover request, or an attack on the parser
            raise tornado.web.HTTPError(400, reason="not an Autodiscover request") from None
        address = self._address(requested)
        self.set_header("Content-Type", "application/xml; charset=utf-8")
        self.write(autodiscover(self.servers, address))


def routes(servers: ServerSettings) -> list[tuple]:
    """The autoconfiguration paths, for any tornado application."""
    settings = {"servers": servers}
    return [
        (r"/mail/config-v1\.1\.xml", ThunderbirdAutoconfig, settings),
        (r"/\.well-known/autoconfig/mail/config-v1\.1\.xml", ThunderbirdAutoconfig, settings),
        (r"/autodiscover/autodiscover\.xml", OutlookAutodiscover, settings),
        (r"/Autodiscover/Autodiscover\.xml", OutlookAutodiscover, settings),
    ]


def application(servers: ServerSettings, extra: list[tuple] = ()) -> tornado.web.Application:
    return tornado.web.Application([*extra, *routes(servers)], log_function=lambda handler: None)
