"""`policybot ingest`: parse the policy, chunk it, and sync the store."""

from ingest.chunk import chunk_policy
from ingest.source import Policy
from vectorstore.store import Store, StoredChunk, SyncReport


def ingest(policy: Policy, store: Store) -> SyncReport:
    chunks = chunk_policy(policy)
    return store.sync([StoredChunk(c.id, c.text, c.metadata) for c in chunks])
