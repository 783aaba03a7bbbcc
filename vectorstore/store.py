"""The chunk store: Chroma, embedded (a directory) or a server (a URL).

A rebuild is atomic. The chunks go into a new collection named by their fingerprint
(the embedder plus every chunk id); a small pointer collection is then switched to it
and the old one is dropped. A crash before the switch leaves the old one serving.

Reading, the active collection is held in memory as one matrix (`Snapshot`) and searched
exactly: at this size (hundreds to a few thousand chunks) a matrix product takes ~0.05 ms
where a Chroma query takes ~3 ms. `refresh()` follows the pointer, so a process picks up
a rebuild made by another one, and a Chroma server that goes away costs no answers.

    StoreError
    ├── StoreMissing       nothing built yet, or the pointer names a missing collection
    ├── StoreMismatch      built by another embedder, or from another text, than this one
    └── StoreUnavailable   the server is down or the directory is unreadable
"""

import contextlib
import hashlib
import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np
from langchain_core.embeddings import Embeddings

from vectorstore.embeddings import embedder_name

if TYPE_CHECKING:  # chromadb takes a second to import: only when a store is opened
    from chromadb.api import ClientAPI

REBUILD_HINT = "run `policybot ingest` to build it"
REBUILD_AGAIN = "run `policybot ingest` to rebuild it"


class StoreError(Exception):
    pass


class StoreMissing(StoreError):
    pass


class StoreMismatch(StoreError):
    pass


EmbedderMismatch = StoreMismatch  # the name callers used before texts were checked too


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


class Snapshot:
    """One collection in memory, searched exactly by cosine similarity."""

    def __init__(
        self, name: str, ids: list[str], texts: list[str], metadatas: list[Any], vectors: Any
    ) -> None:
        self.name = name
        self.ids, self.texts, self.metadatas = ids, texts, [dict(m) for m in metadatas]
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.matrix = matrix / np.where(norms == 0, 1, norms)
        rows: dict[str, list[int]] = {}
        for row, metadata in enumerate(self.metadatas):
            rows.setdefault(str(metadata.get("doc_id", "")), []).append(row)
        self.rows_of = {doc_id: np.asarray(found) for doc_id, found in rows.items()}

    def __len__(self) -> int:
        return len(self.ids)

    def search(
        self, vector: list[float], limit: int, documents: Collection[str] | None = None
    ) -> list[Hit]:
        """The `limit` nearest chunks; of these documents only, when given."""
        query = np.asarray(vector, dtype=np.float32)
        # einsum, not `@`: past a size, `@` hands a matrix-vector product to OpenBLAS's
        # threads, which then spin and take the cores the next query's embedding needs
        similarities = np.einsum("ij,j->i", self.matrix, query / (np.linalg.norm(query) or 1.0))
        rows = np.arange(len(self.ids))
        if documents is not None and not set(self.rows_of) <= set(documents):
            kept = [self.rows_of[d] for d in documents if d in self.rows_of]
            rows = np.sort(np.concatenate(kept)) if kept else rows[:0]
        limit = min(limit, len(rows))
        if limit <= 0:
            return []
        nearest = rows[np.argpartition(-similarities[rows], limit - 1)[:limit]]
        order = nearest[np.argsort(-similarities[nearest], kind="stable")]
        return [
            Hit(self.ids[i], self.texts[i], float(similarities[i]), self.metadatas[i])
            for i in order
        ]


def fingerprint(chunk_ids: Iterable[str]) -> str:
    """What a set of chunks says: chunk ids name their text's digest and its offsets."""
    digest = hashlib.sha1()
    for chunk_id in sorted(chunk_ids):
        digest.update(chunk_id.encode())
    return digest.hexdigest()[:16]


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


def open_client(path: Path | None = None, url: str | None = None) -> "ClientAPI":
    if not url and path is None:
        raise ValueError("give the store a directory or a server URL")
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
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
    def __init__(
        self,
        client: "ClientAPI",
        embedder: Embeddings,
        name: str = "policybot",
        expected_source: str | None = None,
    ) -> None:
        self.client = client
        self.embedder = embedder
        self.name = name
        # the fingerprint of the chunks the reader would build: a store built from another
        # text would quote the wrong words by offset, so it is refused like a wrong embedder
        self.expected_source = expected_source
        self._pointer_name = f"{name}-active"
        self._active: Any = None
        self._snapshot: Snapshot | None = None
        self._loading = threading.Lock()

    # --- writing -------------------------------------------------------------------------

    def fingerprint(self, chunks: list[StoredChunk]) -> str:
        source = fingerprint(c.id for c in chunks)
        return hashlib.sha1(f"{embedder_name(self.embedder)}:{source}".encode()).hexdigest()[:16]

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
            metadata={
                "embedder": embedder_name(self.embedder),
                "source": fingerprint(c.id for c in chunks),
                "chunks": len(chunks),
            },
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
        """The active collection, checked against the configured embedder and text."""
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
        metadata = collection.metadata or {}
        built_with, configured = metadata.get("embedder"), embedder_name(self.embedder)
        if built_with != configured:
            raise StoreMismatch(
                f"the store was built with the embedder {built_with!r} but {configured!r} is "
                f"configured: {REBUILD_AGAIN} with the configured embedder"
            )
        source = metadata.get("source")
        if self.expected_source is not None and source != self.expected_source:
            raise StoreMismatch(
                f"the store was built from another version of the policy text ({source}, "
                f"this service reads {self.expected_source}): {REBUILD_AGAIN}"
            )
        self._active = collection
        return collection

    def snapshot(self) -> Snapshot:
        """The active collection in memory, loaded on first need."""
        snapshot = self._snapshot
        if snapshot is None:
            with self._loading:
                if self._snapshot is None:
                    self._snapshot = self._load()
                snapshot = self._snapshot
        return snapshot

    def refresh(self) -> bool:
        """Follow the pointer: load the collection it names if that is not the one held.
        True when the snapshot changed. A failure leaves the held snapshot serving."""
        try:
            target = self._pointer_target()
        except Exception as error:
            raise StoreUnavailable(f"the Chroma store cannot be read: {error}") from error
        if self._snapshot is not None and target == self._snapshot.name:
            return False
        with self._loading:
            self._active = None
            self._snapshot = self._load()
        return True

    def _load(self) -> Snapshot:
        collection = self.collection()
        try:
            found = collection.get(include=["documents", "metadatas", "embeddings"])
        except Exception as error:
            self._active = None
            raise StoreUnavailable(f"the Chroma store cannot be read: {error}") from error
        return Snapshot(
            collection.name,
            found["ids"],
            found["documents"],
            found["metadatas"],
            found["embeddings"],
        )

    def count(self) -> int:
        return len(self.snapshot())

    def search(
        self, vector: list[float], limit: int, documents: Collection[str] | None = None
    ) -> list[Hit]:
        return self.snapshot().search(vector, limit, documents)


def open_store(
    path: Path | None,
    url: str | None,
    embedder: Embeddings,
    name: str = "policybot",
    expected_source: str | None = None,
) -> Store:
    """The one way in, for the ingest and the service alike."""
    return Store(open_client(path, url), embedder, name, expected_source)
