"""The corpus: one text file per document, each with a metadata file beside it.

    <name>.txt    the document as released (a PDF's or a web page's text)
    <name>.json   doc_id, title, issuer, date, doc_number, url, audiences,
                  status (current | superseded), superseded_by; and optionally the reviewed
                  extras: notes_file (English renderings, audiences per measure, plain-word
                  summaries), examples_file, paraphrases_file, outside_file,
                  not_covered_file; coverage_zh/en
                  (what the measures cover, in a phrase) and suggested_zh/en (questions to
                  start with), else made from the text

The default corpus is the bundled 2025 measures alone (ingest/data/).
"""

import dataclasses
import json
from functools import cache
from pathlib import Path
from typing import Any

from ingest.parse import Document, Measure, parse

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_METADATA = DATA_DIR / "shanghai-service-consumption-measures-2025.json"


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
    # reviewed questions each measure answers: they decide scope and pick the measure
    examples: dict[int, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    # more ways of asking, each about one sentence of a measure (number, sentence number):
    # they pick the measure and the sentence quoted, never widen scope
    paraphrases: dict[tuple[int, int], tuple[str, ...]] = dataclasses.field(default_factory=dict)
    outside: tuple[str, ...] = ()  # questions near it that it does not answer
    off_topic: tuple[str, ...] = ()  # questions no policy of the corpus answers (weather…)
    issuers_en: tuple[str, ...] = ()
    sections_en: tuple[str, ...] = ()
    coverage_zh: str = ""  # what the measures are about, in a phrase, for refusals
    coverage_en: str = ""
    suggested_zh: tuple[str, ...] = ()  # questions to start with, each one it answers
    suggested_en: tuple[str, ...] = ()
    intro_en: str = ""
    doc_number: str | None = None  # 文号, e.g. 沪府办发〔2025〕23号
    url: str | None = None
    status: str = "current"  # or "superseded"
    superseded_by: str | None = None  # what replaced it, as its title or doc_id
    audiences_served: tuple[str, ...] = ()  # audience ids the whole document serves
    aliases: tuple[str, ...] = ()  # short names people call it by ("老年人权益保障条例")

    def measure(self, number: int) -> Measure:
        return self.document.measures[number - 1]

    def audiences_of(self, number: int) -> tuple[str, ...]:
        """Whom a measure serves: its own tags, else the whole document's."""
        notes = self.notes.get(number)
        return notes.audiences if notes and notes.audiences else self.audiences_served

    @property
    def current(self) -> bool:
        return self.status == "current"


@dataclasses.dataclass(frozen=True)
class Corpus:
    documents: tuple[Policy, ...]  # the first is the default: /v1/measures serves it

    def __len__(self) -> int:
        return len(self.documents)

    @property
    def default(self) -> Policy:
        return self.documents[0]

    def document(self, doc_id: str) -> Policy:
        return next(d for d in self.documents if d.doc_id == doc_id)

    def has(self, doc_id: str) -> bool:
        return any(d.doc_id == doc_id for d in self.documents)

    @property
    def audiences(self) -> tuple[Audience, ...]:
        found: dict[str, Audience] = {}
        for document in self.documents:
            found.update({a.id: a for a in document.audiences if a.id not in found})
        return tuple(found.values())


# a counter-example group named "off-topic: …" asks what no policy answers: it counts
# against every document of the corpus, the others against their own document only
OFF_TOPIC = "off-topic"


def load_policy(metadata_path: Path = DEFAULT_METADATA) -> Policy:
    meta = json.loads(metadata_path.read_text(encoding="utf-8"))
    folder = metadata_path.parent
    raw = (folder / meta.get("text_file", metadata_path.with_suffix(".txt").name)).read_text(
        encoding="utf-8"
    )
    # a text whose first page is cut off lost its title: the metadata's stands in
    document = parse(raw, title=meta.get("title"))
    notes = _named(folder, meta, "notes_file")
    outside = _named(folder, meta, "outside_file")
    date = meta.get("issue_date_iso") or meta.get("date") or document.issue_date or ""
    return Policy(
        doc_id=meta["doc_id"],
        title=meta.get("title") or document.title,
        title_en=meta.get("title_en", ""),
        issue_date=meta.get("issue_date") or _chinese_date(date),
        issue_date_iso=date,
        issuers=tuple(meta.get("issuers") or ([meta["issuer"]] if meta.get("issuer") else [])),
        release_note=meta.get("release_note", ""),
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
            for number, n in notes.get("measures", {}).items()
        },
        audiences=tuple(
            Audience(a["id"], a["label"], a["label_en"], tuple(a.get("keywords", ())))
            for a in notes.get("audiences", ())
        ),
        not_covered=_word_list(folder / meta["not_covered_file"])
        if "not_covered_file" in meta
        else (),
        examples={int(n): tuple(qs) for n, qs in _named(folder, meta, "examples_file").items()},
        paraphrases={
            (int(n), int(s)): tuple(qs)
            for n, by_sentence in _named(folder, meta, "paraphrases_file").items()
            for s, qs in by_sentence.items()
        },
        outside=tuple(
            q for group, qs in outside.items() if not group.startswith(OFF_TOPIC) for q in qs
        ),
        off_topic=tuple(
            q for group, qs in outside.items() if group.startswith(OFF_TOPIC) for q in qs
        ),
        issuers_en=tuple(meta.get("issuers_en", ())),
        sections_en=tuple(meta.get("sections_en", ())),
        coverage_zh=meta.get("coverage_zh", ""),
        coverage_en=meta.get("coverage_en", ""),
        suggested_zh=tuple(meta.get("suggested_zh", ())),
        suggested_en=tuple(meta.get("suggested_en", ())),
        intro_en=meta.get("intro_en", ""),
        doc_number=meta.get("doc_number") or document.doc_number,
        url=meta.get("url"),
        status=meta.get("status", "current"),
        superseded_by=meta.get("superseded_by"),
        audiences_served=tuple(meta.get("audiences", ())),
        aliases=tuple(meta.get("aliases", ())),
    )


