"""One JSON line per request: its id, endpoint, status, latency, the measures it cited and
the answering mode; the user's text only when `log_messages` is on (a handler puts it in
the request state then). Pure ASGI, outermost, so a 413 or 429 is logged too, and a
streamed answer passes through untouched."""

import json
import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("policybot.requests")


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        # what handlers read and write as request.state
        state: dict[str, Any] = scope.setdefault("state", {})
        state.update(request_id=request_id, cited=[], mode=None)
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            entry = {
                "request_id": request_id,
                "endpoint": f"{scope['method']} {scope['path']}",
                "status": status,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                "cited": state.get("cited", []),
                "mode": state.get("mode"),
            }
            if "message" in state:
                entry["message"] = state["message"]
            if "error_detail" in state:  # what the public error body leaves out
                entry["error"] = state["error_detail"]
            log.info(json.dumps(entry, ensure_ascii=False))
