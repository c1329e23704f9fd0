"""An Apple configuration profile (.mobileconfig) for Mail on iPhone, iPad and Mac: one
``com.apple.mail.managed`` payload, POP or IMAP, incoming and outgoing servers, the user name, and no
password (the device asks for it when the profile is installed)."""

from __future__ import annotations

import hashlib
import plistlib
import re
import uuid

from bot.autoconfig.hosts import host_for
from bot.core.address import Address
from bot.knowledge.base import ServerSettings

PROFILE_MIME = "application/x-apple-aspen-config"


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
    servers: ServerSettings,
    address: Address,
    protocol: str,
    provider_domain: str,
    name: str,
    sender_name: str | None = None,
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
        "IncomingMailServerHostName": host_for(incoming, address),
        "IncomingMailServerPortNumber": incoming.port,
        "IncomingMailServerUseSSL": incoming.security != "none",
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "IncomingMailServerUsername": username,
        "OutgoingMailServerHostName": host_for(servers.smtp, address),
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
