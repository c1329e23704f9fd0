"""The server names of knowledge/servers.yaml filled in for one address, as every format writes them."""

from __future__ import annotations

from bot.core.address import Address
from bot.knowledge.base import Endpoint


def host_for(endpoint: Endpoint, address: Address) -> str:
    return endpoint.host.format(domain=address.ascii_domain, email=address.ascii_email)
