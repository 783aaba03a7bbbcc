"""`policybot ingest`: parse the policy, chunk it, and sync the store."""

from ingest.chunk import chunk_corpus
from ingest.source import Corpus, Policy
from vectorstore.store import Store, StoredChunk, SyncReport


def ingest(corpus: Corpus | Policy, store: Store) -> SyncReport:
    """Sync the store to the corpus: one rebuild, switched atomically, so every document
    updates at once, a removed document's chunks go, and a second run changes nothing."""
    chunks = chunk_corpus(corpus if isinstance(corpus, Corpus) else Corpus((corpus,)))
    return store.sync([StoredChunk(c.id, c.text, c.metadata) for c in chunks])
