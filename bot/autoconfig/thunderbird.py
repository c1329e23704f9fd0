"""Thunderbird's ``config-v1.1.xml`` (the autoconfig format) for a whole domain."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bot.knowledge.base import Endpoint, ServerSettings

XML_MIME = "application/xml"

_SOCKET = {"ssl": "SSL", "starttls": "STARTTLS", "none": "plain"}


# Thunderbird's placeholders for the parts of the address the customer types.
_USERNAME_PLACEHOLDERS = {"email": "%EMAILADDRESS%", "domain": "%EMAILDOMAIN%"}


def _server(parent: ET.Element, tag: str, kind: str, endpoint: Endpoint, domain: str, username: str, port: int,
            security: str) -> ET.Element:
    server = ET.SubElement(parent, tag, type=kind)
    ET.SubElement(server, "hostname").text = endpoint.host.format(domain=domain, email="%EMAILADDRESS%")
    ET.SubElement(server, "port").text = str(port)
    ET.SubElement(server, "socketType").text = _SOCKET[security]
    ET.SubElement(server, "authentication").text = "password-cleartext"
    ET.SubElement(server, "username").text = username
    return server


def thunderbird_autoconfig(servers: ServerSettings, domain: str) -> bytes:
    """Thunderbird's config-v1.1.xml for a whole domain (ASCII, punycode): nothing personal, the same
    for everyone of the domain, POP3 first (IMAP is an add-on, off until support activates it)."""
    username = servers.username.format_map(_USERNAME_PLACEHOLDERS)
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=domain)
    ET.SubElement(provider, "domain").text = domain
    ET.SubElement(provider, "displayName").text = domain
    ET.SubElement(provider, "displayShortName").text = domain
    for kind in ("pop3", "imap"):
        endpoint: Endpoint = getattr(servers, kind)
        for port, security in ((endpoint.port, endpoint.security), (endpoint.alt_port, endpoint.alt_security)):
            server = _server(provider, "incomingServer", kind, endpoint, domain, username, port, security)
            if kind == "pop3":
                pop3 = ET.SubElement(server, "pop3")
                ET.SubElement(pop3, "leaveMessagesOnServer").text = "true"
    smtp = servers.smtp
    for port, security in ((smtp.port, smtp.security), (smtp.alt_port, smtp.alt_security)):
        _server(provider, "outgoingServer", "smtp", smtp, domain, username, port, security)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"
