"""Addresses typed by customers, and passwords pasted by mistake."""

import pytest

from bot.core.address import AddressError, looks_like_password, parse_address


@pytest.mark.parametrize(
    "text, email, ascii_domain",
    [
        ("info@rossi.it", "info@rossi.it", "rossi.it"),
        ("  Info@ROSSI.it. ", "Info@rossi.it", "rossi.it"),
        ("<mario.rossi+shop@studio-rossi.co.uk>", "mario.rossi+shop@studio-rossi.co.uk", "studio-rossi.co.uk"),
        ("posta@caffè.it", "posta@caffè.it", "xn--caff-8oa.it"),
        ("info@MÜNCHEN.de", "info@münchen.de", "xn--mnchen-3ya.de"),
    ],
)
def test_valid_addresses(text, email, ascii_domain):
    address = parse_address(text)
    assert (address.email, address.ascii_domain) == (email, ascii_domain)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("info @rossi.it", "spaces"),
        ("info@rossi.it\namministrazione@rossi.it", "several"),
        ("info@ross\ni.it", "spaces"),
        ("mario rossi", "no_at"),
        ("info", "no_at"),
        ("a@b@c.it", "several"),
        ("a..b@rossi.it", "local"),
        (".a@rossi.it", "local"),
        ("a@rossi", "domain"),
        ("a@-rossi.it", "domain"),
        ("a@rossi.i", "domain"),
        ("a@rossi.123", "domain"),
        ("a@" + "x" * 64 + ".it", "domain"),
        # Regression (issue 18): an RFC 2047 encoded word passed here and was refused by the mail builder.
        ("=?utf-8?q?x=0D=0ABcc=3A_spy?=@rossi.it", "local"),
        ("info=?x?=@rossi.it", "local"),
    ],
)
def test_invalid_addresses_say_why(text, reason):
    with pytest.raises(AddressError) as error:
        parse_address(text)
    assert error.value.reason == reason


@pytest.mark.parametrize("text", ["Password123!", "Tr0ub4dor&3", "S3gret0!", "x9$Kq2mZ"])
def test_passwords_are_spotted(text):
    assert looks_like_password(text)


@pytest.mark.parametrize("text", ["ciao", "thunderbird", "Outlook2019", "iPhone15", "info@rossi.it", "/start", "pop3", "grazie!"])
def test_ordinary_words_are_not_passwords(text):
    assert not looks_like_password(text, frozenset({"outlook", "iphone", "thunderbird", "grazie"}))


def test_where_an_address_was_asked_for_letters_and_digits_are_enough():
    assert looks_like_password("mario1975", expecting_address=True)
    assert not looks_like_password("mario1975")


@pytest.mark.parametrize("text", ["studio2000.it", "mail.rossi2024.com", "0x800CCC0E"])
def test_a_domain_or_an_error_code_is_not_a_password(text):
    assert not looks_like_password(text, expecting_address=True)
