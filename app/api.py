"""The HTTP service: `create_app(settings)` builds it; the lifespan loads the policy, the
embedder and the store once, and requests share them."""

import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from app.answer import EXAMPLES_ZH, Citation
from app.chat import Chat, ChatResult, Turn
from app.errors import (
    EmptyMessage,
    HistoryTooLong,
    MessageTooLong,
    NotFound,
    Unavailable,
    install_error_handlers,
)
from app.query import clean
from app.retrieve import Retriever
from app.schemas import (
    AudienceOut,
    ChatRequest,
    ChatResponse,
    CitationOut,
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
from app.settings import Settings
from ingest.source import Policy, bundled_policy
from vectorstore.embeddings import load_embedder
from vectorstore.store import StoreError, open_store

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("policybot.requests")


class Services:
    """What requests share. The store is opened on first need and again after a failure,
    so a Chroma server that comes back is used without a restart."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.policy: Policy = bundled_policy()
        self.embedder = load_embedder(settings.embedder)
        self._chat: Chat | None = None
        self._lock = threading.Lock()

    def chat(self) -> Chat:
        with self._lock:
            if self._chat is None:
                try:
                    store = open_store(self.settings.store_dir, self.settings.chroma_url,
                                       self.embedder, self.settings.collection)
                    store.collection()
                except StoreError as error:
                    raise Unavailable(str(error)) from error
                retriever = Retriever(store, self.policy, self.settings.relevance_floor)
                self._chat = Chat(retriever, self.policy)
            return self._chat

    def run(self, work: Any) -> Any:
        """Run store-bound work; a store failure is a 503 and the next request reopens."""
        chat = self.chat()
        try:
            return work(chat)
        except StoreError as error:
            with self._lock:
                self._chat = None
            raise Unavailable(str(error)) from error


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 404, 413, 422, 429, 503)
}


def citation_out(citation: Citation) -> CitationOut:
    return CitationOut(**citation.__dict__, url=f"/v1/measures/{citation.measure}")


def check_message(message: str, history: list[Turn], settings: Settings) -> str:
    text = clean(message)
    if not text:
        raise EmptyMessage("the message is empty: type a question")
    if len(text) > settings.max_message_chars:
        raise MessageTooLong(f"the message has {len(text)} characters; the limit is "
                             f"{settings.max_message_chars}")
    if len(history) > settings.max_history_turns:
        raise HistoryTooLong(f"the history has {len(history)} turns; send at most the last "
                             f"{settings.max_history_turns}")
    return text


def chat_response(result: ChatResult, request_id: str) -> ChatResponse:
    return ChatResponse(
        answer=result.answer.text,
        citations=[citation_out(c) for c in result.answer.citations],
        grounded=result.answer.grounded,
        mode="llm" if result.mode == "llm" else "extractive",
        suggestions=list(result.answer.suggestions),
        request_id=request_id,
        fallback_reason=result.fallback_reason,
    )


def measure_summary(policy: Policy, number: int) -> dict[str, Any]:
    measure = policy.measure(number)
    notes = policy.notes[number]
    return {
        "measure": number,
        "label": measure.label,
        "title": measure.title,
        "title_en": notes.title_en,
        "section": measure.section.heading if measure.section else "",
        "audiences": list(notes.audiences),
        "topics": list(notes.topics),
    }


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = Services(settings)
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
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["Content-Type",
                                                                          settings.client_id_header])

    @app.middleware("http")
    async def request_log(request: Request, call_next: Any) -> Response:
        request_id = uuid.uuid4().hex
        request.state.request_id = request_id
        request.state.cited = []
        request.state.mode = None
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        log.info(json.dumps({
            "request_id": request_id,
            "endpoint": f"{request.method} {request.url.path}",
            "status": response.status_code,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "cited": request.state.cited,
            "mode": request.state.mode,
        }))
        return response

    @app.post("/v1/chat", response_model=ChatResponse, responses=ERRORS, tags=["chat"])
    def chat(body: ChatRequest, request: Request, services: ServicesDep) -> ChatResponse:
        """Answer a question with the measures it rests on."""
        message = check_message(body.message, body.history, settings)
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
                evidence=[EvidenceOut(text=e.text, start=e.start, end=e.end,
                                      score=round(e.score, 4)) for e in m.evidence[:3]],
            )
            for m in retrieval.ranked[: body.limit]
        ]
        return SearchResponse(query=query, in_scope=retrieval.in_scope, results=hits,
                              request_id=request.state.request_id)

    @app.get("/v1/measures", response_model=MeasureList, tags=["measures"])
    def measures(
        services: ServicesDep,
        audience: Annotated[str | None, Query(description="only measures serving this "
                                              "audience id, e.g. elderly")] = None,
    ) -> MeasureList:
        """The measures for browsing, optionally only those serving one audience."""
        policy = services.policy
        known = {a.id for a in policy.audiences}
        if audience is not None and audience not in known:
            raise NotFound(f"unknown audience {audience!r}: use one of {sorted(known)}")
        numbers = [m.number for m in policy.document.measures
                   if audience is None or audience in policy.notes[m.number].audiences]
        return MeasureList(
            measures=[MeasureSummary(**measure_summary(policy, n)) for n in numbers],
            audiences=[AudienceOut(**a.__dict__) for a in policy.audiences],
        )

    @app.get("/v1/measures/{number}", response_model=MeasureDetail, responses=ERRORS,
             tags=["measures"])
    def measure(number: int, services: ServicesDep) -> MeasureDetail:
        """One measure's full text."""
        policy = services.policy
        count = len(policy.document.measures)
        if not 1 <= number <= count:
            raise NotFound(f"there is no measure {number}: the document has measures 1 to {count}")
        parsed = policy.measure(number)
        return MeasureDetail(**measure_summary(policy, number), text=parsed.text,
                             sentences=[s.text for s in parsed.sentences],
                             doc_id=policy.doc_id, doc_title=policy.title)

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
        return JSONResponse({"status": "ready", "chunks": count,
                             "embedder": settings.embedder})

    if (STATIC_DIR / "index.html").exists():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

        @app.get("/", include_in_schema=False)
        def page() -> FileResponse:
            return FileResponse(STATIC_DIR / "index.html")

    return app
