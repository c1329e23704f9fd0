"""The HTTP plumbing of the stand-in: a threaded server, the request handler, form and multipart bodies."""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .limits import (
    BOOL_FIELDS,
    FLOAT_FIELDS,
    INT_FIELDS,
    JSON_FIELDS,
    bad_request,
)

if TYPE_CHECKING:
    from .fake import FakeTelegram


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Connections waiting to be accepted: past socketserver's 5, the client's SYN is dropped and retried a
    # second later, and a call made at once by many chats reaches the stand-in a second late.
    request_queue_size = 128

    def __init__(self, address, fake: "FakeTelegram"):
        self.fake = fake
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeTelegram/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base
        """Silence the per-request logging of BaseHTTPRequestHandler."""

    def setup(self) -> None:
        super().setup()
        self.server.fake.track_connection(self.connection, open_=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake.track_connection(self.connection, open_=False)

    def do_POST(self) -> None:
        self._serve()

    do_GET = do_POST

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:  # the client died mid-request (kill -9): nothing to act on, as on Telegram
            raise ConnectionResetError("request body cut short")
        return body

    def _serve(self) -> None:
        try:
            body = self._read_body()
            fake = self.server.fake
            answer = fake.dispatch(self.path, self.headers, body, self.connection)
            if answer is None:  # the client went away during a long poll: nobody to answer
                self.close_connection = True
                return
            status, payload = answer
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            self.close_connection = True


def parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """multipart/form-data -> {name: str | {"filename", "content_type", "bytes"}}."""
    match = re.search(r'boundary=(?:"([^"]+)"|([^;\s]+))', content_type)
    if not match:
        raise bad_request("can't parse multipart/form-data: no boundary")
    boundary = (match.group(1) or match.group(2)).encode("latin-1")
    fields: dict[str, Any] = {}
    for part in (b"\r\n" + body).split(b"\r\n--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part[2:] if part.startswith(b"\r\n") else part
        head, _, data = part.partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _disposition_param(disposition, "name")
        if name is None:
            continue
        filename = _disposition_param(disposition, "filename")
        if filename is None:
            fields[name] = data.decode("utf-8", "replace")
        else:
            fields[name] = {
                "filename": filename,
                "content_type": headers.get("content-type", "application/octet-stream"),
                "bytes": data,
            }
    return fields


def _disposition_param(disposition: str, key: str) -> str | None:
    star = re.search(rf"(?:^|;)\s*{key}\*=([^']*)'[^']*'([^;]*)", disposition)
    if star:
        return unquote(star.group(2), encoding=star.group(1) or "utf-8")
    match = re.search(rf'(?:^|;)\s*{key}=(?:"((?:[^"\\]|\\.)*)"|([^;]*))', disposition)
    if not match:
        return None
    if match.group(1) is None:
        return match.group(2).strip()
    value = re.sub(r"\\(.)", r"\1", match.group(1))
    return value.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")


def coerce_params(params: dict[str, Any]) -> dict[str, Any]:
    """Decode the JSON-encoded, integer and boolean parameters of a form post."""
    result = {}
    for key, value in params.items():
        if isinstance(value, str):
            if key in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    what = "reply keyboard markup" if key == "reply_markup" else key
                    raise bad_request(f"can't parse {what} JSON object") from None
            elif key in INT_FIELDS and re.fullmatch(r"\s*-?\d+\s*", value):
                value = int(value)
            elif key in FLOAT_FIELDS and re.fullmatch(r"\s*-?\d+\s*", value):
                value = int(value)
            elif key in FLOAT_FIELDS and value.strip():
                try:
                    value = float(value)
                except ValueError:
                    pass
            elif key in BOOL_FIELDS and value.lower() in ("true", "false"):
                value = value.lower() == "true"
        result[key] = value
    return result


