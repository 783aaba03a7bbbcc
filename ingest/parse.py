"""Parse a Chinese policy text into document → sections → measures → sentences.

The input is text extracted from a PDF: paragraphs are separated by blank lines, and a
page break splits a sentence into two paragraphs ("养老服" / "务领域"). The parser joins
those back, but never across a heading, and knows the numbering of this family of
documents: sections 一、/第一章, items （一）/第一条. Nothing depends on one file's offsets.
"""

import re
import unicodedata
from dataclasses import dataclass

# app/ imports the numerals from here; they live in ingest.numerals
from ingest.numerals import CN_DIGITS as CN_DIGITS
from ingest.numerals import chinese_to_int as chinese_to_int
from ingest.numerals import int_to_chinese as int_to_chinese

# the characters of a heading's numeral (no 千/万: no heading runs that far)
CN_NUMERAL = "零〇一二两三四五六七八九十百"

SECTION_RE = re.compile(rf"^(?:([{CN_NUMERAL}]+)、|第([{CN_NUMERAL}\d]+)章\s*)")
MEASURE_RE = re.compile(rf"^(?:[（(]([{CN_NUMERAL}]+)[)）]|第([{CN_NUMERAL}\d]+)条\s*)")
SENTENCE_RE = re.compile(r"[^。！？；]+[。！？；]?")
DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
RELEASE_RE = re.compile(r"^[（(](此件[^)）]*)[)）]$")
ISSUER_RE = re.compile(r"(委员会|局|办公室|宣传部|厅|政府|中心)$")
TITLE_RE = re.compile(r"^关于.{2,60}(措施|办法|意见|通知|规定|方案|细则)$")
# Sentence-final punctuation: a paragraph that ends without it was cut by a page break.
SENTENCE_END = "。！？；：”」）)"
CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
ZERO_WIDTH_RE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offsets into Document.text
    end: int


@dataclass(frozen=True)
class Section:
    number: int
    label: str  # "一、"
    title: str  # "丰富高品质服务消费新供给"

    @property
    def heading(self) -> str:
        return f"{self.label}{self.title}"


@dataclass(frozen=True)
class Measure:
    number: int  # running order in the document, 1-based
    label: str  # "（六）"
    title: str  # "提升家政和银发服务消费品质"
    section: Section | None
    text: str  # the whole paragraph, label included
    start: int
    end: int
    sentences: tuple[Sentence, ...]  # the body after the title sentence


@dataclass(frozen=True)
class Passage:
    """A citable paragraph that is not a measure: the introduction or the closing."""

    kind: str  # "intro" | "closing"
    text: str
    start: int
    end: int
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Document:
    title: str
    text: str  # normalized: paragraphs joined across page breaks, separated by blank lines
    issue_date: str | None
    issuers: tuple[str, ...]
    release_note: str | None
    sections: tuple[Section, ...]
    measures: tuple[Measure, ...]
    passages: tuple[Passage, ...]


def normalize_text(raw: str) -> str:
    """Unify line ends, drop zero-width characters and the spaces PDF extraction puts
    between CJK characters and digits ("2025 年 12 月" → "2025年12月")."""
    text = ZERO_WIDTH_RE.sub("", unicodedata.normalize("NFC", raw.replace("\r\n", "\n")))
    text = re.sub(rf"(?<=[{CJK}\d])[ \t\u3000]+(?=[{CJK}\d])", "", text)
    text = re.sub(rf"(?<=[{CJK}])[ \t\u3000]+|[ \t\u3000]+(?=[{CJK}])", "", text)
    return text


def _paragraphs(text: str) -> list[str]:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        # a single newline inside a block is a line wrap, not a paragraph break
        joined = re.sub(rf"(?<=[{CJK}])\n(?=[{CJK}])", "", block.strip())
        joined = re.sub(r"\s*\n\s*", " ", joined)
        if joined:
            paragraphs.append(joined)
    return paragraphs


def _is_standalone_heading(paragraph: str) -> bool:
    return bool(SECTION_RE.match(paragraph)) and not paragraph.endswith(tuple("。；"))


def _starts_heading(paragraph: str) -> bool:
    return bool(SECTION_RE.match(paragraph) or MEASURE_RE.match(paragraph))


def _join_page_breaks(paragraphs: list[str]) -> list[str]:
    joined: list[str] = []
    for paragraph in paragraphs:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and not previous.endswith(tuple(SENTENCE_END))
            and not _is_standalone_heading(previous)
            and not _starts_heading(paragraph)
        ):
            joined[-1] = previous + paragraph
        else:
            joined.append(paragraph)
    return joined


