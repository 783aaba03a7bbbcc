"""The chunk store: Chroma, embedded (a directory) or a server (a URL).

A rebuild is atomic. The chunks go into a new collection named by their fingerprint
(the embedder plus every chunk id); a small pointer collection is then switched to it
and the old one is dropped. A crash before the switch leaves the old one serving.

    StoreError
    ├── StoreMissing       nothing built yet, or the pointer names a missing collection
    ├── EmbedderMismatch   built by another embedder than the one configured
    └── StoreUnavailable   the server is down or the directory is unreadable
"""

import contextlib
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings
from langchain_core.embeddings import Embeddings

from vectorstore.embeddings import embedder_name

REBUILD_HINT = "run `policybot ingest` to build it"


class StoreError(Exception):
    pass


class StoreMissing(StoreError):
    pass


class EmbedderMismatch(StoreError):
    pass


class StoreUnavailable(StoreError):
    pass


@dataclass(frozen=True)
class StoredChunk:
    """What `sync` writes: the store's view of an ingest chunk."""

    id: str
    text: str
    metadata: dict[str, str | int]


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    text: str
    similarity: float  # cosine similarity, 1 is identical
    metadata: dict[str, Any]


@dataclass(frozen=True)
class SyncReport:
    collection: str
    previous: str | None
    added: int
    removed: int
    kept: int
    seconds: float

    @property
    def changed(self) -> bool:
        return self.collection != self.previous


def open_client(path: Path | None = None, url: str | None = None) -> ClientAPI:
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not url and path is None:
        raise ValueError("give the store a directory or a server URL")
    try:
        if url:
            parts = urlparse(url)
            return chromadb.HttpClient(
                host=parts.hostname or "localhost",
                port=parts.port or (443 if parts.scheme == "https" else 8000),
                ssl=parts.scheme == "https",
                settings=settings,
            )
        assert path is not None
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except Exception as error:
        # chromadb raises bare Exceptions for bad files and a ValueError for a dead server;
        # either is a store that cannot be used now, which the service reports as a 503
        where = url or str(path)
        raise StoreUnavailable(f"cannot open the Chroma store at {where}: {error}") from error


