"""Automatic configuration files from knowledge/servers.yaml, for one customer's address.

- An Apple configuration profile (.mobileconfig) for Mail on iPhone, iPad and Mac: one
  ``com.apple.mail.managed`` payload, POP or IMAP, incoming and outgoing servers, the user name, and no
  password (the device asks for it when the profile is installed).
- A Thunderbird ``config-v1.1.xml`` (the autoconfig format) for a whole domain, which the bot serves
  (``bot/http_server.py``) and an administrator can publish for the domain.
- Outlook's plain-XML Autodiscover answer.
"""

from __future__ import annotations

import hashlib
import plistlib
import re
import uuid
import xml.etree.ElementTree as ET

from bot.core.address import Address
from bot.knowledge.base import Endpoint, ServerSettings

PROFILE_MIME = "application/x-apple-aspen-config"
XML_MIME = "application/xml"


def _host(endpoint: Endpoint, address: Address) -> str:
    return endpoint.host.format(domain=address.ascii_domain, email=address.ascii_email)


def _reverse_dns(domain: str) -> str:
    return ".".join(reversed([re.sub(r"[^a-z0-9-]", "-", part) for part in domain.lower().split(".") if part]))


def profile_identifier(address: Address, provider_domain: str) -> str:
    """A stable identifier from the whole address: the same address always gets the same one (reinstalling
    replaces it), and any two addresses differ (mario.rossi, mario_rossi and mario+news included)."""
    digest = hashlib.sha256(address.ascii_email.lower().encode()).hexdigest()[:20]
    return f"{_reverse_dns(provider_domain)}.mailbot.{digest}"


def _uuid(address: Address, part: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{address.ascii_email.lower()}#{part}")).upper()


def mobileconfig(
    servers: ServerSettings, address: Address, protocol: str, provider_domain: str, name: str, sender_name: str | None = None
) -> bytes:
    """An Apple configuration profile for ``address`` with ``protocol`` ("pop3" or "imap").

    ``sender_name`` is the name recipients see (the customer's own); without it the device asks.
    """
    incoming = servers.imap if protocol == "imap" else servers.pop3
    username = servers.username.format(email=address.email, domain=address.domain)
    identifier = profile_identifier(address, provider_domain)
    mail = {
        "PayloadType": "com.apple.mail.managed",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{identifier}.account",
        "PayloadUUID": _uuid(address, "account"),
        "PayloadDisplayName": address.email,
        "EmailAccountDescription": address.email,
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
        "allowMailDrop": True,
    }
    if sender_name and sender_name.strip():
        mail["EmailAccountName"] = sender_name.strip()
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": identifier,
        "PayloadUUID": _uuid(address, "profile"),
        "PayloadDisplayName": name,
        "PayloadDescription": name,
        "PayloadOrganization": provider_domain,
        "PayloadRemovalDisallowed": False,
        "PayloadContent": [mail],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True)


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


AUTODISCOVER_REQUEST = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
AUTODISCOVER_RESPONSE = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
AUTODISCOVER_OUTLOOK = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"


def autodiscover(servers: ServerSettings, address: Address) -> bytes:
    """Outlook's plain-XML Autodiscover answer (response schema 2006a) for ``address``: POP3 and SMTP.

    IMAP is left out on purpose: Outlook takes the first protocol it is offered, and IMAP works only
    once support has activated it for the mailbox; a customer who has it adds the account by hand.
    """
    username = servers.username.format(email=address.ascii_email, domain=address.ascii_domain)
    root = ET.Element("Autodiscover", xmlns=AUTODISCOVER_RESPONSE)
    response = ET.SubElement(root, "Response", xmlns=AUTODISCOVER_OUTLOOK)
    account = ET.SubElement(response, "Account")
    ET.SubElement(account, "AccountType").text = "email"
    ET.SubElement(account, "Action").text = "settings"
    for kind, endpoint in (("POP3", servers.pop3), ("SMTP", servers.smtp)):
        protocol = ET.SubElement(account, "Protocol")
        ET.SubElement(protocol, "Type").text = kind
        ET.SubElement(protocol, "Server").text = _host(endpoint, address)
        ET.SubElement(protocol, "Port").text = str(endpoint.port)
        ET.SubElement(protocol, "LoginName").text = username
        ET.SubElement(protocol, "DomainRequired").text = "off"
        ET.SubElement(protocol, "SPA").text = "off"
        if endpoint.security == "starttls":
            ET.SubElement(protocol, "Encryption").text = "TLS"
        else:
            ET.SubElement(protocol, "SSL").text = "on" if endpoint.security == "ssl" else "off"
        ET.SubElement(protocol, "AuthRequired").text = "on" if kind == "POP3" or servers.smtp_authentication else "off"
        if kind == "SMTP":
            ET.SubElement(protocol, "UsePOPAuth").text = "on" if servers.smtp_authentication else "off"
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def autodiscover_address(body: bytes) -> str:
    """The address an Autodiscover request asks about; ValueError when the request is not one."""
    root = ET.fromstring(body)  # expat refuses entity expansion attacks; the caller bounds the size
    address = root.findtext(f"{{{AUTODISCOVER_REQUEST}}}Request/{{{AUTODISCOVER_REQUEST}}}EMailAddress")
    if not address:
        raise ValueError("no EMailAddress in the request")
    return address.strip()
