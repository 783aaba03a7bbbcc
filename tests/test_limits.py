"""The limits one client meets: body size (413), rate (429 with Retry-After) and time (504),
on the real app over the real store. Rate limits shared through Redis, with real servers,
are in test_replicas.py."""

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.web.ratelimit import LocalWindows, RateLimiter, address_of
from tests.conftest import make_settings
from tests.servers import free_port

QUESTION = {"message": "我家老人需要长期护理，有什么养老服务？"}


@pytest.fixture(scope="module")
def limited(store_dir: Path) -> Iterator[TestClient]:
    settings = make_settings(
        store_dir, rate_limit_per_minute=60, rate_limit_burst=3, max_body_bytes=4096
    )
    with TestClient(create_app(settings)) as client:
        yield client


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_a_body_over_the_limit_by_content_length_is_413(limited: TestClient) -> None:
    response = limited.post(
        "/v1/chat", json={"message": "长" * 5000}, headers={"X-Client-Id": "body-1"}
    )
    assert_error(response, 413, "payload_too_large")
    assert "4096 bytes" in response.json()["error"]["message"]


def test_a_chunked_body_is_counted_while_it_arrives(limited: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(10):
            yield "长".encode() * 500
        yield b'"}'

    response = limited.post(
        "/v1/chat",
        content=chunks(),
        headers={"Content-Type": "application/json", "X-Client-Id": "body-2"},
    )
    assert_error(response, 413, "payload_too_large")


def test_a_small_chunked_body_still_gets_an_answer(limited: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield '{"message": "知识产权'.encode()
        yield '授权有什么支持？"}'.encode()

    response = limited.post(
        "/v1/chat",
        content=chunks(),
        headers={"Content-Type": "application/json", "X-Client-Id": "body-3"},
    )
    assert response.status_code == 200, response.text
    assert 12 in [c["measure"] for c in response.json()["citations"]]


def test_a_ten_megabyte_body_is_refused_up_front(limited: TestClient) -> None:
    response = limited.post(
        "/v1/chat",
        content=b"x" * (10 * 1024 * 1024),
        headers={"Content-Type": "application/json", "X-Client-Id": "body-4"},
    )
    assert_error(response, 413, "payload_too_large")


def test_a_client_over_its_burst_gets_429_with_retry_after(limited: TestClient) -> None:
    headers = {"X-Client-Id": "rate-1"}
    statuses = [limited.get("/v1/suggestions", headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = limited.get("/v1/suggestions", headers=headers)
    assert_error(response, 429, "rate_limited")
    # a burst of 3 at 60 a minute: the oldest of the three leaves the window after 3 s
    assert response.headers["Retry-After"] == "3"


def test_each_client_id_has_its_own_bucket(limited: TestClient) -> None:
    for _ in range(4):
        limited.get("/v1/suggestions", headers={"X-Client-Id": "rate-2"})
    assert limited.get("/v1/suggestions", headers={"X-Client-Id": "rate-2"}).status_code == 429
    assert limited.get("/v1/suggestions", headers={"X-Client-Id": "rate-3"}).status_code == 200


def test_a_malformed_client_id_counts_against_the_address(store_dir: Path) -> None:
    settings = make_settings(store_dir, rate_limit_per_minute=60, rate_limit_burst=2)
    with TestClient(create_app(settings)) as client:
        rotating = [
            client.get("/v1/suggestions", headers={"X-Client-Id": f"bad id {i} ✗".encode() * 20})
            for i in range(3)
        ]
    assert [r.status_code for r in rotating] == [200, 200, 429]


def test_health_checks_are_never_rate_limited(limited: TestClient) -> None:
    headers = {"X-Client-Id": "rate-4"}
    for _ in range(5):
        limited.get("/v1/suggestions", headers=headers)
    assert [limited.get("/healthz", headers=headers).status_code for _ in range(10)] == [200] * 10
    assert limited.get("/readyz", headers=headers).status_code == 200


def test_rate_limiting_off_lets_everything_through(client: TestClient) -> None:
    statuses = {client.get("/v1/suggestions").status_code for _ in range(50)}
    assert statuses == {200}


def test_rotating_client_ids_meet_the_per_address_ceiling(store_dir: Path) -> None:
    settings = make_settings(
        store_dir, rate_limit_per_minute=60, rate_limit_burst=20, rate_limit_per_ip_per_minute=5
    )
    with TestClient(create_app(settings)) as client:
        statuses = [
            client.get("/v1/suggestions", headers={"X-Client-Id": f"rotating-{i}"}).status_code
            for i in range(8)
        ]
    assert statuses == [200] * 5 + [429] * 3


def test_the_address_ceiling_defaults_to_four_clients_worth(store_dir: Path) -> None:
    limiter = RateLimiter(make_settings(store_dir, rate_limit_per_minute=7))
    assert [item.amount for item in limiter.address_items] == [28]
    off = RateLimiter(make_settings(store_dir, rate_limit_per_ip_per_minute=0))
    assert off.address_items == [] and off.enabled


def test_windows_count_exactly_and_a_slot_frees_when_the_oldest_leaves(store_dir: Path) -> None:
    now = [0.0]
    limiter = RateLimiter(
        make_settings(store_dir, rate_limit_per_minute=60, rate_limit_burst=2),
        clock=lambda: now[0],
    )

    def wait(client: str = "id:a") -> float:
        return asyncio.run(limiter.wait(client, "203.0.113.5"))

    assert [wait(), wait()] == [0.0, 0.0]
    assert wait() == pytest.approx(2.0)  # 2 at once, then the 2-second burst window
    assert wait("id:b") == 0.0  # another client, its own windows
    now[0] = 1.9
    assert wait() == pytest.approx(0.1)
    now[0] = 2.0
    assert wait() == 0.0


def test_idle_windows_are_dropped_and_their_number_is_bounded() -> None:
    now = [0.0]
    windows = LocalWindows(max_keys=100, clock=lambda: now[0])
    for i in range(5000):
        asyncio.run(windows.acquire_entry(f"client-{i}", limit=5, expiry=60))
    assert len(windows) <= 100
    now[0] = 61.0  # every window has emptied: keeping them would change nothing
    asyncio.run(windows.acquire_entry("late", limit=5, expiry=60))
    assert len(windows) == 1


def test_an_ipv6_address_counts_by_its_64() -> None:
    assert address_of("2001:db8::1") == address_of("2001:db8::ffff") == "2001:db8::/64"
    assert address_of("2001:db8:0:1::1") != address_of("2001:db8::1")
    assert address_of("203.0.113.5") == "203.0.113.5"


def test_an_unreachable_redis_fails_open_to_per_process_limits_logged_once(
    store_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        store_dir,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        rate_limit_per_minute=60,
        rate_limit_burst=3,
    )
    with caplog.at_level(logging.INFO, "policybot.limits"), TestClient(create_app(settings)) as c:
        statuses = [
            c.post("/v1/chat", json=QUESTION, headers={"X-Client-Id": "redis-down"}).status_code
            for _ in range(5)
        ]
        time.sleep(1.1)  # past the retry interval: Redis is tried again, and still down
        later = c.post("/v1/chat", json=QUESTION, headers={"X-Client-Id": "other"})
        assert later.status_code == 200
    assert statuses == [200, 200, 200, 429, 429]
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "policybot.limits"]
    assert [e["event"] for e in events] == ["rate_limits_shared_unreachable"]
    assert "Connect" in events[0]["reason"]


def test_a_slow_request_gets_504_and_the_worker_finishes_in_the_background(store_dir: Path) -> None:
    finished: list[float] = []
    app = create_app(make_settings(store_dir, rate_limit_per_minute=0, request_timeout_seconds=0.2))

    @app.get("/v1/slow")
    def slow() -> dict[str, str]:  # a stand-in for a hung store or provider call
        time.sleep(0.6)
        finished.append(time.monotonic())
        return {"status": "late"}

    with TestClient(app) as client:
        response = client.get("/v1/slow")
        assert_error(response, 504, "timeout")
        assert not finished  # answered before the work ended, not after it
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 10  # a bound for a loaded machine, not a speed target
        while not finished and time.monotonic() < deadline:
            time.sleep(0.05)
    assert finished  # the thread ran to its end; its result went nowhere


def test_a_real_chat_request_over_a_tiny_time_limit_is_504(store_dir: Path) -> None:
    settings = make_settings(store_dir, rate_limit_per_minute=0, request_timeout_seconds=0.0005)
    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/chat", json={"message": "夜校和博物馆夜间开放有什么安排？"})
    assert_error(response, 504, "timeout")


def test_invalid_utf8_in_a_json_body_is_a_4xx_in_the_error_shape(client: TestClient) -> None:
    response = client.post(
        "/v1/chat",
        content=b'{"message": "\xff\xfe\xfa"}',
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] == "malformed_json"
