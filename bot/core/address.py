"""Checking an email address a customer types, and spotting a password pasted by mistake.

An address accepted here can go into an email to the support team (``bot/mail.py``): what the mail
builder would refuse is refused here, where the customer can be told and write it again.
"""

from __future__ import annotations

import dataclasses
import re

_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclasses.dataclass(frozen=True)
class Address:
    """A valid address: as the customer wrote it (domain lower-cased) and its domain in ASCII (punycode)."""

    email: str
    domain: str
    ascii_domain: str

    @property
    def ascii_email(self) -> str:
        return f"{self.email.rsplit('@', 1)[0]}@{self.ascii_domain}"


class AddressError(ValueError):
    """Why a text is not a usable address: ``reason`` is one of the REASONS keys."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


REASONS = ("spaces", "no_at", "several", "local", "domain")


def parse_address(text: str) -> Address:
    candidate = text.strip().lstrip("<\"'").rstrip(">\"'.,;:!?")
    if any(c.isspace() for c in candidate):
        ats = candidate.count("@")
        raise AddressError("spaces" if ats == 1 else "several" if ats > 1 else "no_at")
    if candidate.count("@") != 1:
        raise AddressError("no_at" if "@" not in candidate else "several")
    local, domain = candidate.split("@")
    if (not local or len(local) > 64 or not _LOCAL_RE.match(local) or local.startswith(".") or local.endswith(".")
            or ".." in local):
        raise AddressError("local")
    if "=?" in local:  # an RFC 2047 encoded word: a mail program would decode it (no mailbox has one)
        raise AddressError("local")
    domain = domain.lower().rstrip(".")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise AddressError("domain") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or len(ascii_domain) > 253 or not all(_LABEL_RE.match(label) for label in labels):
        raise AddressError("domain")
    if labels[-1].isdigit() or len(labels[-1]) < 2:
        raise AddressError("domain")
    return Address(f"{local}@{domain}", domain, ascii_domain)


_DOMAIN_RE = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,24}")
_ERROR_CODE_RE = re.compile(r"0x[0-9a-f]{4,12}")


def looks_like_password(text: str, known_words: frozenset[str] = frozenset(), *,
                        expecting_address: bool = False) -> bool:
    """A single token of 6 to 64 characters mixing character classes like a password, and no address.

    Where an address was asked for, letters with digits are enough ("mario1975"); elsewhere it takes
    three classes ("Mario1975!"), so that "outlook2019" stays a program's name.
    """
    token = text.strip()
    if not 6 <= len(token) <= 64 or any(c.isspace() for c in token) or "@" in token:
        return False
    lowered = token.lower()
    if lowered in known_words or re.sub(r"[\d._-]+", "", lowered) in known_words:  # "Outlook2019", "iPhone15"
        return False
    if token.startswith("/") or "://" in token or lowered.startswith("www."):
        return False
    if _DOMAIN_RE.fullmatch(lowered) or _ERROR_CODE_RE.fullmatch(lowered):  # "studio2000.it", "0x800CCC0E"
        return False
    has_letter = any(c.isalpha() for c in token)
    classes = sum(
        (
            any(c.islower() for c in token),
            any(c.isupper() for c in token),
            any(c.isdigit() for c in token),
            any(not c.isalnum() for c in token),
        )
    )
    if expecting_address:
        return has_letter and (classes >= 3 or (any(c.isdigit() for c in token) and len(token) >= 8))
    return has_letter and classes >= 3
