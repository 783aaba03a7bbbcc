"""The bundled policy: its text as released plus a metadata file beside it."""

import dataclasses
import json
from functools import cache
from pathlib import Path

from ingest.parse import Document, parse

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_METADATA = DATA_DIR / "shanghai-service-consumption-measures-2025.json"


@dataclasses.dataclass(frozen=True)
class Policy:
    doc_id: str
    title: str
    title_en: str
    issue_date: str  # "2025年12月25日"
    issue_date_iso: str
    issuers: tuple[str, ...]
    release_note: str
    document: Document

    def measure(self, number: int):
        return self.document.measures[number - 1]


def load_policy(metadata_path: Path = DEFAULT_METADATA) -> Policy:
    meta = json.loads(metadata_path.read_text(encoding="utf-8"))
    raw = (metadata_path.parent / meta["text_file"]).read_text(encoding="utf-8")
    # the text's first page is cut off: what it lost (title, date, issuers) comes from metadata
    document = parse(raw, title=meta["title"])
    return Policy(
        doc_id=meta["doc_id"],
        title=meta["title"],
        title_en=meta["title_en"],
        issue_date=meta["issue_date"],
        issue_date_iso=meta["issue_date_iso"],
        issuers=tuple(meta["issuers"]),
        release_note=meta["release_note"],
        document=document,
    )


@cache
def bundled_policy() -> Policy:
    return load_policy()
