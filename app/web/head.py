"""HEAD on every GET route. FastAPI answers HEAD with 405 unless each route lists it, so
this runs a HEAD as the GET it mirrors and drops the body: a probe, a link checker or a
cache sees the status and headers (Content-Length included) that the GET would get."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # a copy: the server still knows the request as HEAD and sends no body either
        await self.app({**scope, "method": "GET"}, receive, without_body)
