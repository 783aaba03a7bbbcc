"""`POST /v1/chat` and `POST /v1/chat/stream`: one turn as JSON, or as Server-Sent Events,
so a client shows the sources at once and the text as it is written.

    event: citations   {"citations": [...], "grounded": true, "request_id": "…"}
    event: delta       {"text": "…"}            (any number of these)
    event: done        the /v1/chat response plus {"replaced": true|false}
    event: error       {"error": {"code", "message"}}

Each data line is one line of JSON. Before a model answer, `citations` lists the measures
offered to it; `done` lists the ones the validated answer cites. `replaced` is true when
the final answer is not the text the deltas spelled out (validation failed or removed a
label after the text was sent): the client then shows `done.answer` instead. A request
that fails its checks gets the JSON error body and a 4xx before any event is sent.
Plain SSE framing over chunked HTTP/1.1, uncompressed, which is what the WeChat
mini-program's `wx.request({enableChunked: true})` reads.
"""

import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from app.core.question import clean
from app.core.turn import Delta, Event, Sources, Turn
from app.settings import Settings
from app.web.deps import ERRORS, ServicesDep
from app.web.errors import (
    EmptyMessage,
    HistoryTooLong,
    InvalidRequest,
    MessageTooLong,
    error_body,
)
from app.web.schemas import ChatRequest, ChatResponse, CitationOut
from ingest.source import Audience, Corpus

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
log = logging.getLogger("policybot.requests")
router = APIRouter(tags=["chat"])


def check_message(
    message: str, history: Sequence[Any], settings: Settings, request: Request
) -> str:
    text = clean(message)
    if not text:
        raise EmptyMessage("the message is empty: type a question")
    if len(text) > settings.max_message_chars:
        raise MessageTooLong(
            f"the message has {len(text)} characters; the limit is {settings.max_message_chars}"
        )
    if len(history) > settings.max_history_turns:
        raise HistoryTooLong(
            f"the history has {len(history)} turns; send at most the last "
            f"{settings.max_history_turns}"
        )
    if settings.log_messages:
        request.state.message = text  # the request log writes it only when asked to
    return text


def history_of(body: ChatRequest) -> list[Turn]:
    return [Turn(t.role, clean(t.content)) for t in body.history]


def persona_of(body: ChatRequest, audiences: dict[str, Audience]) -> tuple[str, ...] | None:
    """The audience the client says the person chose; () when cleared; None: not said."""
    if body.persona is None:
        return None
    if body.persona and body.persona not in audiences:
        raise InvalidRequest(f"unknown persona {body.persona!r}: use one of {sorted(audiences)}")
    return (body.persona,) if body.persona else ()


def document_of(body: ChatRequest, corpus: Corpus) -> str | None:
    if body.document is not None and not corpus.has(body.document):
        documents = sorted(p.doc_id for p in corpus.documents)
        raise InvalidRequest(f"unknown document {body.document!r}: use one of {documents}")
    return body.document or None


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_events(
    events: Iterator[Event], request_id: str, audiences: dict[str, Audience], default_doc: str
) -> Iterator[str]:
    try:
        for event in events:
            if isinstance(event, Sources):
                citations = [CitationOut.of(c, default_doc).model_dump() for c in event.citations]
                yield sse(
                    "citations",
                    {"citations": citations, "grounded": event.grounded, "request_id": request_id},
                )
            elif isinstance(event, Delta):
                yield sse("delta", {"text": event.text})
            else:
                done = ChatResponse.of(event.reply, request_id, audiences, default_doc).model_dump()
                yield sse("done", {**done, "replaced": event.replaced})
    except Exception:  # the status line has gone out: the failure is reported in-band
        log.exception(json.dumps({"request_id": request_id, "event": "stream_failed"}))
        yield sse(
            "error",
            error_body("internal_error", "something went wrong on our side; please try again"),
        )


@router.post("/v1/chat", response_model=ChatResponse, responses=ERRORS)
def chat(body: ChatRequest, request: Request, services: ServicesDep) -> ChatResponse:
    """Answer a question with the measures it rests on."""
    message = check_message(body.message, body.history, services.settings, request)
    history = history_of(body)
    persona = persona_of(body, services.audiences)
    document = document_of(body, services.corpus)
    reply = services.run(lambda chat: chat.reply(message, history, persona, document))
    request.state.cited = [c.measure for c in reply.answer.citations]
    request.state.mode = reply.mode
    default_doc = services.policy.doc_id
    return ChatResponse.of(reply, request.state.request_id, services.audiences, default_doc)


@router.post(
    "/v1/chat/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **ERRORS},
)
def chat_stream(body: ChatRequest, request: Request, services: ServicesDep) -> StreamingResponse:
    """The /v1/chat answer as Server-Sent Events: citations, deltas, done."""
    message = check_message(body.message, body.history, services.settings, request)
    history = history_of(body)
    persona = persona_of(body, services.audiences)
    document = document_of(body, services.corpus)
    # the turn is decided here, so a store failure is still a 503 with the JSON error body
    events = services.run(lambda chat: chat.stream(message, history, persona, document))
    request.state.mode = "stream"
    return StreamingResponse(
        sse_events(events, request.state.request_id, services.audiences, services.policy.doc_id),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )
