"""Delivering the outbox to the support mailbox by SMTP, with retries that survive restarts.

Each request becomes one plain-text email in Italian for the support team, built with
``email.message.EmailMessage`` from validated values (no CR or LF from a customer reaches a header), with
a Message-ID derived from the reference: a retry after a crash is recognisably the same message. Addresses
were checked where the customer typed them (``bot/core/address.py``); a name, free text a customer controls,
goes into a header through ``header_text``, so that no name makes a request unbuildable.
A refused connection, a timeout, a 4xx answer or a failed login is retried after OUTBOX_RETRY_SECONDS,
doubling up to an hour; a 5xx answer is permanent. Permanent failures, and requests still undelivered
after an hour, are reported to the support group once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import ssl
import threading
import time
import unicodedata
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from bot.config import Settings
from bot.core.ports import HANDOFF
from bot.desk.rules import LANGUAGE_NAMES
from bot.storage import OutboxStore
from bot.storage.outbox import Request

log = logging.getLogger(__name__)

MAX_DELAY = 3600.0
ALERT_AFTER = 3600.0
# A delivery in progress holds its request this long at most (SMTP times out at 30 s); a replica that dies
# meanwhile lets go sooner, once it is no longer seen (bot/storage/leases.py).
CLAIM_SECONDS = 120.0
CLAIM_BATCH = 4  # requests claimed at once: even all timing out, the last is tried well within its claim
RESTART_SECONDS = 5


class UnsafeValue(ValueError):
    """A value for a header contains a line break, a control character or an RFC 2047 encoded word."""


def _clean(value: str) -> str:
    """A header value from validated data, or UnsafeValue. Encoded words ("=?utf-8?q?...?=") are refused:
    the email library decodes them, and a decoded line break would add a header of the customer's."""
    if any(c in value for c in "\r\n") or any(ord(c) < 32 or ord(c) == 127 for c in value) or "=?" in value:
        raise UnsafeValue(repr(value))
    return value


NAME_IN_HEADER = 80  # characters of a customer's name in a Subject; the body has it whole
_WORD_JOINER = "\u2060"


def header_text(value: object, limit: int = NAME_IN_HEADER) -> str:
    """Text a customer controls (a Telegram name), safe in a header whatever it holds: control and format
    characters out (line breaks, bidi overrides), spaces collapsed, at most ``limit`` characters, and "=?"
    never the start of an RFC 2047 encoded word (the email library would decode it, and a decoded line break
    is a header of the customer's): an invisible word joiner goes between the two, and the library encodes
    the text like any other. The team reads what the customer wrote."""
    text = " ".join("".join(_header_char(c) for c in str(value)).split())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return text.replace("=?", "=" + _WORD_JOINER + "?")


def _header_char(c: str) -> str:
    category = unicodedata.category(c)
    if category in ("Cc", "Zl", "Zp"):
        return " "
    if category == "Cs":  # half a surrogate pair: not text
        return "\ufffd"
    if category == "Cf" and c != "\u200d":  # format characters, but the joiner of emoji sequences
        return ""
    return c


def _address(address: str) -> str | None:
    """An address as it goes into a header (its international domain in punycode), or None."""
    from bot.core.address import AddressError, parse_address

    try:
        return _clean(parse_address(address).ascii_email)
    except (AddressError, UnsafeValue):
        return None


def _reply_to(address: str) -> str:
    """An address for Reply-To that was checked when the customer typed it: UnsafeValue if it is not one."""
    checked = _address(address)
    if checked is None:
        raise UnsafeValue(repr(address))
    return checked


def message_id(reference: str, mail_from: str) -> str:
    domain = mail_from.rsplit("@", 1)[-1] or "localhost"
    return f"<{reference.lower()}@{domain}>"


def build_email(request: Request, settings: Settings) -> EmailMessage:
    """The email to the support mailbox for one request."""
    if request.kind == HANDOFF:
        return _handoff_email(request, settings)
    payload = request.payload
    mailboxes = [_clean(m) for m in request.mailboxes]
    message = EmailMessage()
    message["From"] = _clean(settings.mail_from)
    message["To"] = _clean(settings.support_email)
    contact = payload.get("contact") or ""
    if "@" in contact:
        message["Reply-To"] = _reply_to(contact)
    message["Subject"] = _clean(f"[{request.reference}] Attivazione IMAP: {', '.join(mailboxes)}")
    message["Message-ID"] = message_id(request.reference, settings.mail_from)
    message["Date"] = format_datetime(dt.datetime.fromtimestamp(request.created, dt.timezone.utc))
    message["X-Mailbot-Reference"] = request.reference
    created = dt.datetime.fromtimestamp(request.created).astimezone()
    lines = [
        "Nuova richiesta di attivazione IMAP ricevuta dal bot di assistenza.",
        "",
        f"Riferimento: {request.reference}",
        f"Caselle da attivare: {', '.join(mailboxes)}",
        f"Nome o azienda: {payload.get('name', '')}",
        f"Recapito per la risposta: {contact or '(non indicato)'}",
        f"Utente Telegram: {payload.get('telegram_name', '')} "
        f"(@{payload.get('telegram_username') or '-'}, id {payload.get('telegram_id', '-')})",
        f"Lingua del cliente: {LANGUAGE_NAMES.get(payload.get('lang', ''), payload.get('lang', ''))}",
        f"Data della richiesta: {created.strftime('%d/%m/%Y %H:%M %Z')}",
        "",
        "Il cliente è stato avvisato che riceverà conferma dal supporto quando IMAP sarà attivo.",
    ]
    message.set_content("\n".join(lines))
    return message


