"""`POST /v1/chat/stream`: one answer as Server-Sent Events, so a client shows the sources
at once and the text as it is written.

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
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from app.answer import compose
from app.chat import Chat, ChatResult, Turn
from app.errors import error_body
from app.llm import Delta, Event, Sources, replay
from app.query import clean
from app.retrieve import Retrieval
from app.schemas import ChatRequest
from app.services import ERRORS, ServicesDep, chat_response, check_message, citation_out

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
log = logging.getLogger("policybot.requests")
router = APIRouter()


def turn_events(chat: Chat, prepared: ChatResult | Retrieval) -> Iterator[Event]:
    if isinstance(prepared, ChatResult):
        return replay(prepared)
    if chat.writer is not None:
        return chat.writer.stream(prepared, chat.policy)
    return replay(ChatResult(compose(prepared, chat.policy), prepared))


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_events(events: Iterator[Event], request_id: str) -> Iterator[str]:
    try:
        for event in events:
            if isinstance(event, Sources):
                citations = [citation_out(c).model_dump() for c in event.citations]
                yield sse(
                    "citations",
                    {"citations": citations, "grounded": event.grounded, "request_id": request_id},
                )
            elif isinstance(event, Delta):
                yield sse("delta", {"text": event.text})
            else:
                done = chat_response(event.result, request_id).model_dump()
                yield sse("done", {**done, "replaced": event.replaced})
    except Exception:  # the status line has gone out: the failure is reported in-band
        log.exception(json.dumps({"request_id": request_id, "event": "stream_failed"}))
        yield sse(
            "error",
            error_body("internal_error", "something went wrong on our side; please try again"),
        )


@router.post(
    "/v1/chat/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **ERRORS},
    tags=["chat"],
)
def chat_stream(body: ChatRequest, request: Request, services: ServicesDep) -> StreamingResponse:
    """The /v1/chat answer as Server-Sent Events: citations, deltas, done."""
    history = [Turn(t.role, clean(t.content)) for t in body.history]
    message = check_message(body.message, history, services.settings, request)
    # retrieval happens here, so a store failure is still a 503 with the JSON error body
    prepared = services.run(lambda chat: chat.prepare(message, history))
    events = turn_events(services.chat(), prepared)
    request.state.mode = "stream"
    return StreamingResponse(
        sse_events(events, request.state.request_id),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )
