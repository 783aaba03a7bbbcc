"""`POST /v1/chat/completions` and `GET /v1/models`: the service behind the OpenAI shape, so
any OpenAI-compatible client (the SDKs, LangChain's ChatOpenAI, a chat UI) can ask it
questions. docs/OPENAI.md shows them at work.

The last user message is the question and the earlier user and assistant messages are the
history; system messages from the client are dropped, because the client is not trusted to
set the rules. The reply is a `chat.completion` (or `chat.completion.chunk` events ending
with `data: [DONE]`) whose text ends with the measures it cites, or, for a question the
document does not cover, with example questions; a top-level `citations` list carries the
citations in the /v1/chat shape.

- `usage` is an approximation, not a tokenizer's count (app/web/tokens.py).
  `prompt_tokens` counts the messages the service reads: the question and the history it
  keeps; `completion_tokens` the text it sends.
- `max_tokens` (or `max_completion_tokens`) is honoured: the text is cut at the last
  sentence end within the budget (mid-sentence only when not even one sentence fits), and
  `finish_reason` is `"length"`.
- Options the service cannot honour (`n` > 1, tools and functions, `response_format`
  other than text, `logprobs`) are refused with a 400 rather than ignored.
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
from app.core.turn import Answer, Delta, Done, Event, Reply, Sources, Turn
from app.web.chat import SSE_HEADERS, check_message
from app.web.deps import ServicesDep
from app.web.openai_errors import (
    OPENAI_ERRORS,
    ModelNotFound,
    UnsupportedOption,
    openai_error_body,
)
from app.web.schemas import CitationOut
from app.web.tokens import Budget, count_tokens

MODEL_ID = "policybot"
MODEL = {"id": MODEL_ID, "object": "model", "created": 1766620800, "owned_by": "policybot"}
MAX_CONTENT_CHARS = 4000
log = logging.getLogger("policybot.requests")
router = APIRouter(tags=["openai"])


class CompletionMessage(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    include_usage: bool = False


class CompletionRequest(BaseModel):
    model: str = MODEL_ID
    messages: list[CompletionMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    # accepted only in their neutral form: anything else is a 400 (see `refuse_unsupported`)
    n: int | None = None
    tools: list[Any] | None = None
    tool_choice: Any = None
    functions: list[Any] | None = None
    function_call: Any = None
    response_format: dict[str, Any] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None


def refuse_unsupported(body: CompletionRequest) -> None:
    if body.n not in (None, 1):
        raise UnsupportedOption(f"n={body.n}: this service writes one answer; use n=1", "n")
    for name in ("tools", "functions"):
        if getattr(body, name):
            raise UnsupportedOption(
                f"{name} are not supported: this service answers in text only", name
            )
    for name in ("tool_choice", "function_call"):
        if getattr(body, name) not in (None, "none"):
            raise UnsupportedOption(
                f"{name} is not supported: this service answers in text only", name
            )
    if body.response_format is not None and body.response_format.get("type") != "text":
        raise UnsupportedOption(
            'only response_format {"type": "text"} is supported: the answer is prose that '
            "cites the measures, not JSON",
            "response_format",
        )
    if body.logprobs or body.top_logprobs:
        name = "logprobs" if body.logprobs else "top_logprobs"
        raise UnsupportedOption(f"{name} is not supported: the answer has no token scores", name)


def sources_block(answer: Answer, english: bool) -> str:
    if not answer.citations:
        return ""
    lines = [f"- 第{c.label}条「{c.title}」 /v1/measures/{c.measure}" for c in answer.citations]
    return ("\n\nSources:\n" if english else "\n\n依据：\n") + "\n".join(lines)


def tail(answer: Answer, english: bool) -> str:
    """What follows the answer's text: the measures it cites, or the example questions a
    refusal ends by offering ("您可以这样问：")."""
    if not answer.grounded and answer.suggestions:
        return "\n" + "\n".join(f"- {s}" for s in answer.suggestions)
    return sources_block(answer, english)


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


def usage(prompt_tokens: int, budget: Budget) -> dict[str, int]:
    completion_tokens = count_tokens(budget.sent)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def completion(
    reply: Reply,
    body: CompletionRequest,
    request_id: str,
    prompt_tokens: int,
    budget: Budget,
    default_doc: str | None = None,
) -> dict[str, Any]:
    text = reply.answer.text + tail(reply.answer, reply.english)
    content = budget.take(text) + budget.finish()
    return {
        "id": f"chatcmpl-{request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": budget.finish_reason,
            }
        ],
        "usage": usage(prompt_tokens, budget),
        "citations": [CitationOut.of(c, default_doc).model_dump() for c in reply.answer.citations],
        "mode": reply.mode,
        "fallback_reason": reply.fallback_reason,
    }


class Chunks:
    """A streamed answer as `chat.completion.chunk` events."""

    def __init__(
        self,
        body: CompletionRequest,
        request_id: str,
        prompt_tokens: int,
        budget: Budget,
        default_doc: str | None = None,
    ) -> None:
        self.default_doc = default_doc
        self.model = body.model
        self.request_id = request_id
        self.include_usage = body.stream_options is not None and body.stream_options.include_usage
        self.prompt_tokens = prompt_tokens
        self.budget = budget

    def chunk(self, choices: list[dict[str, Any]], **extra: Any) -> str:
        data = {
            "id": f"chatcmpl-{self.request_id}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": choices,
            # as OpenAI does: with include_usage every chunk has the field, null until the last
            **({"usage": None} if self.include_usage else {}),
            **extra,
        }
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    def delta(self, delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
        return self.chunk([{"index": 0, "delta": delta, "finish_reason": finish}], **extra)

    def stream(self, events: Iterator[Event]) -> Iterator[str]:
        yield self.delta({"role": "assistant", "content": ""})
        try:
            yield from self.answer(events)
        except Exception:  # the status line has gone out: the failure is reported in-band
            log.exception(json.dumps({"request_id": self.request_id, "event": "stream_failed"}))
            message = "something went wrong on our side; please try again"
            yield f"data: {json.dumps(openai_error_body(500, 'internal_error', message))}\n\n"
        yield "data: [DONE]\n\n"

    def answer(self, events: Iterator[Event]) -> Iterator[str]:
        for event in events:
            if isinstance(event, Sources):
                continue  # an OpenAI client has nowhere to show them before the text
            if isinstance(event, Delta):
                yield from self.text(event.text)
                continue
            assert isinstance(event, Done)
            result = event.reply
            english = result.english
            if event.replaced:  # text already sent cannot be taken back: say so, then correct
                note = (
                    "\n\n(The text above could not be checked against the original; here is "
                    "what the original says.)\n"
                    if english
                    else "\n\n（以上内容未能与原文核对一致，以下为原文的规定。）\n"
                )
                yield from self.text(note + result.answer.text)
            yield from self.text(tail(result.answer, english))
            yield from self.send(self.budget.finish())
            yield self.delta(
                {},
                self.budget.finish_reason,
                citations=[
                    CitationOut.of(c, self.default_doc).model_dump()
                    for c in result.answer.citations
                ],
                mode=result.mode,
                fallback_reason=result.fallback_reason,
            )
            if self.include_usage:
                yield self.chunk([], usage=usage(self.prompt_tokens, self.budget))

    def text(self, text: str) -> Iterator[str]:
        yield from self.send(self.budget.take(text))

    def send(self, released: str) -> Iterator[str]:
        if released:
            yield self.delta({"content": released})


@router.get("/v1/models", responses=OPENAI_ERRORS)
def list_models() -> dict[str, Any]:
    """The one model this service offers, in OpenAI's list shape."""
    return {"object": "list", "data": [MODEL]}