def _handoff_email(request: Request, settings: Settings) -> EmailMessage:
    """A conversation a customer wanted a person for, with its transcript (no support group configured)."""
    payload = request.payload
    message = EmailMessage()
    message["From"] = _clean(settings.mail_from)
    message["To"] = _clean(settings.support_email)
    email = str(payload.get("email") or "")
    reply_to = _address(email)  # an address seen in the conversation, not checked: Reply-To only if it is one
    if reply_to:
        message["Reply-To"] = reply_to
    name = " ".join(str(payload.get("name") or "").split())
    who = header_text(name) or "un cliente"
    message["Subject"] = f"[{_clean(request.reference)}] Richiesta di assistenza da {who} (Telegram)"
    message["Message-ID"] = message_id(request.reference, settings.mail_from)
    message["Date"] = format_datetime(dt.datetime.fromtimestamp(request.created, dt.timezone.utc))
    message["X-Mailbot-Reference"] = request.reference
    created = dt.datetime.fromtimestamp(request.created).astimezone()
    speakers = {"customer": "Cliente", "bot": "Bot"}
    lines = [
        "Un cliente ha chiesto di parlare con una persona. Non è configurato un gruppo Telegram del supporto:",
        "ecco la conversazione. Il cliente è stato invitato a scrivere a questo indirizzo citando il riferimento.",
        "",
        f"Riferimento: {request.reference}",
        f"Utente Telegram: {name} (@{payload.get('telegram_username') or '-'}, id {payload.get('telegram_id', '-')})",
        f"Indirizzo email indicato: {email or '(nessuno)'}",
        f"Lingua del cliente: {LANGUAGE_NAMES.get(payload.get('lang', ''), payload.get('lang', ''))}",
        f"Stava facendo: {payload.get('flow') or '-'} {payload.get('step') or ''}".rstrip(),
        f"Data: {created.strftime('%d/%m/%Y %H:%M %Z')}",
        "",
        "Conversazione (dalla più vecchia):",
    ]
    for speaker, text in payload.get("transcript", []):
        lines.append(f"{speakers.get(speaker, speaker)}: {text}")
    message.set_content("\n".join(lines))
    return message


def retry_delay(attempts: int, first: float) -> float:
    """Seconds before the next try after ``attempts`` failures: first, then doubling, at most an hour."""
    return min(MAX_DELAY, first * (2 ** max(0, attempts - 1)))


async def send(message: EmailMessage, settings: Settings, tls_context: ssl.SSLContext | None = None,
               timeout: float = 30) -> None:
    """One delivery attempt; raises aiosmtplib errors as they come."""
    security = settings.smtp_security
    context = tls_context or ssl.create_default_context()
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        use_tls=security == "tls",
        start_tls=True if security == "starttls" else False,
        tls_context=context if security != "none" else None,
        username=settings.smtp_username or None,
        password=settings.smtp_password.value if settings.smtp_password else None,
        timeout=timeout,
    )


def is_permanent(error: Exception) -> bool:
    code = getattr(error, "code", None)
    return isinstance(error, aiosmtplib.SMTPResponseException) and not isinstance(
        error, aiosmtplib.SMTPAuthenticationError
    ) and isinstance(code, int) and code >= 500


Notify = Callable[[Request], Awaitable[None]]


