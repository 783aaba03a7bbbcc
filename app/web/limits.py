"""What one client may ask of the service: a body-size limit, a rate limit and a time limit,
as one pure ASGI middleware, so streaming responses pass through untouched.

- Body size: a Content-Length over `max_body_bytes` is refused before anything is read; a
  chunked body is counted while it arrives and refused once it passes the limit (413).
- Rate: moving windows per client and per address (429 with Retry-After), in Redis when
  configured so that every replica shares them (`ratelimit.py`). A client is the
  pseudonymous id in the `client_id_header` when it is well formed, its IP otherwise; the
  IP is the connection's, or X-Forwarded-For's from a trusted proxy (uvicorn sets it).
- Time: a request that has not started its response after `request_timeout_seconds` gets a
  504. The sync endpoints run in FastAPI's thread pool and a thread cannot be stopped, so
  the abandoned work finishes in the background and its result is dropped; the limit frees
  the client and the connection, not the thread.
"""

import asyncio
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings
from app.web.errors import (
    BadRequest,
    PayloadTooLarge,
    PolicybotError,
    RateLimited,
    RequestTimeout,
    error_response,
)
from app.web.ratelimit import RateLimiter, retry_after

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:=+/-]{1,64}$")
log = logging.getLogger("policybot.requests")


def host_of(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def client_key(scope: Scope, header: str) -> str:
    wanted = header.lower().encode("latin-1")
    for name, value in scope.get("headers", ()):
        if name == wanted:
            client_id = value.decode("latin-1").strip()
            if CLIENT_ID.match(client_id):
                return f"id:{client_id}"
            break  # malformed: counted against the address it came from
    return f"ip:{host_of(scope)}"


def content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            if not text.isdigit():
                raise BadRequest("the Content-Length header is not a number")
            return int(text)
    return None


class Limits:
    def __init__(self, app: ASGIApp, settings: Settings, rate: RateLimiter) -> None:
        self.app = app
        self.max_body_bytes = settings.max_body_bytes
        self.timeout = settings.request_timeout_seconds
        self.client_id_header = settings.client_id_header
        self.rate = rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.admit(scope)
        except PolicybotError as error:
            await error_response(error)(scope, receive, send)
            return
        await self.call_with_limits(scope, receive, send)

    async def admit(self, scope: Scope) -> None:
        if self.rate.enabled and scope["path"] not in EXEMPT_PATHS:
            wait = await self.rate.wait(client_key(scope, self.client_id_header), host_of(scope))
            if wait > 0:
                seconds = retry_after(wait)
                raise RateLimited(
                    f"too many requests: try again in {seconds} s",
                    headers={"Retry-After": str(seconds)},
                )
        length = content_length(scope)
        if length is not None and length > self.max_body_bytes:
            raise self.too_large()

    def too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"the body is larger than {self.max_body_bytes} bytes: send a "
            f"shorter message and at most the last few turns of history"
        )

    async def call_with_limits(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        overflowed = False
        timed_out = False
        started = asyncio.Event()

        async def counted_receive() -> Message:
            nonlocal received, overflowed
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    overflowed = True
                    raise HTTPException(413, self.too_large().message)
            return message

        async def guarded_send(message: Message) -> None:
            if timed_out:
                return  # the client already has its 504
            if message["type"] == "http.response.start":
                started.set()
                if overflowed and message["status"] != 413:
                    # the app turned the overflow into something else: answer 413 ourselves
                    await error_response(self.too_large())(scope, receive, send)
                    return
            await send(message)

        task = asyncio.ensure_future(self.app(scope, counted_receive, guarded_send))
        waiting = asyncio.ensure_future(started.wait())
        try:
            await asyncio.wait(
                {task, waiting}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED
            )
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            waiting.cancel()
        if not task.done() and not started.is_set():
            timed_out = True
            task.cancel()
            task.add_done_callback(_finished_late(scope))
            await error_response(
                RequestTimeout(f"the request took longer than {self.timeout:g} s: please try again")
            )(scope, receive, send)
            return
        await task


def _finished_late(scope: Scope) -> Callable[["asyncio.Future[Any]"], None]:
    def report(task: "asyncio.Future[Any]") -> None:
        error = None if task.cancelled() else task.exception()
        log.warning(
            json.dumps(
                {
                    "event": "finished_after_timeout",
                    "path": scope.get("path"),
                    "error": type(error).__name__ if error else None,
                }
            )
        )

    return report
