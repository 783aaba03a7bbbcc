"""The real ChatOpenAI client over HTTP against a scripted OpenAI-compatible server on
127.0.0.1: the model name picks the server's behaviour."""

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.chat import Chat
from app.core.extractive import Composer
from app.core.llm import Prompts, Writer, chat_model
from app.core.question import understand
from app.core.retrieve import Retriever
from app.core.scope import Decision
from app.settings import Settings
from app.web.deps import gate_for
from ingest.source import Corpus, Policy
from vectorstore.store import Store

LABEL = re.compile(r"【第（[一二三四五六七八九十]+）条】")


def completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
    }


def provider() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Response:
        body = await request.json()
        behaviour = body["model"]
        prompt = "\n".join(m["content"] for m in body["messages"])
        first = LABEL.search(prompt)
        answer = f"可以关注养老服务新业态{first.group(0) if first else ''}。"
        if behaviour == "slow":
            await asyncio.sleep(3)
        if behaviour == "error":
            return JSONResponse({"error": {"message": "boom"}}, status_code=500)
        if behaviour == "limited":
            return JSONResponse({"error": {"message": "slow down"}}, status_code=429)
        if behaviour == "garbage":
            return PlainTextResponse("<html>not json</html>", media_type="application/json")
        if body.get("stream"):
            chunks = [
                {
                    "id": "c",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "m",
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }
                for piece in (answer[:4], answer[4:])
            ]
            lines = [f"data: {json.dumps(c, ensure_ascii=False)}\n\n" for c in chunks]
            return StreamingResponse(
                iter([*lines, "data: [DONE]\n\n"]), media_type="text/event-stream"
            )
        return JSONResponse(completion(answer))

    return app


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(provider(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    server.force_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture(scope="module")
def eldercare(store: Store, policy: Policy, settings: Settings) -> Decision:
    corpus = Corpus((policy,))
    chat = Chat(Retriever(store, corpus), corpus, gate_for(settings, corpus))
    return chat.scope(understand("养老服务有什么新业态？"))


def writer(policy: Policy, base_url: str, behaviour: str) -> Writer:
    model = chat_model(behaviour, base_url, None, timeout=1.0, temperature=0.2)
    return Writer(model, Prompts.load(), Composer(Corpus((policy,))))


def test_good_answer_is_kept(
    settings: Settings, base_url: str, eldercare: Decision, policy: Policy
) -> None:
    result = writer(policy, base_url, "good").answer(eldercare)
    top = policy.measure(eldercare.ranked[0].number).label
    assert (result.mode, result.fallback_reason) == ("llm", None)
    assert result.answer.text == f"可以关注养老服务新业态【第{top}条】。"


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("slow", "timeout"),
        ("error", "provider_error"),
        ("limited", "rate_limited"),
        ("garbage", "malformed_output"),
    ],
)
def test_provider_failures_give_the_extractive_answer(
    settings: Settings,
    base_url: str,
    eldercare: Decision,
    policy: Policy,
    behaviour: str,
    reason: str,
) -> None:
    started = time.perf_counter()
    result = writer(policy, base_url, behaviour).answer(eldercare)
    assert (result.mode, result.fallback_reason) == ("extractive", reason)
    assert result.answer.citations
    assert time.perf_counter() - started < 2.5


def test_stream_through_the_app_with_a_configured_model(settings: Settings, base_url: str) -> None:
    configured = settings.model_copy(update={"llm_model": "good", "llm_base_url": base_url})
    with TestClient(create_app(configured)) as client:
        response = client.post("/v1/chat/stream", json={"message": "养老服务有什么新业态？"})
    blocks = [b.split("\n") for b in response.text.strip().split("\n\n")]
    names = [lines[0].removeprefix("event: ") for lines in blocks]
    done = json.loads(blocks[-1][1].removeprefix("data: "))
    assert names[0] == "citations" and names.count("delta") == 2 and names[-1] == "done"
    assert (done["mode"], done["replaced"]) == ("llm", False)
    assert done["answer"].startswith("可以关注养老服务新业态【第")
