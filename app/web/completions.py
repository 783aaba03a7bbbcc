"""`POST /v1/chat/completions`: the service behind the OpenAI chat-completions shape, so any
OpenAI-compatible client (a chat UI, an SDK) can ask it questions.

The last user message is the question and the earlier user and assistant messages are the
history; system messages from the client are dropped, because the client is not trusted to
set the rules. The reply is a `chat.completion` (or `chat.completion.chunk` events ending
with `data: [DONE]`) whose text ends with the measures it cites, plus a top-level
`citations` list in the /v1/chat citation shape.
"""

import json
import logging
import time
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from app.core.question import clean
from app.core.turn import Citation, Delta, Done, Event, Reply, Sources, Turn
from app.web.chat import SSE_HEADERS, check_message
from app.web.deps import ERRORS, ServicesDep
from app.web.errors import error_body
from app.web.schemas import CitationOut

MAX_CONTENT_CHARS = 4000
log = logging.getLogger("policybot.requests")
router = APIRouter()


class CompletionMessage(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class CompletionRequest(BaseModel):
    model: str = "policybot"
    messages: list[CompletionMessage] = Field(min_length=1)
    stream: bool = False


def sources_block(citations: tuple[Citation, ...], english: bool) -> str:
    if not citations:
        return ""
    lines = [f"- 第{c.label}条「{c.title}」 /v1/measures/{c.measure}" for c in citations]
    return ("\n\nSources:\n" if english else "\n\n依据：\n") + "\n".join(lines)


def question_and_history(body: CompletionRequest, max_turns: int) -> tuple[str, list[Turn]]:
    users = [i for i, m in enumerate(body.messages) if m.role == "user"]
    if not users:
        return "", []
    last = users[-1]
    history = [
        Turn(m.role, clean(m.text())[:MAX_CONTENT_CHARS])
        for m in body.messages[:last]
        if m.role in ("user", "assistant")
    ]
    # such clients send the whole conversation and cannot be asked to trim it: keep its end
    return body.messages[last].text(), history[-max_turns:] if max_turns else []


def completion(reply: Reply, model: str, request_id: str) -> dict[str, Any]:
    text = reply.answer.text + sources_block(reply.answer.citations, reply.english)
    return {
        "id": f"chatcmpl-{request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "citations": [CitationOut.of(c).model_dump() for c in reply.answer.citations],
        "mode": reply.mode,
        "fallback_reason": reply.fallback_reason,
    }


def chunk(
    request_id: str, model: str, delta: dict[str, str], finish: str | None = None, **extra: Any
) -> str:
    data = {
        "id": f"chatcmpl-{request_id}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def chunks(events: Iterator[Event], model: str, request_id: str) -> Iterator[str]:
    yield chunk(request_id, model, {"role": "assistant", "content": ""})
    try:
        yield from answer_chunks(events, model, request_id)
    except Exception:  # the status line has gone out: the failure is reported in-band
        log.exception(json.dumps({"request_id": request_id, "event": "stream_failed"}))
        body = error_body("internal_error", "something went wrong on our side; please try again")
        yield f"data: {json.dumps(body)}\n\n"
    yield "data: [DONE]\n\n"


def answer_chunks(events: Iterator[Event], model: str, request_id: str) -> Iterator[str]:
    for event in events:
        if isinstance(event, Sources):
            continue  # an OpenAI client has nowhere to show them before the text
        if isinstance(event, Delta):
            yield chunk(request_id, model, {"content": event.text})
            continue
        assert isinstance(event, Done)
        result = event.reply
        english = result.english
        if event.replaced:  # the text already sent cannot be taken back: say so, then correct it
            note = (
                "\n\n(The text above could not be checked against the original; here is "
                "what the original says.)\n"
                if english
                else "\n\n（以上内容未能与原文核对一致，以下为原文的规定。）\n"
            )
            yield chunk(request_id, model, {"content": note + result.answer.text})
        tail = sources_block(result.answer.citations, english)
        if tail:
            yield chunk(request_id, model, {"content": tail})
        yield chunk(
            request_id,
            model,
            {},
            "stop",
            citations=[CitationOut.of(c).model_dump() for c in result.answer.citations],
            mode=result.mode,
            fallback_reason=result.fallback_reason,
        )


@router.post("/v1/chat/completions", response_model=None, responses=ERRORS, tags=["openai"])
def chat_completions(
    body: CompletionRequest, request: Request, services: ServicesDep
) -> JSONResponse | StreamingResponse:
    """OpenAI-compatible chat completions over the same answers as /v1/chat."""
    settings = services.settings
    question, history = question_and_history(body, settings.max_history_turns)
    message = check_message(question, history, settings, request)
    request_id = request.state.request_id
    if not body.stream:
        reply = services.run(lambda chat: chat.reply(message, history))
        request.state.cited = [c.measure for c in reply.answer.citations]
        request.state.mode = reply.mode
        return JSONResponse(completion(reply, body.model, request_id))
    events = services.run(lambda chat: chat.stream(message, history))
    return StreamingResponse(
        chunks(events, body.model, request_id), media_type="text/event-stream", headers=SSE_HEADERS
    )
