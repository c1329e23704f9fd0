"""A real SMTP server on loopback for the tests (aiosmtpd), with TLS, login and scripted failures."""

from __future__ import annotations

import email
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from ports import free_port


class Recorder:
    """Keeps every message accepted; answers the next DATA commands with scripted codes."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.Message]] = []
        self.script: list[str] = []
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.script:
                return self.script.pop(0)
            self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.original_content)))
        return "250 OK"


class SMTPServer:
    def __init__(self, port: int | None = None, *, implicit_tls: ssl.SSLContext | None = None,
                 starttls: ssl.SSLContext | None = None, login: tuple[str, str] | None = None):
        self.port = port or free_port()
        self.recorder = Recorder()
        kwargs = {}
        if starttls is not None:
            kwargs["tls_context"] = starttls
            kwargs["require_starttls"] = True
        if login is not None:
            def authenticate(server, session, envelope, mechanism, auth_data):
                ok = (isinstance(auth_data, LoginPassword)
                      and (auth_data.login.decode(), auth_data.password.decode()) == login)
                return AuthResult(success=ok)

            kwargs["authenticator"] = authenticate
            kwargs["auth_require_tls"] = starttls is not None or implicit_tls is not None
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port,
                                     ssl_context=implicit_tls, ready_timeout=10, **kwargs)

    def __enter__(self) -> "SMTPServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def messages(self):
        return self.recorder.messages

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} message(s) received, {count} expected")
            time.sleep(0.02)
