"""Automatic configuration files from knowledge/servers.yaml, for one customer's address.

- An Apple configuration profile (.mobileconfig) for Mail on iPhone, iPad and Mac: one
  ``com.apple.mail.managed`` payload, POP or IMAP, incoming and outgoing servers, the user name, and no
  password (the device asks for it when the profile is installed).
- A Thunderbird ``config-v1.1.xml`` (the autoconfig format), which a customer can keep or an
  administrator can publish for the whole domain.
"""

from __future__ import annotations

import plistlib
import re
import uuid
import xml.etree.ElementTree as ET

from bot.flows.address import Address
from bot.knowledge.base import Endpoint, ServerSettings

PROFILE_MIME = "application/x-apple-aspen-config"
XML_MIME = "application/xml"


def _host(endpoint: Endpoint, address: Address) -> str:
    return endpoint.host.format(domain=address.ascii_domain, email=address.ascii_email)


def _reverse_dns(domain: str) -> str:
    return ".".join(reversed([re.sub(r"[^a-z0-9-]", "-", part) for part in domain.lower().split(".") if part]))


def profile_identifier(address: Address, provider_domain: str) -> str:
    """A stable identifier: the same address always gets the same one, so reinstalling replaces it."""
    local = re.sub(r"[^a-z0-9-]", "-", address.email.rsplit("@", 1)[0].lower())
    return f"{_reverse_dns(provider_domain)}.mailbot.{_reverse_dns(address.ascii_domain)}.{local}"


def mobileconfig(servers: ServerSettings, address: Address, protocol: str, provider_domain: str, name: str) -> bytes:
    """An Apple configuration profile for ``address`` with ``protocol`` ("pop3" or "imap")."""
    incoming = servers.imap if protocol == "imap" else servers.pop3
    username = servers.username.format(email=address.email, domain=address.domain)
    identifier = profile_identifier(address, provider_domain)
    mail = {
        "PayloadType": "com.apple.mail.managed",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{identifier}.account",
        "PayloadUUID": str(uuid.uuid4()).upper(),
        "PayloadDisplayName": address.email,
        "EmailAccountDescription": address.email,
        "EmailAccountName": address.email,
        "EmailAccountType": "EmailTypeIMAP" if protocol == "imap" else "EmailTypePOP",
        "EmailAddress": address.email,
        "IncomingMailServerHostName": _host(incoming, address),
        "IncomingMailServerPortNumber": incoming.port,
        "IncomingMailServerUseSSL": incoming.security != "none",
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "IncomingMailServerUsername": username,
        "OutgoingMailServerHostName": _host(servers.smtp, address),
        "OutgoingMailServerPortNumber": servers.smtp.port,
        "OutgoingMailServerUseSSL": servers.smtp.security != "none",
        "OutgoingMailServerAuthentication": "EmailAuthPassword" if servers.smtp_authentication else "EmailAuthNone",
        "OutgoingMailServerUsername": username,
        "OutgoingPasswordSameAsIncomingPassword": True,
        "PreventMove": False,
        "PreventAppSheet": False,
        "SMIMEEnabled": False,
        "allowMailDrop": True,
    }
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": identifier,
        "PayloadUUID": str(uuid.uuid4()).upper(),
        "PayloadDisplayName": name,
        "PayloadDescription": name,
        "PayloadOrganization": provider_domain,
        "PayloadRemovalDisallowed": False,
        "PayloadContent": [mail],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True)


_SOCKET = {"ssl": "SSL", "starttls": "STARTTLS", "none": "plain"}


def _server(parent: ET.Element, tag: str, kind: str, endpoint: Endpoint, address: Address, port: int, security: str) -> ET.Element:
    server = ET.SubElement(parent, tag, type=kind)
    ET.SubElement(server, "hostname").text = _host(endpoint, address)
    ET.SubElement(server, "port").text = str(port)
    ET.SubElement(server, "socketType").text = _SOCKET[security]
    ET.SubElement(server, "authentication").text = "password-cleartext"
    ET.SubElement(server, "username").text = "%EMAILADDRESS%"
    return server


def thunderbird_autoconfig(servers: ServerSettings, address: Address, protocol: str, name: str) -> bytes:
    """A config-v1.1.xml for the address's domain; the chosen protocol's server comes first."""
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=address.ascii_domain)
    ET.SubElement(provider, "domain").text = address.ascii_domain
    ET.SubElement(provider, "displayName").text = name
    ET.SubElement(provider, "displayShortName").text = address.domain
    order = ("imap", "pop3") if protocol == "imap" else ("pop3", "imap")
    for kind in order:
        endpoint: Endpoint = getattr(servers, kind)
        for port, security in ((endpoint.port, endpoint.security), (endpoint.alt_port, endpoint.alt_security)):
            server = _server(provider, "incomingServer", kind, endpoint, address, port, security)
            if kind == "pop3":
                pop3 = ET.SubElement(server, "pop3")
                ET.SubElement(pop3, "leaveMessagesOnServer").text = "true"
    smtp = servers.smtp
    for port, security in ((smtp.port, smtp.security), (smtp.alt_port, smtp.alt_security)):
        _server(provider, "outgoingServer", "smtp", smtp, address, port, security)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"
