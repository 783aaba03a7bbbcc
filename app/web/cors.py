"""CORS for the configured origins, with refusals in the one error shape: a preflight from
an origin, method or header not on the list gets 403 `cors_rejected` as JSON, not
Starlette's text/plain "Disallowed CORS origin"."""

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from app.web.errors import CorsRejected, error_response

REFUSED_PREFIX = "Disallowed CORS "


class Cors(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        # Starlette names what failed ("origin, method") after a fixed prefix
        failed = bytes(response.body).decode("utf-8", "replace").removeprefix(REFUSED_PREFIX)
        refused = error_response(
            CorsRejected(f"cross-origin request refused: its {failed or 'origin'} is not allowed")
        )
        for name, value in response.headers.items():
            if name not in ("content-length", "content-type"):
                refused.headers[name] = value
        return refused