def load_corpus(folder: Path, default: str | None = None) -> Corpus:
    """Every document in a folder: each `*.json` that names a doc_id, with its text. The
    default document comes first: `default` (a doc_id), else the one whose metadata says
    `"default": true`, else the first current one."""
    metadata = {
        path: json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))
    }
    documents = [load_policy(path) for path, meta in metadata.items() if "doc_id" in meta]
    default = default or next(
        (meta["doc_id"] for meta in metadata.values() if meta.get("default") and "doc_id" in meta),
        None,
    )
    if not documents:
        raise ValueError(f"no documents in {folder}: each needs a <name>.json with a doc_id")
    ids = [d.doc_id for d in documents]
    if len(set(ids)) != len(ids):
        raise ValueError(f"doc_id used twice in {folder}: {sorted(ids)}")
    first = next(
        (d for d in documents if d.doc_id == default),
        next((d for d in documents if d.current), documents[0]),
    )
    return Corpus((first, *[d for d in documents if d is not first]))


def _chinese_date(iso: str) -> str:
    parts = iso.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return iso
    return f"{int(parts[0])}年{int(parts[1])}月{int(parts[2])}日"


def _json(path: Path, missing: object) -> Any:
    return json.loads(path.read_text("utf-8")) if path.exists() else missing


def _named(folder: Path, meta: dict[str, Any], field: str) -> Any:
    """The JSON of the extra file the metadata names under `field`; {} when it names none."""
    return _json(folder / meta[field], {}) if field in meta else {}


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


@cache
def corpus_at(folder: Path | None) -> Corpus:
    """The corpus in `folder`, or the bundled 2025 measures alone."""
    return load_corpus(folder) if folder else Corpus((bundled_policy(),))
