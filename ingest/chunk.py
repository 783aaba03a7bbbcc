"""Cut a parsed policy into the chunks that are embedded and stored.

One chunk per whole measure, and one per sentence with the measure's title in front:
a sentence alone ("推进商标快速审查。") often lacks the topic that makes it findable.
Each measure's English rendering is chunked the same way, so that English questions meet
English text: the bundled model matches across languages, but loses ~10 points doing it.
Reviewed questions a measure answers are embedded too, found by meaning and never quoted:
examples, which also decide whether the document answers a question, and paraphrases
(more ways of asking about one sentence), which only help pick the measure and the
sentence to quote (core/retrieve.py).
"""

import hashlib
import re
from dataclasses import dataclass

from ingest.parse import Measure, Passage
from ingest.source import Corpus, Policy

KINDS = (
    "measure",
    "sentence",
    "english",
    "example",
    "paraphrase",
    "outside",
    "off_topic",
    "intro",
    "closing",
    "section",
)


@dataclass(frozen=True)
class Chunk:
    id: str
    kind: str  # one of KINDS
    text: str  # what is embedded
    measure_number: int  # 1..n for measures, 0 for passages (intro, closing, section text)
    start: int  # offsets into the normalized document text
    end: int
    metadata: dict[str, str | int]


def _chunk(
    policy: Policy, kind: str, text: str, start: int, end: int, measure: Measure | None
) -> Chunk:
    # the id names what the chunk is and hashes what it says: same text, same id
    digest = hashlib.sha1(text.encode()).hexdigest()[:12]
    number = measure.number if measure else 0
    section = measure.section if measure else None
    chunk_id = f"{policy.doc_id}:{kind}:{number}:{start}-{end}:{digest}"
    metadata: dict[str, str | int] = {
        "doc_id": policy.doc_id,
        "doc_title": policy.title,
        "issue_date": policy.issue_date,
        "section_number": section.number if section else 0,
        "section_title": section.heading if section else "",
        "measure_number": number,
        "label": measure.label if measure else "",
        "measure_title": measure.title if measure else "",
        "kind": kind,
        "start": start,
        "end": end,
    }
    return Chunk(chunk_id, kind, text, number, start, end, metadata)


def measure_chunks(policy: Policy, measure: Measure) -> list[Chunk]:
    chunks = [_chunk(policy, "measure", measure.text, measure.start, measure.end, measure)]
    for sentence in measure.sentences:
        text = f"{measure.title}：{sentence.text}"
        chunks.append(_chunk(policy, "sentence", text, sentence.start, sentence.end, measure))
    notes = policy.notes.get(measure.number)
    if notes:
        # English chunks span the whole measure: there are no offsets into a translation
        for english in re.split(r"(?<=[.!?])\s+", notes.text_en):
            text = f"{notes.title_en}: {english}"
            chunks.append(_chunk(policy, "english", text, measure.start, measure.end, measure))
    # reviewed questions this measure answers: found by meaning, never quoted
    for example in policy.examples.get(measure.number, ()):
        chunks.append(_chunk(policy, "example", example, measure.start, measure.end, measure))
    # and questions about one of its sentences, which then is the one quoted
    for number, sentence in enumerate(measure.sentences, 1):
        for question in policy.paraphrases.get((measure.number, number), ()):
            chunks.append(
                _chunk(policy, "paraphrase", question, sentence.start, sentence.end, measure)
            )
    return chunks


def passage_chunk(policy: Policy, passage: Passage) -> Chunk:
    return _chunk(policy, passage.kind, passage.text, passage.start, passage.end, None)


def chunk_corpus(corpus: Corpus) -> list[Chunk]:
    return [chunk for policy in corpus.documents for chunk in chunk_policy(policy)]


def chunk_policy(policy: Policy) -> list[Chunk]:
    chunks = [c for m in policy.document.measures for c in measure_chunks(policy, m)]
    chunks += [passage_chunk(policy, p) for p in policy.document.passages]
    # questions the document does not answer: the scope decision's counter-examples
    chunks += [_chunk(policy, "outside", question, 0, 0, None) for question in policy.outside]
    chunks += [_chunk(policy, "off_topic", q, 0, 0, None) for q in policy.off_topic]
    return chunks
