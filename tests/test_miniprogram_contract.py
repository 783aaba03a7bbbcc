"""The WeChat mini-program reads the service's responses by name: every name it reads
must be in the OpenAPI schema, or the client breaks when the server changes. How it handles
what it reads (statuses, errors, streams) is tested in the simulator: `make miniprogram`."""

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

MINIPROGRAM = Path(__file__).parent.parent / "examples" / "miniprogram"
# In the mini-program's code each response object always goes by one of these names.
NAMED_AS = {
    "reply": "ChatResponse",  # POST /v1/chat, and the stream's `done` event
    "sources": "ChatResponse",  # the stream's `citations` event: a subset of the same names
    "citation": "CitationOut",
    "audience": "AudienceOut",  # reply.persona's items
    "detail": "ErrorDetail",  # body.error
    "measure": "MeasureDetail",
    "listing": "Suggestions",
}
READ = re.compile(r"(?<![\w.])(" + "|".join(NAMED_AS) + r")\.([A-Za-z_]\w*)")


def fields_read() -> dict[str, set[str]]:
    fields: dict[str, set[str]] = {name: set() for name in NAMED_AS}
    for path in MINIPROGRAM.rglob("*.js"):
        if {"test", "node_modules"} & set(path.relative_to(MINIPROGRAM).parts):
            continue
        for name, field in READ.findall(path.read_text(encoding="utf-8")):
            fields[name].add(field)
    return fields


@pytest.fixture(scope="module")
def schemas(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()["components"]["schemas"]


def test_the_client_reads_the_fields_it_shows() -> None:
    fields = fields_read()
    assert {"answer", "citations", "grounded", "suggestions", "persona"} <= fields["reply"]
    assert {"measure", "label", "title", "quote"} <= fields["citation"]
    assert {"label"} <= fields["audience"]
    assert {"code", "message"} <= fields["detail"]
    assert {"label", "title", "sentences"} <= fields["measure"]
    assert "error" in (MINIPROGRAM / "pages" / "chat" / "chat.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(NAMED_AS))
def test_every_field_the_client_reads_is_in_the_openapi_schema(
    name: str, schemas: dict[str, Any]
) -> None:
    schema = schemas[NAMED_AS[name]]
    missing = fields_read()[name] - set(schema["properties"])
    assert missing == set(), f"{name} reads {missing}, not in {NAMED_AS[name]}"


def test_errors_are_read_from_the_error_body(schemas: dict[str, Any]) -> None:
    chat = (MINIPROGRAM / "pages" / "chat" / "chat.js").read_text(encoding="utf-8")
    assert "body.error" in chat
    assert "error" in schemas["ErrorResponse"]["properties"]


def test_the_client_sends_its_id_in_the_header_the_server_reads(client: TestClient) -> None:
    chat = (MINIPROGRAM / "pages" / "chat" / "chat.js").read_text(encoding="utf-8")
    header = client.app.state.services.settings.client_id_header  # type: ignore[attr-defined]
    assert f'"{header}"' in chat
    assert "session_key" not in chat
