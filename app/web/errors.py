"""The service's errors. Each carries its HTTP status and a stable code; one handler turns
any of them (and FastAPI's own) into the one JSON body:

    {"error": {"code": "message_too_long", "message": "…"}}

The message is public: it says what is wrong and what to do, never a URL, a path or a
driver's exception text. Those go in `detail`, which the request's log line carries.

    PolicybotError (500 internal_error)
    ├── BadRequest (400 bad_request)
    │   ├── MalformedJSON (400 malformed_json)
    │   └── InvalidRequest (422 invalid_request)
    │       ├── EmptyMessage (422 empty_message)
    │       ├── MessageTooLong (422 message_too_long)
    │       └── HistoryTooLong (422 history_too_long)
    ├── CorsRejected (403 cors_rejected)
    ├── NotFound (404 not_found)
    ├── PayloadTooLarge (413 payload_too_large)
    ├── RateLimited (429 rate_limited)
    ├── Unavailable (503 store_unavailable)
    └── RequestTimeout (504 timeout)
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class PolicybotError(Exception):
    status = 500
    code = "internal_error"

    def __init__(
        self, message: str, headers: dict[str, str] | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers
        self.detail = detail  # for the log only


class BadRequest(PolicybotError):
    status, code = 400, "bad_request"


class MalformedJSON(BadRequest):
    status, code = 400, "malformed_json"


class InvalidRequest(BadRequest):
    status, code = 422, "invalid_request"


class EmptyMessage(InvalidRequest):
    code = "empty_message"


class MessageTooLong(InvalidRequest):
    code = "message_too_long"


class HistoryTooLong(InvalidRequest):
    code = "history_too_long"


class CorsRejected(PolicybotError):
    status, code = 403, "cors_rejected"


class NotFound(PolicybotError):
    status, code = 404, "not_found"


class PayloadTooLarge(PolicybotError):
    status, code = 413, "payload_too_large"


class RateLimited(PolicybotError):
    status, code = 429, "rate_limited"


class Unavailable(PolicybotError):
    status, code = 503, "store_unavailable"


class RequestTimeout(PolicybotError):
    status, code = 504, "timeout"


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def error_response(error: PolicybotError) -> JSONResponse:
    return JSONResponse(
        error_body(error.code, error.message), status_code=error.status, headers=error.headers
    )


STATUS_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}

MALFORMED_JSON_MESSAGE = 'the body is not valid JSON: send {"message": "…"} as UTF-8 JSON'


def _describe(errors: list[Any]) -> str:
    parts = []
    for error in errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PolicybotError)
    async def policybot_error(request: Request, error: PolicybotError) -> JSONResponse:
        if error.detail:
            request.state.error_detail = error.detail  # the request log writes it
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = list(error.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(MalformedJSON(MALFORMED_JSON_MESSAGE))
        return error_response(
            InvalidRequest(f"the request does not match the schema: {_describe(errors)}")
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == "There was an error parsing the body":
            # FastAPI's word for a body that is not UTF-8 (or otherwise undecodable)
            return error_response(MalformedJSON(MALFORMED_JSON_MESSAGE))
        code = STATUS_CODES.get(error.status_code, "http_error")
        message = error.detail if isinstance(error.detail, str) else "request failed"
        return JSONResponse(
            error_body(code, message),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # the details go to the log with the request id, never to the client
        return JSONResponse(
            error_body("internal_error", "something went wrong on our side; please try again"),
            status_code=500,
        )