def _find_title(paragraphs: list[str], title: str | None) -> int | None:
    for index, paragraph in enumerate(paragraphs):
        if paragraph == title or (title is None and TITLE_RE.match(paragraph)):
            return index
        if _starts_heading(paragraph):
            return None
    return None


def _sentences(paragraph: str, offset: int, skip: int = 0) -> tuple[Sentence, ...]:
    found = []
    for match in SENTENCE_RE.finditer(paragraph, skip):
        text = match.group().strip()
        if len(text) > 1:
            start = offset + match.start() + (len(match.group()) - len(match.group().lstrip()))
            found.append(Sentence(text, start, start + len(text)))
    return tuple(found)


def _measure_title(paragraph: str, label_end: int) -> tuple[str, int]:
    """The title is the first phrase: up to the first 。 (or a bracketed 【title】)."""
    rest = paragraph[label_end:]
    bracketed = re.match(r"^[【\[]([^】\]]{1,40})[】\]]", rest)
    if bracketed:
        return bracketed.group(1), label_end + bracketed.end()
    stop = re.search(r"[。！？；]", rest)
    if stop and stop.start() <= 40:
        return rest[: stop.start()], label_end + stop.end()
    # a long first sentence (common in 第X条 texts): its first clause stands for the title
    clause = re.split(r"[，,：:]", rest, maxsplit=1)[0]
    return clause[:24], label_end


def parse(raw: str, title: str | None = None) -> Document:
    paragraphs = _paragraphs(normalize_text(raw))
    title_index = _find_title(paragraphs, title)
    # the front matter (issuers, date, release note) is a list of lines: never joined
    front = paragraphs[:title_index] if title_index is not None else []
    body_start = title_index + 1 if title_index is not None else 0
    paragraphs = paragraphs[:body_start] + _join_page_breaks(paragraphs[body_start:])
    text = "\n\n".join(paragraphs)
    offsets, position = [], 0
    for paragraph in paragraphs:
        offsets.append(position)
        position += len(paragraph) + 2

    sections: list[Section] = []
    measures: list[Measure] = []
    intro: list[int] = []
    trailing: list[int] = []
    for index in range(body_start, len(paragraphs)):
        paragraph = paragraphs[index]
        section_match = SECTION_RE.match(paragraph)
        measure_match = MEASURE_RE.match(paragraph)
        if section_match and _is_standalone_heading(paragraph):
            numeral = section_match.group(1) or section_match.group(2)
            label = paragraph[: section_match.end()].strip()
            sections.append(
                Section(chinese_to_int(numeral), label, paragraph[section_match.end() :])
            )
            trailing = []
        elif measure_match:
            label = paragraph[: measure_match.end()].strip()
            measure_title, title_end = _measure_title(paragraph, measure_match.end())
            start = offsets[index]
            measures.append(
                Measure(
                    number=len(measures) + 1,
                    label=label,
                    title=measure_title,
                    section=sections[-1] if sections else None,
                    text=paragraph,
                    start=start,
                    end=start + len(paragraph),
                    sentences=_sentences(paragraph, start, title_end),
                )
            )
            trailing = []
        elif not measures and not sections:
            intro.append(index)
        else:
            trailing.append(index)

    passages = [_passage("intro", indexes, paragraphs, offsets) for indexes in [intro] if indexes]
    if trailing:
        passages.append(_passage("closing", trailing, paragraphs, offsets))
    return Document(
        title=paragraphs[title_index] if title_index is not None else (title or ""),
        text=text,
        issue_date=_issue_date(front),
        issuers=tuple(p for p in front if ISSUER_RE.search(p) and len(p) <= 30 and "。" not in p),
        release_note=next((m.group(1) for p in front if (m := RELEASE_RE.match(p))), None),
        sections=tuple(sections),
        measures=tuple(measures),
        passages=tuple(passages),
    )


def _passage(kind: str, indexes: list[int], paragraphs: list[str], offsets: list[int]) -> Passage:
    # consecutive paragraphs: the span runs from the first to the end of the last
    start = offsets[indexes[0]]
    end = offsets[indexes[-1]] + len(paragraphs[indexes[-1]])
    sentences = tuple(s for i in indexes for s in _sentences(paragraphs[i], offsets[i]))
    return Passage(kind, "\n\n".join(paragraphs[i] for i in indexes), start, end, sentences)


def _issue_date(front: list[str]) -> str | None:
    for paragraph in reversed(front):
        match = DATE_RE.fullmatch(paragraph)
        if match:
            year, month, day = match.groups()
            return f"{year}年{int(month)}月{int(day)}日"
    return None
