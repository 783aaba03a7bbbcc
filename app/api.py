"""The HTTP service: `create_app(settings)` wires the routers of app/web/ to the services
the lifespan builds once (policy, embedder, store, chat). Nothing is loaded at import."""

import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from app.settings import Settings
from app.web import catalog, chat, completions, docs, ops
from app.web.cors import Cors
from app.web.deps import Services
from app.web.errors import Unavailable, install_error_handlers
from app.web.head import HeadAsGet
from app.web.limits import Limits
from app.web.openai_errors import OpenAIError, OpenAIErrors, openai_error_response
from app.web.ratelimit import RateLimiter
from app.web.requests import RequestLog

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

STATIC_DIR = Path(__file__).parent / "web" / "static"
log = logging.getLogger("policybot.requests")


def create_app(settings: Settings | None = None, llm: "BaseChatModel | None" = None) -> FastAPI:
    """`llm`, when given, is the chat model to write answers with, whatever the settings say."""
    settings = settings or Settings()
    rate = RateLimiter(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = Services(settings, llm)
        app.state.services = services
        try:  # warm the caches; a missing store is reported by /readyz, not a crash
            services.run(lambda chat: chat.retriever.warm_up())
        except Unavailable as error:
            log.warning(json.dumps({"event": "store_not_ready", "reason": error.detail}))
        services.start()
        yield
        services.stop()
        await rate.close()

    app = FastAPI(
        title="policybot",
        version="0.1.0",
        summary="回答《关于进一步扩大上海服务消费的若干措施》的问题，并注明所依据的措施编号。",
        lifespan=lifespan,
        docs_url=None,  # app/web/docs.py serves both pages with assets of our own
        redoc_url=None,
        # no redirect from /v1/measures/6/ to /v1/measures/6: its Location would be built
        # from the Host header, which the client chooses
        redirect_slashes=False,
    )
    install_error_handlers(app)
    app.add_exception_handler(OpenAIError, openai_error_response)
    for module in (chat, completions, catalog, ops, docs):
        app.include_router(module.router)
    app.add_middleware(HeadAsGet)
    app.add_middleware(Limits, settings=settings, rate=rate)
    # outside the limits, so their 413 and 429 reach OpenAI clients in OpenAI's shape too
    app.add_middleware(OpenAIErrors, routes=completions.router.routes)
    if settings.cors_origins:
        app.add_middleware(
            Cors,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", settings.client_id_header],
        )
    app.add_middleware(RequestLog)
    # the more specific mount first: /static would otherwise answer /static/docs/… with 404
    app.mount(docs.ASSETS_URL, docs.assets(), name="docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.get("/", include_in_schema=False)(page)
    return app


def app_from_environment() -> FastAPI:
    """What `policybot serve` hands uvicorn, so that each worker process builds its own app
    (`uvicorn --factory app.api:app_from_environment` does the same): the settings from
    the POLICYBOT_* environment, one JSON log line per request on stdout."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    # the Chroma client's HTTP library logs every request at INFO: one line per store
    # refresh, every few seconds, in every worker
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return create_app(Settings())


def page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html")
