"""What any HTTP client meets beside the answers: HEAD on every GET route, and the API's
pages (/docs, /redoc) served with their own assets, no CDN."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Route, sync_playwright

from app.api import create_app
from app.settings import Settings
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.server import serving

# a value for each path parameter of a GET route; a new one fails the test until added
PATH_VALUES = {"number": "6", "model": "policybot", "doc_id": "sh-service-consumption-2025"}
PAGES = ["/", "/docs", "/redoc", "/openapi.json"]  # GET routes outside the OpenAPI schema


def get_paths(client: TestClient) -> list[str]:
    schema = client.get("/openapi.json").json()
    paths = [p for p, operations in schema["paths"].items() if "get" in operations]
    return [re.sub(r"{(\w+)}", lambda m: PATH_VALUES[m.group(1)], p) for p in paths] + PAGES


def test_every_get_route_answers_head_with_the_headers_and_no_body(client: TestClient) -> None:
    paths = get_paths(client)
    assert {"/v1/measures/6", "/healthz", "/docs", "/openapi.json"} <= set(paths)
    for path in paths:
        got, head = client.get(path), client.head(path)
        assert (path, head.status_code) == (path, 200)
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == str(len(got.content))


def test_head_on_a_post_route_is_still_405_in_the_error_shape(client: TestClient) -> None:
    response = client.head("/v1/chat")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


ABSOLUTE_URL = re.compile(r"https?://[^\s\"'<>)]+")
ASSET = re.compile(r"(?:src|href)=\"([^\"]+)\"")
ASSET_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_pages_name_no_other_host(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert ABSOLUTE_URL.findall(response.text) == []


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_page_assets_are_served_by_the_app(client: TestClient, page: str) -> None:
    assets = ASSET.findall(client.get(page).text)
    assert {Path(a).suffix for a in assets} >= {".js", ".png"}
    for asset in assets:
        response = client.get(asset)
        assert (asset, response.status_code) == (asset, 200)
        assert response.headers["content-type"].startswith(ASSET_TYPES[Path(asset).suffix])
        assert len(response.content) > 1000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("page", "shown"),
    [("/docs", "/v1/chat/completions"), ("/redoc", "One measure of the default document in full.")],
)
def test_api_pages_render_in_a_browser_without_leaving_the_host(
    settings: Settings, browser: Browser, page: str, shown: str
) -> None:
    elsewhere: list[str] = []

    def only_this_host(route: Route) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with serving(create_app(settings)) as base_url:
        tab = browser.new_page()
        tab.route("**/*", only_this_host)
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.goto(base_url + page)
        tab.get_by_text(shown).first.wait_for(timeout=15_000)
        tab.wait_for_load_state("networkidle")  # late loads, such as images drawn after
        tab.close()
    assert elsewhere == []
    assert [e for e in errors if "logo-mini.svg" not in e] == []
