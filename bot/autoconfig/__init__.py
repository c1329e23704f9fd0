"""Automatic configuration files from knowledge/servers.yaml, for one customer's address or domain.

- ``apple``: an Apple configuration profile (.mobileconfig) for Mail on iPhone, iPad and Mac;
- ``thunderbird``: a Thunderbird ``config-v1.1.xml`` (the autoconfig format) for a whole domain, which the
  bot serves (``bot/http/server.py``) and an administrator can publish for the domain;
- ``outlook``: Outlook's plain-XML Autodiscover answer.
"""

from bot.autoconfig.apple import PROFILE_MIME, mobileconfig, profile_identifier
from bot.autoconfig.outlook import autodiscover, autodiscover_address
from bot.autoconfig.thunderbird import XML_MIME, thunderbird_autoconfig

__all__ = [
    "PROFILE_MIME",
    "XML_MIME",
    "autodiscover",
    "autodiscover_address",
    "mobileconfig",
    "profile_identifier",
    "thunderbird_autoconfig",
]
