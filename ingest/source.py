"""The bundled policy: its text as released plus a metadata file beside it."""

import dataclasses
import json
from functools import cache
from pathlib import Path
from typing import Any

from ingest.parse import Document, Measure, parse

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_METADATA = DATA_DIR / "shanghai-service-consumption-measures-2025.json"
NOTES = "measures.json"
NOT_COVERED = "not_covered.txt"
# reviewed questions each measure answers (paraphrases the small embedder misses), and
# questions the document does not answer (counter-examples for the scope decision)
EXAMPLES = "examples.json"
OUTSIDE = "outside.json"


@dataclasses.dataclass(frozen=True)
class Audience:
    id: str
    label: str
    label_en: str
    keywords: tuple[str, ...] = ()  # words by which people say they belong to it


@dataclasses.dataclass(frozen=True)
class MeasureNotes:
    """What we add to a measure, reviewed by hand: an English rendering and who it serves."""

    title_en: str
    text_en: str
    audiences: tuple[str, ...]
    topics: tuple[str, ...]
    summary_zh: str = ""  # one or two sentences in plain words (用大白话)
    summary_en: str = ""


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
    notes: dict[int, MeasureNotes]
    audiences: tuple[Audience, ...]
    not_covered: tuple[str, ...]  # words of topics the document leaves open
    examples: dict[int, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    outside: tuple[str, ...] = ()
    issuers_en: tuple[str, ...] = ()
    sections_en: tuple[str, ...] = ()
    coverage_zh: str = ""  # what the measures are about, in a phrase, for refusals
    coverage_en: str = ""
    intro_en: str = ""

    def measure(self, number: int) -> Measure:
        return self.document.measures[number - 1]


def load_policy(metadata_path: Path = DEFAULT_METADATA) -> Policy:
    meta = json.loads(metadata_path.read_text(encoding="utf-8"))
    raw = (metadata_path.parent / meta["text_file"]).read_text(encoding="utf-8")
    # the text's first page is cut off: what it lost (title, date, issuers) comes from metadata
    document = parse(raw, title=meta["title"])
    notes = json.loads((metadata_path.parent / meta.get("notes_file", NOTES)).read_text("utf-8"))
    return Policy(
        doc_id=meta["doc_id"],
        title=meta["title"],
        title_en=meta["title_en"],
        issue_date=meta["issue_date"],
        issue_date_iso=meta["issue_date_iso"],
        issuers=tuple(meta["issuers"]),
        release_note=meta["release_note"],
        document=document,
        notes={
            int(number): MeasureNotes(
                n["title_en"],
                n["text_en"],
                tuple(n["audiences"]),
                tuple(n["topics"]),
                n.get("summary", {}).get("zh", ""),
                n.get("summary", {}).get("en", ""),
            )
            for number, n in notes["measures"].items()
        },
        audiences=tuple(
            Audience(a["id"], a["label"], a["label_en"], tuple(a.get("keywords", ())))
            for a in notes["audiences"]
        ),
        not_covered=_word_list(metadata_path.parent / NOT_COVERED),
        examples={
            int(n): tuple(qs) for n, qs in _json(metadata_path.parent / EXAMPLES, {}).items()
        },
        outside=tuple(q for qs in _json(metadata_path.parent / OUTSIDE, {}).values() for q in qs),
        issuers_en=tuple(meta.get("issuers_en", ())),
        sections_en=tuple(meta.get("sections_en", ())),
        coverage_zh=meta.get("coverage_zh", ""),
        coverage_en=meta.get("coverage_en", ""),
        intro_en=meta.get("intro_en", ""),
    )


def _json(path: Path, missing: object) -> Any:
    return json.loads(path.read_text("utf-8")) if path.exists() else missing


def _word_list(path: Path) -> tuple[str, ...]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(
        word.strip().lower()
        for line in lines
        if line.strip() and not line.startswith("#")
        for word in line.split("、")
        if word.strip()
    )


@cache
def bundled_policy() -> Policy:
    return load_policy()