class Doorbell:
    """Rung from any thread when a request is stored (a turn runs in a worker thread), heard by the postman
    on its event loop. Rung before the postman listens, it is heard at its first wait."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._rung = False

    def ring(self) -> None:
        with self._lock:
            if self._loop is None or self._event is None:
                self._rung = True
                return
            loop, event = self._loop, self._event
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # the loop has closed: nobody listens any more
            pass

    async def wait(self, timeout: float) -> None:
        """Until rung, or ``timeout`` seconds."""
        with self._lock:
            if self._event is None or self._loop is not asyncio.get_running_loop():
                self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
            if self._rung:
                self._rung = False
                return
            event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout=timeout)
        except asyncio.TimeoutError:
            pass
        event.clear()


class Postman:
    """Delivers due requests; tells the customer once delivered, the support group when it keeps failing."""

    def __init__(
        self,
        outbox: OutboxStore,
        settings: Settings,
        on_delivered: Notify | None = None,
        on_trouble: Notify | None = None,
        tls_context: ssl.SSLContext | None = None,
        doorbell: Doorbell | None = None,
    ):
        self.outbox, self.settings = outbox, settings
        self.on_delivered, self.on_trouble = on_delivered, on_trouble
        self.tls_context = tls_context
        self.doorbell = doorbell or Doorbell()

    async def deliver(self, request: Request, claim: int | None = None) -> bool:
        """One attempt at one request, if no other process is sending it (``outbox retry`` beside a running
        bot, another replica): a claim in the outbox makes sure a request is never sent twice at once, and
        its epoch (``claim``, when already taken) that only its holder records the result."""
        from bot.metrics import METRICS  # here: ``ask`` and ``chat`` start without prometheus_client

        if claim is None:
            claim = await asyncio.to_thread(self.outbox.claim, request.id, CLAIM_SECONDS)
        if claim is None:
            log.info("request %s is being delivered elsewhere", request.reference)
            return False
        try:
            message = build_email(request, self.settings)
        except Exception as error:  # one request that cannot be built fails alone; the others go on
            log.error("request %s cannot be built and is not sent: %s: %s", request.reference,
                      type(error).__name__, error)
            await asyncio.to_thread(self.outbox.attempt_failed, request.id, f"cannot be built: {type(error).__name__}",
                                    time.time(), True, claim)
            METRICS.outbox_failed(permanent=True)
            await self._report_trouble(request.id)
            return False
        try:
            await send(message, self.settings, self.tls_context)
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as error:
            permanent = is_permanent(error)
            delay = retry_delay(request.attempts + 1, self.settings.outbox_retry_seconds)
            text = f"{type(error).__name__}: {error}"
            await asyncio.to_thread(self.outbox.attempt_failed, request.id, text, time.time() + delay, permanent, claim)
            METRICS.outbox_failed(permanent)
            log.warning("request %s not delivered (%s)%s", request.reference, text,
                        "; permanent" if permanent else f"; retrying in {delay:.0f} s")
        else:
            if not await asyncio.to_thread(self.outbox.delivered, request.id, None, claim):
                # Another replica took the claim over meanwhile (this one was cut off): it sends again, with
                # the same Message-ID, and records and reports the delivery.
                log.warning("request %s delivered, but its claim had moved to another replica", request.reference)
                return True
            METRICS.outbox_delivered()
            log.info("request %s delivered to %s", request.reference, self.settings.support_email)
            if self.on_delivered:
                await self._safely(self.on_delivered, request, self.outbox.mark_notified)
            return True
        await self._report_trouble(request.id)
        return False

    async def _report_trouble(self, request_id: int) -> None:
        current = await asyncio.to_thread(self.outbox.get, request_id)
        overdue = current is not None and time.time() - current.created >= ALERT_AFTER
        if current and not current.alerted and (current.state == "failed" or overdue):
            if self.on_trouble:
                await self._safely(self.on_trouble, current, self.outbox.mark_alerted)
            else:  # "outbox retry", the terminal chat: no other process looks at a failed request again
                log.error("request %s not delivered (%s) and nobody to alert from here", current.reference,
                          current.last_error)

    async def _safely(self, callback: Notify, request: Request, mark: Callable[[int], None]) -> None:
        try:
            await callback(request)
        except Exception:  # telling someone must never stop deliveries
            log.exception("could not report on request %s", request.reference)
        else:
            await asyncio.to_thread(mark, request.id)

    async def deliver_due(self) -> int:
        """Deliver every request that is due; returns how many went out."""
        sent = 0
        for request, claim in await asyncio.to_thread(self.outbox.claim_due, CLAIM_SECONDS, CLAIM_BATCH):
            sent += await self.deliver(request, claim)
        return sent

    async def run(self) -> None:
        """Deliver for ever: when woken by a new request, or when the next retry is due. Nothing a request
        does stops the loop: an unexpected error is logged and the loop goes on after a pause."""
        while True:
            try:
                await self.deliver_due()
                next_due = await asyncio.to_thread(self.outbox.next_due)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the outbox worker failed; going on in %d s", RESTART_SECONDS)
                await asyncio.sleep(RESTART_SECONDS)
                continue
            timeout = MAX_DELAY if next_due is None else max(0.05, next_due - time.time())
            await self.doorbell.wait(min(timeout, 60.0))
