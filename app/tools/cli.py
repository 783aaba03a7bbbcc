"""The `policybot` command: ingest, serve, ask, eval, inspect."""

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from app.settings import Settings


def _store(settings: Settings, checked: bool = False):
    """The configured store; `checked`: it must hold the chunks of the bundled text."""
    from vectorstore.embeddings import load_embedder
    from vectorstore.store import open_store

    source = None
    if checked:
        from app.web.deps import source_of
        from ingest.source import corpus_at

        source = source_of(corpus_at(settings.corpus_dir))
    embedder = load_embedder(settings.embedder)
    return open_store(
        settings.store_dir, settings.chroma_url, embedder, settings.collection, source
    )


def ingest_command(settings: Settings) -> int:
    from ingest.run import ingest
    from ingest.source import corpus_at

    where = settings.chroma_url or settings.store_dir
    report = ingest(corpus_at(settings.corpus_dir), _store(settings))
    if report.changed:
        print(
            f"built {report.collection} at {where}: {report.added} chunks added, "
            f"{report.removed} removed, {report.kept} kept ({report.seconds:.1f} s)"
        )
        if report.previous:
            print(f"switched from {report.previous} and dropped it")
    else:
        print(f"{report.collection} at {where} is up to date: {report.kept} chunks, nothing to do")
    return 0


def _chat(settings: Settings):
    from app.core.chat import Chat
    from app.core.retrieve import Retriever
    from app.web.deps import gate_for
    from ingest.source import corpus_at

    corpus = corpus_at(settings.corpus_dir)
    return Chat(Retriever(_store(settings), corpus), corpus, gate_for(settings, corpus))


class ServiceError(Exception):
    pass


def eval_command(settings: Settings, path: Path, answers: bool, url: str | None) -> int:
    from app.tools.evaluate import evaluate_answers, evaluate_retrieval, load_golden

    items = load_golden(path)
    if answers or url:
        try:
            figures = evaluate_answers(_http_asker(settings, url), items)
        except ServiceError as error:
            print(f"policybot eval: {error}", file=sys.stderr)
            return 1
    else:
        chat = _chat(settings)
        chat.retriever.warm_up()
        figures = evaluate_retrieval(chat, items)
    print(
        json.dumps(
            {"file": str(path), "mode": "answers" if answers or url else "retrieval", **figures},
            ensure_ascii=False,
        )
    )
    return 0


def _http_asker(settings: Settings, url: str | None):
    import httpx

    client: Any  # an httpx client, or the in-process TestClient
    if url:
        client = httpx.Client(base_url=url, timeout=30)
    else:
        from fastapi.testclient import TestClient

        from app.api import create_app

        # one client asking hundreds of questions is not abuse: no rate limit here
        unlimited = settings.model_copy(update={"rate_limit_per_minute": 0})
        client = TestClient(create_app(unlimited)).__enter__()

    def ask(message: str, history: list[dict[str, str]]) -> dict:
        try:
            response = client.post("/v1/chat", json={"message": message, "history": history})
        except httpx.TransportError as error:  # nothing listening, or it went away
            raise ServiceError(f"cannot reach {url}: {error}") from error
        if response.status_code != 200:  # not an answer to score: a service that cannot answer
            raise ServiceError(f"the service answered {response.status_code}: {response.text}")
        return response.json()

    return ask


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("ingest", help="build or refresh the store")
    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes, each a whole app (default 1)"
    )
    ask = commands.add_parser("ask", help="answer one question and print its citations")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the API's JSON reply")
    evaluate = commands.add_parser("eval", help="score a golden JSONL file")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument(
        "--answers",
        action="store_true",
        help="score answers through the HTTP API, not the retrieval",
    )
    evaluate.add_argument("--url", help="score a running service at this base URL")
    inspect = commands.add_parser(
        "inspect", help="print what the parser makes of a policy text, as JSON, before ingesting"
    )
    inspect.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    settings = Settings()

    if args.command == "ingest":
        return ingest_command(settings)
    if args.command == "inspect":
        from ingest.inspect import inspect as inspect_text

        found = inspect_text(args.file)
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return 1 if found.get("problems") else 0
    if args.command == "eval":
        return eval_command(settings, args.file, args.answers, args.url)
    if args.command == "serve":
        return serve_command(settings, args.host, args.port, args.workers)
    if args.command == "ask":
        return ask_command(settings, args.question, args.json)
    return 2


def serve_command(settings: Settings, host: str, port: int, workers: int = 1) -> int:
    import uvicorn

    from vectorstore.store import EmbedderMismatch, StoreMissing, StoreUnavailable

    if workers < 1:
        print("policybot: --workers must be at least 1", file=sys.stderr)
        return 2
    # a missing embedded store is built here, once, before any worker starts: several
    # processes must not write one store directory (they may all read it). A Chroma server
    # is shared by replicas on many hosts: its ingest runs once, elsewhere, and every
    # replica picks it up without a restart.
    try:
        _store(settings, checked=True).collection()
    except StoreMissing:
        if settings.chroma_url:
            print(
                "policybot: the Chroma server has no store yet: run `policybot ingest` once "
                "against it; starting without it for now",
                file=sys.stderr,
            )
        else:
            print("the store is empty: building it first", file=sys.stderr)
            ingest_command(settings)
    except EmbedderMismatch as error:  # serving it would answer from the wrong vectors or text
        print(f"policybot: {error}", file=sys.stderr)
        return 2
    except StoreUnavailable as error:  # a server that comes back is picked up by requests
        print(f"policybot: starting without the store for now: {error}", file=sys.stderr)
    if workers > 1:
        # the embedder's C engine runs OpenMP threads, one per core unless told: N workers
        # would run N × cores threads that spin against each other, so they share the cores
        cores = os.cpu_count() or 1
        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, cores // workers)))
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    # each worker builds its own app from the same POLICYBOT_* settings; one JSON line per
    # request from the app's own log replaces uvicorn's access log
    uvicorn.run(
        "app.api:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        # h11, not httptools: httptools reads a request head of any size, h11 answers 400
        # past this many bytes
        http="h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
    )
    return 0


def ask_command(settings: Settings, question: str, as_json: bool) -> int:
    from fastapi.testclient import TestClient

    from app.api import create_app

    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/chat", json={"message": question})
    body = response.json()
    if as_json or response.status_code != 200:
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0 if response.status_code == 200 else 1
    print(body["answer"])
    for citation in body["citations"]:
        print(f"  {citation['label']}{citation['title']} — {citation['quote']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
