"""What requests share, built once per app: the policy, the embedder, and the chat on top
of the store. Handlers receive it as `ServicesDep`."""

import dataclasses
import json
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Request

from app.core.chat import Chat
from app.core.extractive import Composer
from app.core.llm import chat_model
from app.core.place import Places
from app.core.retrieve import Retriever
from app.core.scope import Gate
from app.settings import Settings
from app.web.errors import Unavailable
from app.web.schemas import ErrorResponse
from ingest.chunk import chunk_corpus
from ingest.source import Corpus, Policy, corpus_at, load_corpus
from vectorstore.embeddings import load_embedder
from vectorstore.store import StoreError, StoreMismatch, StoreMissing, fingerprint, open_store

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

T = TypeVar("T")
log = logging.getLogger("policybot.store")
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 404, 413, 422, 429, 503)
}
# What a client is told. The store's URL and the driver's words stay in the log: a missing
# or foreign store names the one fix, which leaks nothing; anything else is "retry".
NOT_BUILT = "the policy store is not built yet: the operator must run `policybot ingest`"
FOREIGN = (
    "the policy store was built for another version of this service: "
    "the operator must run `policybot ingest`"
)
DOWN = "the policy store is unavailable; retry shortly"


def unavailable(error: StoreError) -> Unavailable:
    if isinstance(error, StoreMissing):
        message = NOT_BUILT
    elif isinstance(error, StoreMismatch):
        message = FOREIGN
    else:
        message = DOWN
    return Unavailable(message, detail=str(error))


class Services:
    """The store is opened on first need and again after a failure, so a Chroma server
    that comes back is used without a restart. Once open, a background thread follows the
    store's pointer every `store_refresh_seconds`, so a rebuild made elsewhere (a
    `policybot ingest` run once against the shared store) is served within seconds; when
    the rebuild is of a changed corpus folder, the folder is read again with it. A store
    built from a text this service cannot read is refused and the held one keeps serving,
    as it does while the server is unreachable."""

    def __init__(self, settings: Settings, model: "BaseChatModel | None" = None) -> None:
        self.settings = settings
        corpus = corpus_at(settings.corpus_dir)
        self._adopt(corpus, source_of(corpus))
        self.embedder = load_embedder(settings.embedder)
        if model is None and settings.llm_model is not None:
            key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
            model = chat_model(
                settings.llm_model,
                settings.llm_base_url,
                key,
                settings.llm_timeout_seconds,
                settings.llm_temperature,
            )
        self.model = model
        self._chat: Chat | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._problem: str | None = None  # the event last logged

    def start(self) -> None:
        interval = self.settings.store_refresh_seconds
        if interval > 0:
            threading.Thread(target=self._follow, args=(interval,), daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()

    def _follow(self, interval: float) -> None:
        while not self._stopped.wait(interval):
            chat = self._chat
            if chat is None:
                continue  # not open yet: the next request opens it
            try:
                if chat.retriever.store.refresh():
                    name = chat.retriever.store.snapshot().name
                    log.info(json.dumps({"event": "store_switched", "collection": name}))
                problem = None
            except StoreMismatch as error:  # another text or embedder
                if self._reload():  # the corpus folder has the text it was built from
                    problem = None
                    self._problem = None
                    continue
                problem, reason = "store_refused", str(error)  # keep the one held
            except StoreError as error:
                problem, reason = "store_unreachable", str(error)
            if problem is not None and problem != self._problem:  # once, not every few seconds
                log.warning(json.dumps({"event": problem, "reason": reason, "serving": "held"}))
            if problem is None and self._problem is not None:
                log.info(json.dumps({"event": "store_reachable"}))
            self._problem = problem

    def _adopt(self, corpus: Corpus, source: str) -> None:
        """What the edge serves of a corpus, read once when it is loaded."""
        composer = Composer(corpus)
        self.corpus, self.source = corpus, source
        self.policy: Policy = corpus.default  # what /v1/measures serves
        self.audiences = {a.id: a for a in corpus.audiences}
        self.welcome = (composer.examples(False), composer.examples(True))  # zh, en

    def _reload(self) -> bool:
        """After a re-ingest of a changed corpus folder: read the folder again and, when the
        store now holds exactly its chunks, answer from both at once."""
        if self.settings.corpus_dir is None:
            return False  # the bundled text does not change under a running service
        try:
            corpus = load_corpus(self.settings.corpus_dir)
            source = source_of(corpus)
            if source == self.source:
                return False
            store = open_store(
                self.settings.store_dir,
                self.settings.chroma_url,
                self.embedder,
                self.settings.collection,
                source,
            )
            store.snapshot()
        except (StoreError, ValueError, OSError):
            return False
        chat = Chat(Retriever(store, corpus), corpus, gate_for(self.settings, corpus), self.model)
        with self._lock:
            self._adopt(corpus, source)
            self._chat = chat
        log.info(json.dumps({"event": "corpus_reloaded", "collection": store.snapshot().name}))
        return True

    def chat(self) -> Chat:
        with self._lock:
            if self._chat is None:
                try:
                    store = open_store(
                        self.settings.store_dir,
                        self.settings.chroma_url,
                        self.embedder,
                        self.settings.collection,
                        self.source,
                    )
                    store.snapshot()
                except StoreError as error:
                    raise unavailable(error) from error
                retriever = Retriever(store, self.corpus)
                self._chat = Chat(
                    retriever, self.corpus, gate_for(self.settings, self.corpus), self.model
                )
            return self._chat

    def run(self, work: Callable[[Chat], T]) -> T:
        """Run store-bound work; a store failure is a 503 and the next request reopens."""
        chat = self.chat()
        try:
            return work(chat)
        except StoreError as error:
            with self._lock:
                self._chat = None
            raise unavailable(error) from error


def source_of(corpus: Corpus) -> str:
    """The fingerprint of the chunks this corpus makes: what the store must hold."""
    return fingerprint(chunk.id for chunk in chunk_corpus(corpus))


def gate_for(settings: Settings, corpus: Corpus) -> Gate:
    # a topic one document leaves open may be another's: only words no document holds
    texts = " ".join(p.document.text for p in corpus.documents).lower()
    words = {w for p in corpus.documents for w in p.not_covered if w not in texts}
    ordered = tuple(w for p in corpus.documents for w in p.not_covered if w in words)
    places = dataclasses.replace(Places.load(), known=texts)
    return Gate(
        settings.relevance_floor, settings.scope_margin, tuple(dict.fromkeys(ordered)), places
    )


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
