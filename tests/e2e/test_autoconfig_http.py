"""Mail programs that set themselves up: the bot's HTTP paths, over real HTTP from the real process."""

from __future__ import annotations

import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from smtp_server import free_port

AUTODISCOVER_REQUEST = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">'
    "<Request><EMailAddress>{address}</EMailAddress>"
    "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
    "</AcceptableResponseSchema></Request></Autodiscover>"
)
OUTLOOK = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"


def call(port: int, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                     method="POST" if body is not None else "GET", headers={"Content-Type": "text/xml"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def http(fake, start_bot):
    port = free_port()
    start_bot(env={"HTTP_PORT": str(port), "HTTP_LISTEN": "127.0.0.1"})
    fake.wait_for(lambda: call(port, "/mail/config-v1.1.xml?emailaddress=a@b.it")[0] == 200, timeout=30)
    return port


@pytest.mark.parametrize("path", ["/mail/config-v1.1.xml", "/.well-known/autoconfig/mail/config-v1.1.xml"])
def test_thunderbird_autoconfig_for_the_domain(http, kb, path):
    status, body = call(http, f"{path}?emailaddress=mario.rossi@esempio.it")
    assert status == 200
    provider = ET.fromstring(body).find("emailProvider")
    assert provider.get("id") == "esempio.it"
    servers = provider.findall("incomingServer")
    assert servers[0].get("type") == "pop3" and servers[0].findtext("hostname") == "mail.esempio.it"
    assert int(servers[0].findtext("port")) == kb.servers.pop3.port
    assert b"mario" not in body


def test_outlook_autodiscover_offers_pop3_and_smtp(http, kb):
    request = AUTODISCOVER_REQUEST.format(address="info@caffè.it").encode()
    status, body = call(http, "/autodiscover/autodiscover.xml", request)
    assert status == 200
    account = ET.fromstring(body).find(f"{OUTLOOK}Response/{OUTLOOK}Account")
    assert account.findtext(f"{OUTLOOK}Action") == "settings"
    protocols = {p.findtext(f"{OUTLOOK}Type"): p for p in account.findall(f"{OUTLOOK}Protocol")}
    assert set(protocols) == {"POP3", "SMTP"}  # IMAP only once activated: added by hand
    pop3, smtp = protocols["POP3"], protocols["SMTP"]
    assert pop3.findtext(f"{OUTLOOK}Server") == "mail.xn--caff-8oa.it"
    assert int(pop3.findtext(f"{OUTLOOK}Port")) == kb.servers.pop3.port and pop3.findtext(f"{OUTLOOK}SSL") == "on"
    assert pop3.findtext(f"{OUTLOOK}LoginName") == "info@xn--caff-8oa.it"
    assert int(smtp.findtext(f"{OUTLOOK}Port")) == kb.servers.smtp.port
    assert smtp.findtext(f"{OUTLOOK}AuthRequired") == "on"


@pytest.mark.parametrize(
    "path, body",
    [
        ("/mail/config-v1.1.xml", None),
        ("/mail/config-v1.1.xml?emailaddress=", None),
        ("/mail/config-v1.1.xml?emailaddress=not-an-address", None),
        ("/mail/config-v1.1.xml?emailaddress=a@b.it%0d%0aSet-Cookie:%20x=1", None),
        ("/mail/config-v1.1.xml?emailaddress=a@../../etc/passwd", None),
        ("/autodiscover/autodiscover.xml", b"not xml"),
        ("/autodiscover/autodiscover.xml", b"<Autodiscover/>"),
        ("/autodiscover/autodiscover.xml", AUTODISCOVER_REQUEST.format(address="x\r\nBcc: y@z.it").encode()),
        ("/autodiscover/autodiscover.xml", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "bbbbbbbb">'
                                           b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><a>&c;&c;&c;</a>'),
        ("/autodiscover/autodiscover.xml", b"x" * 100_000),
    ],
)
def test_a_bad_address_or_request_gets_a_4xx_and_the_bot_keeps_running(http, fake, path, body):
    status, _ = call(http, path, body)
    assert 400 <= status < 500
    assert call(http, "/mail/config-v1.1.xml?emailaddress=a@b.it")[0] == 200