class Store:
    def __init__(self, client: ClientAPI, embedder: Embeddings, name: str = "policybot") -> None:
        self.client = client
        self.embedder = embedder
        self.name = name
        self._pointer_name = f"{name}-active"
        self._active: Any = None

    # --- writing -------------------------------------------------------------------------

    def fingerprint(self, chunks: list[StoredChunk]) -> str:
        digest = hashlib.sha1(embedder_name(self.embedder).encode())
        for chunk_id in sorted(c.id for c in chunks):
            digest.update(chunk_id.encode())
        return digest.hexdigest()[:16]

    def sync(self, chunks: list[StoredChunk]) -> SyncReport:
        started = time.perf_counter()
        target = f"{self.name}-{self.fingerprint(chunks)}"
        previous = self._pointer_target()
        if previous == target and self._count(target) == len(chunks):
            return SyncReport(target, previous, 0, 0, len(chunks), time.perf_counter() - started)

        old = self._get(previous) if previous else None
        old_ids = set(old.get(include=[])["ids"]) if old is not None else set()
        reusable = self._reusable_embeddings(old, [c.id for c in chunks if c.id in old_ids])
        fresh = [c for c in chunks if c.id not in reusable]
        vectors = dict(
            zip(
                [c.id for c in fresh],
                self.embedder.embed_documents([c.text for c in fresh]),
                strict=True,
            )
        )
        vectors.update(reusable)

        self._drop(target)  # a leftover of a crashed run
        collection = self.client.create_collection(
            target,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedder": embedder_name(self.embedder), "chunks": len(chunks)},
            embedding_function=None,
        )
        collection.add(
            ids=[c.id for c in chunks],
            embeddings=np.array([vectors[c.id] for c in chunks], dtype=np.float32),
            documents=[c.text for c in chunks],
            metadatas=[dict(c.metadata) for c in chunks],
        )
        self._pointer().modify(metadata={"active": target})
        self._active = None
        for stale in self.client.list_collections():
            if stale.name.startswith(f"{self.name}-") and stale.name not in (
                target,
                self._pointer_name,
            ):
                self._drop(stale.name)
        new_ids = {c.id for c in chunks}
        return SyncReport(
            collection=target,
            previous=previous,
            added=len(new_ids - old_ids),
            removed=len(old_ids - new_ids),
            kept=len(new_ids & old_ids),
            seconds=time.perf_counter() - started,
        )

    def _get(self, name: str) -> Any:
        try:
            return self.client.get_collection(name, embedding_function=None)
        except Exception:  # gone: treated as never built
            return None

    def _reusable_embeddings(self, old: Any, ids: list[str]) -> dict[str, list[float]]:
        # unchanged chunks keep their vectors: a one-sentence edit re-embeds one sentence
        if old is None or not ids:
            return {}
        if (old.metadata or {}).get("embedder") != embedder_name(self.embedder):
            return {}
        found = old.get(ids=ids, include=["embeddings"])
        embeddings = found["embeddings"] if found["embeddings"] is not None else []
        return {i: list(map(float, e)) for i, e in zip(found["ids"], embeddings, strict=True)}

    def _pointer(self) -> Any:
        return self.client.get_or_create_collection(self._pointer_name, embedding_function=None)

    def _pointer_target(self) -> str | None:
        for collection in self.client.list_collections():
            if collection.name == self._pointer_name:
                return (collection.metadata or {}).get("active")
        return None

    def _count(self, name: str) -> int:
        collection = self._get(name)
        return -1 if collection is None else int(collection.count())

    def _drop(self, name: str) -> None:
        with contextlib.suppress(Exception):  # not there: nothing to drop
            self.client.delete_collection(name)

    # --- reading -------------------------------------------------------------------------

    def collection(self) -> Any:
        """The active collection, checked against the configured embedder."""
        if self._active is not None:
            return self._active
        try:
            target = self._pointer_target()
            if target is None:
                raise StoreMissing(f"the store is empty: {REBUILD_HINT}")
            try:
                collection = self.client.get_collection(target, embedding_function=None)
            except Exception as error:
                raise StoreMissing(
                    f"the store's collection {target} is missing: {REBUILD_HINT}"
                ) from error
            if collection.count() == 0:
                raise StoreMissing(f"the store is empty: {REBUILD_HINT}")
        except StoreError:
            raise
        except Exception as error:
            raise StoreUnavailable(f"the Chroma store cannot be read: {error}") from error
        built_with = (collection.metadata or {}).get("embedder")
        configured = embedder_name(self.embedder)
        if built_with != configured:
            raise EmbedderMismatch(
                f"the store was built with the embedder {built_with!r} but {configured!r} is "
                "configured: run `policybot ingest` with the configured embedder to rebuild it"
            )
        self._active = collection
        return collection

    def count(self) -> int:
        return int(self._call(lambda c: c.count()))

    def all_chunks(self) -> list[Hit]:
        found = self._call(lambda c: c.get(include=["documents", "metadatas"]))
        return [
            Hit(i, d, 0.0, dict(m))
            for i, d, m in zip(found["ids"], found["documents"], found["metadatas"], strict=True)
        ]

    def search(self, vector: list[float], limit: int) -> list[Hit]:
        found = self._call(
            lambda c: c.query(
                query_embeddings=[vector],
                n_results=limit,
                include=["documents", "metadatas", "distances"],
            )
        )
        return [
            Hit(i, d, 1.0 - float(dist), dict(m))
            for i, d, m, dist in zip(
                found["ids"][0],
                found["documents"][0],
                found["metadatas"][0],
                found["distances"][0],
                strict=True,
            )
        ]

    def _call(self, operation: Any) -> Any:
        collection = self.collection()
        try:
            return operation(collection)
        except Exception as error:
            # forget the handle: the next call looks the collection up again, so a server
            # that comes back or a store rebuilt meanwhile is picked up without a restart
            self._active = None
            raise StoreUnavailable(f"the Chroma store cannot be read: {error}") from error


def open_store(
    path: Path | None, url: str | None, embedder: Embeddings, name: str = "policybot"
) -> Store:
    """The one way in, for the ingest and the service alike."""
    return Store(open_client(path, url), embedder, name)
