"""The configuration files, parsed back and checked field by field against servers.yaml."""

from __future__ import annotations

import plistlib
import uuid
import xml.etree.ElementTree as ET

import pytest

from bot.autoconfig import mobileconfig, profile_identifier, thunderbird_autoconfig
from bot.flows.address import parse_address

ADDRESS = parse_address("info@rossi.it")


@pytest.mark.parametrize("protocol, kind", [("pop3", "EmailTypePOP"), ("imap", "EmailTypeIMAP")])
def test_mobileconfig_fields_match_the_settings(kb, protocol, kind):
    profile = plistlib.loads(mobileconfig(kb.servers, ADDRESS, protocol, "mosajco.com", "Mail"))
    [mail] = profile["PayloadContent"]
    incoming = getattr(kb.servers, protocol)
    assert profile["PayloadType"] == "Configuration" and mail["PayloadType"] == "com.apple.mail.managed"
    assert mail["EmailAccountType"] == kind
    assert mail["EmailAddress"] == "info@rossi.it"
    assert mail["IncomingMailServerHostName"] == incoming.host.format(domain="rossi.it")
    assert mail["IncomingMailServerPortNumber"] == incoming.port
    assert mail["IncomingMailServerUseSSL"] is True
    assert mail["IncomingMailServerUsername"] == "info@rossi.it"
    assert mail["OutgoingMailServerHostName"] == kb.servers.smtp.host.format(domain="rossi.it")
    assert mail["OutgoingMailServerPortNumber"] == kb.servers.smtp.port
    assert mail["OutgoingMailServerUseSSL"] is True
    assert mail["OutgoingMailServerAuthentication"] == "EmailAuthPassword"
    assert mail["OutgoingMailServerUsername"] == "info@rossi.it"
    assert mail["OutgoingPasswordSameAsIncomingPassword"] is True


def test_mobileconfig_has_no_password_unique_uuids_and_a_stable_identifier(kb):
    first = mobileconfig(kb.servers, ADDRESS, "imap", "mosajco.com", "Mail")
    second = mobileconfig(kb.servers, ADDRESS, "imap", "mosajco.com", "Mail")
    assert b"Password</key>\n\t\t\t<string" not in first
    for data in (first, second):
        profile = plistlib.loads(data)
        assert not any("Password" in key and key != "OutgoingPasswordSameAsIncomingPassword" for key in profile["PayloadContent"][0])
    one, two = plistlib.loads(first), plistlib.loads(second)
    uuids = {one["PayloadUUID"], one["PayloadContent"][0]["PayloadUUID"], two["PayloadUUID"], two["PayloadContent"][0]["PayloadUUID"]}
    assert len(uuids) == 4 and all(uuid.UUID(u) for u in uuids)
    assert one["PayloadIdentifier"] == two["PayloadIdentifier"] == profile_identifier(ADDRESS, "mosajco.com")
    assert one["PayloadIdentifier"] == "com.mosajco.mailbot.it.rossi.info"


def test_international_domains_use_punycode_hosts(kb):
    address = parse_address("posta@caffè.it")
    mail = plistlib.loads(mobileconfig(kb.servers, address, "pop3", "mosajco.com", "Mail"))["PayloadContent"][0]
    assert mail["IncomingMailServerHostName"] == "mail.xn--caff-8oa.it"


@pytest.mark.parametrize("protocol", ["pop3", "imap"])
def test_thunderbird_autoconfig_matches_the_settings(kb, protocol):
    root = ET.fromstring(thunderbird_autoconfig(kb.servers, ADDRESS, protocol, "Mail"))
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    provider = root.find("emailProvider")
    assert provider.get("id") == "rossi.it" and provider.findtext("domain") == "rossi.it"
    incoming = provider.findall("incomingServer")
    assert incoming[0].get("type") == protocol  # the chosen protocol first
    for server in incoming:
        endpoint = getattr(kb.servers, server.get("type"))
        assert server.findtext("hostname") == endpoint.host.format(domain="rossi.it")
        assert (int(server.findtext("port")), server.findtext("socketType")) in {
            (endpoint.port, "SSL"), (endpoint.alt_port, "STARTTLS")}
        assert server.findtext("username") == "%EMAILADDRESS%"
        assert server.findtext("authentication") == "password-cleartext"
    pop3 = [s for s in incoming if s.get("type") == "pop3"]
    assert all(s.findtext("pop3/leaveMessagesOnServer") == "true" for s in pop3)
    outgoing = provider.findall("outgoingServer")
    assert {(s.findtext("hostname"), int(s.findtext("port"))) for s in outgoing} == {
        ("mail.rossi.it", kb.servers.smtp.port), ("mail.rossi.it", kb.servers.smtp.alt_port)}
    assert b"password</" not in thunderbird_autoconfig(kb.servers, ADDRESS, protocol, "Mail").lower()
