"""Errors in OpenAI's shape on the OpenAI-compatible routes, so the SDKs raise their typed
errors (`BadRequestError`, `NotFoundError`, `RateLimitError`, …) with a readable message:

    {"error": {"message": "…", "type": "invalid_request_error", "param": "n", "code": "…"}}

The rest of the API keeps the service's own body (app/web/errors.py). Two ways in:

- `OpenAIError` and its subclasses, raised by the OpenAI routes for what only they reject,
  carry the offending `param` and are drawn in this shape directly:

      OpenAIError (400 invalid_request)
      ├── UnsupportedOption (400 unsupported_option)
      └── ModelNotFound (404 model_not_found)

- `OpenAIErrors`, a pure ASGI middleware placed outside the limits, redraws any error in
  the service's shape that a request to one of those routes gets: schema errors (422),
  a body too large (413), rate limits (429), timeouts (504), a wrong method (405). Bodies
  of other responses, streams included, pass through untouched.
"""

import json
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.errors import PolicybotError


class OpenAIError(PolicybotError):
    status, code = 400, "invalid_request"

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class UnsupportedOption(OpenAIError):
    code = "unsupported_option"


class ModelNotFound(OpenAIError):
    status, code = 404, "model_not_found"


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str = Field(examples=["invalid_request_error"])
    param: str | None = Field(examples=["n"])
    code: str = Field(examples=["unsupported_option"])


class OpenAIErrorResponse(BaseModel):
    error: OpenAIErrorDetail


OPENAI_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": OpenAIErrorResponse} for status in (400, 404, 413, 422, 429, 503)
}


def error_type(status: int) -> str:
    if status >= 500:
        return "server_error"
    return "rate_limit_error" if status == 429 else "invalid_request_error"


def openai_error_body(
    status: int, code: str, message: str, param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type(status), "param": param, "code": code}}


async def openai_error_response(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, OpenAIError)
    body = openai_error_body(error.status, error.code, error.message, error.param)
    return JSONResponse(body, status_code=error.status)


class OpenAIErrors:
    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(
            route.matches(scope)[0] is not Match.NONE for route in self.routes
        ):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def reshaped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and is_json_error(message):
                start = message  # held until the whole body is here
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = redrawn(start["status"], b"".join(chunks))
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, reshaped)


# where the service's words name /v1/chat's body, an OpenAI client needs its own
MESSAGES = {
    "malformed_json": "the body is not valid JSON: send a chat completions request as UTF-8 JSON"
}


def is_json_error(start: Message) -> bool:
    content_type = dict(start.get("headers", [])).get(b"content-type", b"")
    return start["status"] >= 400 and content_type.startswith(b"application/json")


def redrawn(status: int, body: bytes) -> bytes:
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return body
    if not isinstance(error, dict) or "type" in error:  # not ours, or already OpenAI's
        return body
    code = str(error.get("code", "error"))
    message = MESSAGES.get(code) or str(error.get("message", "request failed"))
    reshaped = openai_error_body(status, code, message)
    return json.dumps(reshaped, ensure_ascii=False).encode()
