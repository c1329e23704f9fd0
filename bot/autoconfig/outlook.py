"""Outlook's plain-XML Autodiscover: the answer for one address, and the address a request asks about."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bot.autoconfig.hosts import host_for
from bot.core.address import Address
from bot.knowledge.base import ServerSettings

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
        ET.SubElement(protocol, "Server").text = host_for(endpoint, address)
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
