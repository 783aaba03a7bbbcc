"""Parse a Chinese policy text into document → sections → measures → sentences.

The input is text extracted from a PDF or a web page: paragraphs are separated by blank
lines, and a page break splits a sentence into two paragraphs ("养老服" / "务领域"). The
parser joins those back, but never across a heading.

Shanghai policy texts come in a few numbering families:
- chapters 第X章 → articles 第X条 → items （一） (an item is part of its article);
- articles 第X条 with no chapters;
- sections 一、 → measures （一） (the bundled 2025 measures);
- sections 一、 → measures 1. numbered across sections, with sub-headings （一） between.
Which of them a text uses is decided per text (ingest.structure); what stands before and
after the text proper (covering notice, title, 文号, adoption note, signature) is read by
ingest.front, and attachments are left whole.

A text whose own numbering skips or repeats a number raises ParseError, which names each
place and carries what was parsed, so `python -m ingest.inspect` can show it all.
"""

import re
import unicodedata

# the types live in ingest.document; chunk.py, source.py and app/ import them from here
from ingest.document import Document as Document
from ingest.document import Measure as Measure
from ingest.document import Passage as Passage
from ingest.document import Section as Section
from ingest.document import Sentence as Sentence
from ingest.front import is_attachment, read_front, read_signature
from ingest.headings import find_heading, stands_alone

# app/ imports the numerals from here; they live in ingest.numerals
from ingest.numerals import CN_DIGITS as CN_DIGITS
from ingest.numerals import chinese_to_int as chinese_to_int
from ingest.numerals import int_to_chinese as int_to_chinese
from ingest.structure import Layout, Structure, layout_of

# Sentence-final punctuation: a paragraph that ends without it was cut by a page break.
SENTENCE_END = "。！？；：”」）)"
CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
SPACE = r"[ \t\u3000\u00a0]"
ZERO_WIDTH_RE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")


class ParseError(ValueError):
    """The text's own numbering does not hold together; `problems` names each place."""

    def __init__(self, problems: list[str], document: Document) -> None:
        super().__init__("the numbering does not hold together: " + "; ".join(problems))
        self.problems = tuple(problems)
        self.document = document  # what was parsed, breaks and all


def normalize_text(raw: str) -> str:
    """Unify line ends, drop zero-width characters and the spaces PDF extraction puts
    between CJK characters and digits ("2025 年 12 月" → "2025年12月", "第一条　为了" →
    "第一条为了")."""
    text = ZERO_WIDTH_RE.sub("", unicodedata.normalize("NFC", raw.replace("\r\n", "\n")))
    text = re.sub(rf"(?<=[{CJK}\d]){SPACE}+(?=[{CJK}\d])", "", text)
    text = re.sub(rf"(?<=[{CJK}]){SPACE}+|{SPACE}+(?=[{CJK}])", "", text)
    # what is left sits between Latin words or at a line's end: an ordinary space
    return re.sub(r"[\u3000\u00a0]", " ", text)


def _paragraphs(text: str) -> list[str]:
    # a text with no blank line at all (copied from a web page) has a paragraph a line
    blank = re.compile(r"\n\s*\n")
    blocks = blank.split(text) if blank.search(text) else text.split("\n")
    paragraphs = []
    for block in blocks:
        for part in _split_at_headings(block.strip()):
            # a single newline inside a block is a line wrap, not a paragraph break
            joined = re.sub(rf"(?<=[{CJK}])\n(?=[{CJK}])", "", part)
            joined = re.sub(r"\s*\n\s*", " ", joined)
            if joined:
                paragraphs.append(joined)
    return paragraphs


def _split_at_headings(block: str) -> list[str]:
    """A line that opens a heading after a finished sentence starts a paragraph of its own,
    even with no blank line before it."""
    parts: list[str] = []
    for line in block.split("\n"):
        stripped = line.strip()
        if parts and find_heading(stripped):
            last_line = parts[-1].rsplit("\n", 1)[-1].strip()
            if last_line.endswith(tuple(SENTENCE_END)) or stands_alone(last_line):
                parts.append(line)
                continue
        if parts:
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    return parts


def _join_page_breaks(paragraphs: list[str], layout: Layout) -> list[str]:
    joined: list[str] = []
    for paragraph in paragraphs:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and not previous.endswith(tuple(SENTENCE_END))
            and not layout.stands_alone(previous)
            and not find_heading(paragraph)
        ):
            joined[-1] = previous + paragraph
        else:
            joined.append(paragraph)
    return joined


def parse(raw: str, title: str | None = None) -> Document:
    paragraphs = _paragraphs(normalize_text(raw))
    front = read_front(paragraphs, title)
    # the front matter (notice, title, issuers, date, adoption note) is lines: never joined
    body_start = front.body_start
    # attachments are documents of their own, with numberings of their own: not parsed here
    first_heading = next(
        (i for i in range(body_start, len(paragraphs)) if find_heading(paragraphs[i])),
        len(paragraphs),
    )
    body_end = next(
        (i for i in range(first_heading, len(paragraphs)) if is_attachment(paragraphs[i])),
        len(paragraphs),
    )
    signature = read_signature(paragraphs[body_start:body_end])
    signed = signature.paragraphs
    body = paragraphs[body_start : body_end - signed]
    # joining never moves the start of a heading, so the layout is the same before and after
    layout = layout_of([find_heading(p) for p in body], body)
    joined = _join_page_breaks(body, layout)
    appendix_start = body_start + len(joined) + signed
    paragraphs = paragraphs[:body_start] + joined + paragraphs[body_end - signed :]
    text = "\n\n".join(paragraphs)
    offsets, position = [], 0
    for paragraph in paragraphs:
        offsets.append(position)
        position += len(paragraph) + 2
    structure = Structure(paragraphs, offsets, text, layout)
    headings = [find_heading(p) for p in joined]
    for index, heading in enumerate(headings, start=body_start):
        structure.add(index, heading)
    structure.finish()
    document = Document(
        title=front.title or "",
        text=text,
        issue_date=front.issue_date or signature.issue_date,
        issuers=front.issuers or signature.issuers,
        release_note=front.release_note or signature.release_note,
        sections=tuple(structure.sections),
        measures=tuple(structure.measures),
        passages=tuple(structure.passages),
        doc_number=front.doc_number,
        notice_title=front.notice_title,
        adoption_note=front.adoption_note,
        appendix=text[offsets[appendix_start] :] if appendix_start < len(paragraphs) else None,
    )
    problems = structure.problems()
    if problems:
        raise ParseError(problems, document)
    return document
