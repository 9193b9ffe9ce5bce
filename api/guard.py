"""The outer guard of every request, as plain ASGI so that it sees the whole exchange, streams included.

In order: the declared body size; the credentials, checked from the headers *before* any body byte is
read (a bogus key costs the server a hash, never a 300 MB upload); failed credentials limited per client;
the concurrency slot, held until the last byte of the response (a stream keeps its slot); the request
deadline, which also ends a stream; the body size again while it streams, whatever the headers claimed.
Every response, however it ends, is counted by route and status.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

from opentelemetry.trace import SpanKind
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Match

from api import problems
from api.auth import AuthFailedError, authenticate
from api.limits import auth_fail_key, retry_after
from api.state import AppState
from kernel.logs import request_id
from kernel.telemetry import extract_context, tracer

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_PATHS = ("/healthz", "/readyz", "/metrics")
log = logging.getLogger("cairn.api")
# A caller's request id is echoed and logged only when it is a plain token; anything else gets a fresh one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]


class BodyTooLargeError(HTTPException):
    """Raised from `receive` once a body passes its limit; FastAPI re-raises HTTPExceptions unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request bodies are limited to {limit} bytes")
        self.limit = limit


class Guard:
    def __init__(self, app: App, state: AppState, routes: Callable[[], list[Any]]) -> None:
        self.app, self.state, self.routes = app, state, routes
        self.slots = asyncio.Semaphore(state.settings.max_concurrency)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        rid = headers.get("x-request-id", "")
        rid = rid if _REQUEST_ID.fullmatch(rid) else uuid.uuid4().hex
        request_id.set(rid)
        exchange = _Exchange(send, self._route(scope), rid)
        # A caller's `traceparent` makes this request a child of its trace.
        with tracer().start_as_current_span(f"{scope['method']} {exchange.route}", context=extract_context(headers),
                                            kind=SpanKind.SERVER) as span:
            span.set_attribute("cairn.request_id", rid)
            span.set_attribute("http.request.method", scope["method"])
            span.set_attribute("http.route", exchange.route)
            try:
                await self._guarded(scope, receive, exchange)
            finally:
                span.set_attribute("http.response.status_code", exchange.status)
                took = time.perf_counter() - exchange.t0
                self.state.services.metrics.http_requests.labels(exchange.route, str(exchange.status)).inc()
                self.state.services.metrics.http_latency.labels(exchange.route).observe(took)
                # The access log line, inside the request's span: it carries the trace and request ids.
                log.info("%s %s %d", scope["method"], exchange.route, exchange.status,
                         extra={"route": exchange.route, "status": exchange.status, "ms": round(took * 1000, 1)})

    async def _guarded(self, scope: Scope, receive: Receive, ex: _Exchange) -> None:
        s = self.state.settings
        headers = Headers(scope=scope)
        is_upload = scope["path"].endswith("/documents") and scope["method"] == "POST"
        limit = s.max_upload_bytes + 64 * 1024 if is_upload else s.max_body_bytes
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await ex.problem(scope, 413, "Payload too large", f"request bodies are limited to {limit} bytes")
            return
        if scope["path"].startswith("/v1/") and not await self._authenticated(scope, headers, ex):
            return
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and scope["path"].startswith("/v1/corpora") and (
                self.state.flags.is_off("writes")):
            await ex.problem(scope, 503, "Writes switched off", "an operator switched off writes to the index "
                             "(`cairn flags on writes`); reads go on", {"Retry-After": "60"})
            return
        if self.slots.locked():
            await ex.problem(scope, 503, "Service busy", "too many requests in flight; retry shortly",
                             {"Retry-After": "1"})
            return
        async with self.slots:
            try:
                async with asyncio.timeout(s.request_timeout_s):
                    await self.app(scope, _limited(receive, limit), ex.send)
            except TimeoutError:
                await ex.end_late(scope, 504, "Request timeout", f"no response within {s.request_timeout_s:g} s")
            except BodyTooLargeError as exc:
                await ex.end_late(scope, 413, "Payload too large", str(exc.detail))

    async def _authenticated(self, scope: Scope, headers: Headers, ex: _Exchange) -> bool:
        state = self.state
        fail_key = auth_fail_key((scope.get("client") or (None, 0))[0])
        wait = state.auth_failures.peek(fail_key)
        if wait > 0:
            await ex.problem(scope, 429, "Too many requests", "too many failed sign-ins from this client",
                             {"Retry-After": retry_after(wait)})
            return False
        try:
            who = await asyncio.to_thread(authenticate, state.services.store, state.verifier,
                                          headers.get("authorization"), headers.get("x-api-key"))
        except AuthFailedError as exc:
            state.auth_failures.take(fail_key)
            await ex.problem(scope, 401, "Unauthorized", str(exc), {"WWW-Authenticate": "Bearer"})
            return False
        scope.setdefault("state", {})["principal"] = who
        return True

    def _route(self, scope: Scope) -> str:
        """The route's template (bounded label values), or 'unmatched'."""
        for route in _leaves(self.routes()):
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return str(route.path)
        return "unmatched"


def _leaves(routes: list[Any]) -> Iterator[Any]:
    """Routes with a path template. FastAPI keeps an included router as one entry that matches for all its
    routes and has no path of its own: labelled by it, every API request was 'unmatched'."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _leaves(list(inner.routes))
        elif hasattr(route, "path"):
            yield route


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLargeError(limit)
        return message

    return counted


class _Exchange:
    """One response as it goes out: its status for the metrics, whether headers have left yet."""

    def __init__(self, send: Send, route: str, request_id: str) -> None:
        self._send, self.route, self.request_id = send, route, request_id
        self.status = 0
        self.started = False
        self.finished = False
        self.streaming = False
        self.t0 = time.perf_counter()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status, self.started = message["status"], True
            headers = list(message.get("headers", []))
            names = {k.lower() for k, _ in headers}
            headers += [h for h in SECURITY_HEADERS if h[0] not in names]
            headers.append((b"x-request-id", self.request_id.encode()))
            self.streaming = any(k.lower() == b"content-type" and v.startswith(b"text/event-stream")
                                 for k, v in headers)
            message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self.finished = True
        await self._send(message)

    async def problem(self, scope: Scope, status: int, title: str, detail: str,
                      headers: dict[str, str] | None = None) -> None:
        """The API's one problem shape (api.problems), sent before the app has seen the request."""
        response = problems.problem(Request(scope), status, title, detail, headers)
        await response(scope, _no_body, self.send)

    async def end_late(self, scope: Scope, status: int, title: str, detail: str) -> None:
        """A refusal that may come after the response began: a problem if nothing left yet, else the
        stream's last event says why it ends."""
        if not self.started:
            await self.problem(scope, status, title, detail)
            return
        if self.finished:
            return
        tail = b""
        if self.streaming:
            data = json.dumps({"title": title, "status": status, "detail": detail})
            tail = f"event: error\ndata: {data}\n\n".encode()
        self.status = status
        await self._send({"type": "http.response.body", "body": tail, "more_body": False})
        self.finished = True
