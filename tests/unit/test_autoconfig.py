"""The configuration files, parsed back and checked field by field against servers.yaml."""

from __future__ import annotations

import plistlib
import uuid
import xml.etree.ElementTree as ET

import pytest

from bot.autoconfig import mobileconfig, profile_identifier, thunderbird_autoconfig
from bot.core.address import parse_address

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


def test_mobileconfig_has_no_password_and_stable_identifiers(kb):
    first = mobileconfig(kb.servers, ADDRESS, "imap", "mosajco.com", "Mail")
    second = mobileconfig(kb.servers, ADDRESS, "imap", "mosajco.com", "Mail")
    one, two = plistlib.loads(first), plistlib.loads(second)
    assert not any("Password" in key and key != "OutgoingPasswordSameAsIncomingPassword" for key in one["PayloadContent"][0])
    assert one["PayloadIdentifier"] == two["PayloadIdentifier"] == profile_identifier(ADDRESS, "mosajco.com")
    assert one["PayloadIdentifier"].startswith("com.mosajco.mailbot.")
    assert one["PayloadUUID"] == two["PayloadUUID"] != one["PayloadContent"][0]["PayloadUUID"]  # reinstalling replaces
    assert uuid.UUID(one["PayloadUUID"]) and "SMIMEEnabled" not in one["PayloadContent"][0]


def test_profiles_of_look_alike_addresses_differ_in_every_identifier(kb):
    # Regression: mario.rossi, mario_rossi and mario-rossi all became ...mario-rossi, and mario+news
    # collided with mario.news: installing one person's profile replaced another's account.
    looks = ["mario.rossi@esempio.it", "mario_rossi@esempio.it", "mario-rossi@esempio.it", "mario+news@esempio.it",
             "mario.news@esempio.it"]
    seen: dict[str, set] = {"profile": set(), "account": set(), "uuid": set(), "account uuid": set()}
    for text in looks:
        profile = plistlib.loads(mobileconfig(kb.servers, parse_address(text), "pop3", "mosajco.com", "Mail"))
        [mail] = profile["PayloadContent"]
        for kind, value in (("profile", profile["PayloadIdentifier"]), ("account", mail["PayloadIdentifier"]),
                            ("uuid", profile["PayloadUUID"]), ("account uuid", mail["PayloadUUID"])):
            seen[kind].add(value)
    assert all(len(values) == len(looks) for values in seen.values())


def test_the_sender_name_is_the_customers_or_left_to_the_device(kb):
    named = plistlib.loads(mobileconfig(kb.servers, ADDRESS, "pop3", "mosajco.com", "Mail", sender_name="Mario Rossi"))
    assert named["PayloadContent"][0]["EmailAccountName"] == "Mario Rossi"
    unnamed = plistlib.loads(mobileconfig(kb.servers, ADDRESS, "pop3", "mosajco.com", "Mail"))
    assert "EmailAccountName" not in unnamed["PayloadContent"][0]  # never the bare address


def test_international_domains_use_punycode_hosts(kb):
    address = parse_address("posta@caffè.it")
    mail = plistlib.loads(mobileconfig(kb.servers, address, "pop3", "mosajco.com", "Mail"))["PayloadContent"][0]
    assert mail["IncomingMailServerHostName"] == "mail.xn--caff-8oa.it"


def test_thunderbird_autoconfig_matches_the_settings_for_the_whole_domain(kb):
    data = thunderbird_autoconfig(kb.servers, "rossi.it")
    root = ET.fromstring(data)
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    provider = root.find("emailProvider")
    assert provider.get("id") == "rossi.it" and provider.findtext("domain") == "rossi.it"
    assert b"info@" not in data and b"@rossi.it" not in data  # nothing personal: one file for every colleague
    incoming = provider.findall("incomingServer")
    assert incoming[0].get("type") == "pop3"  # POP3 first: IMAP is off until support activates it
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
    assert b"password</" not in data.lower()
    # Thunderbird's validator: pop3 settings only on POP3 servers, usernames only with its placeholders.
    assert all(s.find("pop3") is None for s in incoming if s.get("type") != "pop3")
    assert {s.findtext("username") for s in provider.iter() if s.findtext("username")} <= {
        "%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%"}
