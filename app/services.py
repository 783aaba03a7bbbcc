"""What the HTTP endpoints share: the services built once per app (policy, embedder,
store, chat), and the checks and conversions every chat endpoint applies."""

import threading
from typing import Annotated, Any

from fastapi import Depends, Request

from app.answer import Citation
from app.chat import Chat, ChatResult
from app.errors import EmptyMessage, HistoryTooLong, MessageTooLong, Unavailable
from app.llm import Writer
from app.query import clean
from app.retrieve import Retriever
from app.schemas import ChatResponse, CitationOut, ErrorResponse
from app.settings import Settings
from ingest.source import Policy, bundled_policy
from vectorstore.embeddings import load_embedder
from vectorstore.store import StoreError, open_store


class Services:
    """What requests share. The store is opened on first need and again after a failure,
    so a Chroma server that comes back is used without a restart."""

    def __init__(self, settings: Settings, writer: Writer | None = None) -> None:
        self.settings = settings
        self.writer = writer
        self.policy: Policy = bundled_policy()
        self.embedder = load_embedder(settings.embedder)
        self._chat: Chat | None = None
        self._lock = threading.Lock()

    def chat(self) -> Chat:
        with self._lock:
            if self._chat is None:
                try:
                    store = open_store(
                        self.settings.store_dir,
                        self.settings.chroma_url,
                        self.embedder,
                        self.settings.collection,
                    )
                    store.collection()
                except StoreError as error:
                    raise Unavailable(str(error)) from error
                retriever = Retriever(store, self.policy, self.settings.relevance_floor)
                self._chat = Chat(retriever, self.policy, self.writer)
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


def check_message(
    message: str, history: list[Any], settings: Settings, request: Request | None = None
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
    if request is not None and settings.log_messages:
        request.state.message = text  # the request log writes it only when asked to
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
