"""The HTTP service: `create_app(settings)` builds it; the lifespan loads the policy, the
embedder and the store once, and requests share them."""

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from app import completions, stream
from app.answer import EXAMPLES_ZH
from app.chat import Turn
from app.errors import NotFound, Unavailable, install_error_handlers
from app.limits import Limits
from app.llm import writer_for
from app.query import clean
from app.schemas import (
    AudienceOut,
    ChatRequest,
    ChatResponse,
    ErrorResponse,
    EvidenceOut,
    MeasureDetail,
    MeasureList,
    MeasureSummary,
    SearchHit,
    SearchRequest,
    SearchResponse,
    Suggestions,
)
from app.services import (
    ERRORS,
    Services,
    ServicesDep,
    chat_response,
    check_message,
    measure_summary,
)
from app.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("policybot.requests")


def create_app(settings: Settings | None = None, llm: "BaseChatModel | None" = None) -> FastAPI:
    """`llm`, when given, is the chat model to write answers with, whatever the settings say."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = Services(settings, writer_for(settings, llm))
        app.state.services = services
        try:  # warm the caches; a missing store is reported by /readyz, not a crash
            services.run(lambda chat: chat.retriever.warm_up())
        except Unavailable as error:
            log.warning(json.dumps({"event": "store_not_ready", "reason": error.message}))
        yield

    app = FastAPI(
        title="policybot",
        version="0.1.0",
        summary="回答《关于进一步扩大上海服务消费的若干措施》的问题，并注明所依据的措施编号。",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(stream.router)
    app.include_router(completions.router)
    app.add_middleware(Limits, settings=settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", settings.client_id_header],
        )

    @app.middleware("http")
    async def request_log(request: Request, call_next: Any) -> Response:
        request_id = uuid.uuid4().hex
        request.state.request_id = request_id
        request.state.cited = []
        request.state.mode = None
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        log.info(
            json.dumps(
                {
                    "request_id": request_id,
                    "endpoint": f"{request.method} {request.url.path}",
                    "status": response.status_code,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                    "cited": request.state.cited,
                    "mode": request.state.mode,
                    **(
                        {"message": request.state.message}
                        if hasattr(request.state, "message")
                        else {}
                    ),
                },
                ensure_ascii=False,
            )
        )
        return response

    @app.post("/v1/chat", response_model=ChatResponse, responses=ERRORS, tags=["chat"])
    def chat(body: ChatRequest, request: Request, services: ServicesDep) -> ChatResponse:
        """Answer a question with the measures it rests on."""
        message = check_message(body.message, body.history, settings, request)
        history = [Turn(t.role, clean(t.content)) for t in body.history]
        result = services.run(lambda chat: chat.reply(message, history))
        request.state.cited = [c.measure for c in result.answer.citations]
        request.state.mode = result.mode
        return chat_response(result, request.state.request_id)

    @app.post("/v1/search", response_model=SearchResponse, responses=ERRORS, tags=["chat"])
    def search(body: SearchRequest, request: Request, services: ServicesDep) -> SearchResponse:
        """Measures ranked by relevance with their evidence, for clients that draw their own UI."""
        query = check_message(body.query, [], settings)
        retrieval = services.run(lambda chat: chat.retriever.retrieve(query))
        policy = services.policy
        hits = [
            SearchHit(
                measure=m.number,
                label=policy.measure(m.number).label,
                title=policy.measure(m.number).title,
                section=measure_summary(policy, m.number)["section"],
                score=round(m.score, 4),
                evidence=[
                    EvidenceOut(text=e.text, start=e.start, end=e.end, score=round(e.score, 4))
                    for e in m.evidence[:3]
                ],
            )
            for m in retrieval.ranked[: body.limit]
        ]
        return SearchResponse(
            query=query,
            in_scope=retrieval.in_scope,
            results=hits,
            request_id=request.state.request_id,
        )

    @app.get("/v1/measures", response_model=MeasureList, responses=ERRORS, tags=["measures"])
    def measures(
        services: ServicesDep,
        audience: Annotated[
            str | None, Query(description="only measures serving this audience id, e.g. elderly")
        ] = None,
    ) -> MeasureList:
        """The measures for browsing, optionally only those serving one audience."""
        policy = services.policy
        known = {a.id for a in policy.audiences}
        if audience is not None and audience not in known:
            raise NotFound(f"unknown audience {audience!r}: use one of {sorted(known)}")
        numbers = [
            m.number
            for m in policy.document.measures
            if audience is None or audience in policy.notes[m.number].audiences
        ]
        return MeasureList(
            measures=[MeasureSummary(**measure_summary(policy, n)) for n in numbers],
            audiences=[AudienceOut(**a.__dict__) for a in policy.audiences],
        )

    @app.get(
        "/v1/measures/{number}", response_model=MeasureDetail, responses=ERRORS, tags=["measures"]
    )
    def measure(number: int, services: ServicesDep) -> MeasureDetail:
        """One measure's full text."""
        policy = services.policy
        count = len(policy.document.measures)
        if not 1 <= number <= count:
            raise NotFound(f"there is no measure {number}: the document has measures 1 to {count}")
        parsed = policy.measure(number)
        return MeasureDetail(
            **measure_summary(policy, number),
            text=parsed.text,
            sentences=[s.text for s in parsed.sentences],
            doc_id=policy.doc_id,
            doc_title=policy.title,
        )

    @app.get("/v1/suggestions", response_model=Suggestions, tags=["chat"])
    def suggestions() -> Suggestions:
        """Example questions for a welcome screen."""
        return Suggestions(suggestions=list(EXAMPLES_ZH))

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {"model": ErrorResponse}})
    def readyz(services: ServicesDep) -> JSONResponse:
        count = services.run(lambda chat: chat.retriever.store.count())
        return JSONResponse({"status": "ready", "chunks": count, "embedder": settings.embedder})

    if (STATIC_DIR / "index.html").exists():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

        @app.get("/", include_in_schema=False)
        def page() -> FileResponse:
            return FileResponse(STATIC_DIR / "index.html")

    return app
