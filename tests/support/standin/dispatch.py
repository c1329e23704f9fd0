"""Routing one HTTP request to its API method, with the calls recorded and faults injected."""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .limits import (
    CANONICAL,
    ApiError,
    ClientGone,
    bad_request,
)
from .server import coerce_params, parse_multipart


class Dispatch:
    """Routing one HTTP request to its API method, with the calls recorded and faults injected."""

    # ---- request dispatch -------------------------------------------------------------------

    def dispatch(self, path: str, headers: Any, body: bytes, connection: socket.socket | None = None
                 ) -> tuple[int, dict] | None:
        """Route one HTTP request; return (status, JSON payload), None if the client is gone.
        ``connection``: the client's socket, which a long poll watches to see its client go."""
        self._local.connection = connection
        try:
            return self._route(path, headers, body)
        finally:
            self._local.connection = None

    def _route(self, path: str, headers: Any, body: bytes) -> tuple[int, dict] | None:
        parts = urlsplit(path)
        if not parts.path.startswith("/bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, _, method = parts.path[len("/bot"):].partition("/")
        method = method.strip("/")
        key = method.lower()
        name = CANONICAL.get(key, method)
        params: dict[str, Any] = {}
        try:
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            params.update(self._body_params(headers, body))
            params = coerce_params(params)
            params = self._resolve_attachments(params)
        except ApiError as error:
            return self._answer_error(name, params, error)
        with self._cond:
            self._calls.append((name, params))
            self._call_times.append(time.monotonic())
            self._cond.notify_all()
            while key in self._holds and not self._closed:
                self._cond.wait(0.1)
        if not method:
            return self._answer_error(name, params, ApiError(404, "Not Found"))
        if token != self.token:
            return self._answer_error(name, params, ApiError(401, "Unauthorized"))
        try:
            self._injected_fault(key)
            handler = getattr(self, f"_api_{key}", None) if key in CANONICAL else None
            if handler is None:
                raise ApiError(404, "Not Found")
            with self._lock:
                self._check_chat_access(key, params)
            result = handler(params)
        except ApiError as error:
            return self._answer_error(name, params, error)
        except ClientGone:
            return None
        except Exception as error:  # a bug of the fake: answer 500 and remember it
            with self._lock:
                self._internal_errors.append(f"{name}: {type(error).__name__}: {error}")
            return self._answer_error(name, params, ApiError(500, f"Internal Server Error: {error}"))
        return 200, {"ok": True, "result": result}

    def _answer_error(self, name: str, params: dict, error: ApiError) -> tuple[int, dict]:
        with self._lock:
            self._errors.append((name, params, error.status, error.description))
            if error.status == 429:
                self._answered_429.append((time.monotonic(), name, params, error.retry_after))
            if error.status == 400 and not any(e in error.description for e in self._expected_refusals):
                self._refusals.append((name, params, error.description))
        payload: dict[str, Any] = {"ok": False, "error_code": error.status, "description": error.description}
        if error.retry_after is not None:
            payload["parameters"] = {"retry_after": error.retry_after}
        return error.status, payload

    @staticmethod
    def _body_params(headers: Any, body: bytes) -> dict[str, Any]:
        content_type = headers.get("Content-Type", "") or ""
        kind = content_type.split(";")[0].strip().lower()
        if not body:
            return {}
        if kind == "application/json":
            try:
                data = json.loads(body.decode("utf-8"))
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(data, dict):
                raise bad_request("JSON object expected")
            return data
        if kind == "multipart/form-data":
            return parse_multipart(body, content_type)
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))

    @staticmethod
    def _resolve_attachments(params: dict[str, Any]) -> dict[str, Any]:
        """Replace "attach://name" values by the uploaded file of that name."""
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                attached = params.get(value[len("attach://"):])
                if isinstance(attached, dict):
                    params[key] = attached
        return params

    def _injected_fault(self, key: str) -> None:
        with self._lock:
            failure = self._failures.get(key)
            if failure is not None:
                if failure["count"] is not None:
                    failure["count"] -= 1
                    if failure["count"] <= 0:
                        del self._failures[key]
                raise ApiError(failure["status"], failure["description"])
            pending = self._injected_429.get(key)
            if pending:
                retry_after = pending.pop(0)
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