@router.get("/v1/models/{model}", responses=OPENAI_ERRORS)
def retrieve_model(model: str) -> dict[str, Any]:
    """The model, if `model` names it."""
    if model != MODEL_ID:
        raise ModelNotFound(
            f"the model {model[:100]!r} does not exist: this service has one, {MODEL_ID!r}",
            "model",
        )
    return MODEL


@router.post("/v1/chat/completions", response_model=None, responses=OPENAI_ERRORS)
def chat_completions(
    body: CompletionRequest, request: Request, services: ServicesDep
) -> JSONResponse | StreamingResponse:
    """OpenAI-compatible chat completions over the same answers as /v1/chat."""
    refuse_unsupported(body)
    settings = services.settings
    question, history = question_and_history(body, settings.max_history_turns)
    message = check_message(question, history, settings, request)
    request_id = request.state.request_id
    prompt_tokens = count_tokens(message) + sum(count_tokens(t.content) for t in history)
    budget = Budget(body.max_completion_tokens or body.max_tokens)
    if not body.stream:
        reply = services.run(lambda chat: chat.reply(message, history))
        request.state.cited = [c.measure for c in reply.answer.citations]
        request.state.mode = reply.mode
        default_doc = services.policy.doc_id
        return JSONResponse(completion(reply, body, request_id, prompt_tokens, budget, default_doc))
    events = services.run(lambda chat: chat.stream(message, history))
    chunks = Chunks(body, request_id, prompt_tokens, budget, services.policy.doc_id)
    return StreamingResponse(
        chunks.stream(events), media_type="text/event-stream", headers=SSE_HEADERS
    )
