"""Load on the real service over loopback: 10,000 /v1/chat requests at concurrency 32, a mix
of repeated and unique questions from tests/golden, rate limiting off. Prints throughput,
latency percentiles, errors and the server's memory; exits 1 when a target is missed.

    .venv/bin/python bench/load.py [--requests 10000] [--concurrency 32]
"""

import argparse
import asyncio
import json
import random
import statistics
import sys
import time

import httpx
from service import ROOT, running_service

MAX_SECONDS = 900  # the whole run stops by itself after this, whatever is left
WARM_UP = 2000  # enough distinct questions to fill the 1,024-entry answer cache
RSS_GROWTH_TARGET = 0.10
# suffixes that leave the meaning alone but make the text, and so the cache key, new
SUFFIXES = ("", "？", "呢", "，谢谢", "，请问", "。麻烦说明一下", "，想了解一下", "，具体怎么规定")


def golden_questions() -> list[str]:
    questions = []
    for path in sorted((ROOT / "tests" / "golden").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            questions.extend([row["question"]] if "question" in row else row.get("turns", []))
    return list(dict.fromkeys(questions))


def workload(count: int, seed: int = 7) -> list[str]:
    """40% from 20 hot questions asked again and again, 60% drawn from every golden
    question with a varying suffix, so most of those are asked once."""
    rng = random.Random(seed)
    questions = golden_questions()
    hot = questions[:20]
    cold = [q + s for s in SUFFIXES for q in questions]
    rng.shuffle(cold)
    return [rng.choice(hot) if rng.random() < 0.4 else cold[i % len(cold)] for i in range(count)]


async def drive(url: str, messages: list[str], concurrency: int, deadline: float) -> dict:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    queue = list(reversed(messages))

    async def worker(client: httpx.AsyncClient) -> None:
        while queue and time.monotonic() < deadline:
            message = queue.pop()
            started = time.perf_counter()
            try:
                response = await client.post("/v1/chat", json={"message": message})
                key = str(response.status_code)
            except httpx.HTTPError as error:
                key = type(error).__name__
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[key] = statuses.get(key, 0) + 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(latencies),
        "seconds": round(seconds, 1),
        "throughput_rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(quantiles[49], 1),
        "p95_ms": round(quantiles[94], 1),
        "p99_ms": round(quantiles[98], 1),
        "statuses": statuses,
        "errors": sum(n for k, n in statuses.items() if k != "200"),
        "errors_5xx": sum(n for k, n in statuses.items() if k.startswith("5")),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    deadline = time.monotonic() + MAX_SECONDS
    messages = workload(args.requests)
    print(
        f"{len(messages)} requests, {len(set(messages))} distinct questions, "
        f"concurrency {args.concurrency}"
    )
    with running_service(rate_limit_per_minute="0") as service:
        asyncio.run(drive(service.url, workload(WARM_UP, seed=1), args.concurrency, deadline))
        rss_warm = service.rss_kib()
        figures = asyncio.run(drive(service.url, messages, args.concurrency, deadline))
        rss_end = service.rss_kib()
    growth = (rss_end - rss_warm) / rss_warm
    figures.update(
        rss_after_warm_up_mib=round(rss_warm / 1024, 1),
        rss_at_end_mib=round(rss_end / 1024, 1),
        rss_growth_pct=round(growth * 100, 1),
    )
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    missed = []
    if figures["requests"] < args.requests:
        missed.append(f"only {figures['requests']} requests finished in {MAX_SECONDS} s")
    if figures["errors"]:
        missed.append(f"{figures['errors']} errors ({figures['errors_5xx']} 5xx)")
    if growth > RSS_GROWTH_TARGET:
        missed.append(f"RSS grew {growth:.1%} (target ≤ {RSS_GROWTH_TARGET:.0%})")
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
