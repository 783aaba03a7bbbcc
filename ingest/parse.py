"""Parse a Chinese policy text into document → sections → measures → sentences.

The input is text extracted from a PDF or a web page: paragraphs are separated by blank
lines, and a page break splits a sentence into two paragraphs ("养老服" / "务领域"). The
parser joins those back, but never across a heading.

Shanghai policy texts come in a few numbering families, and the parser decides per
document which numbering holds its measures:
- chapters 第X章 → articles 第X条 → items （一） (an item is part of its article);
- articles 第X条 with no chapters;
- sections 一、 → measures （一） (the bundled 2025 measures);
- sections 一、 → measures 1. numbered across sections, with sub-headings （一） between.
Where a text has articles, they are the measures. Otherwise the measures are the
outermost numbering whose paragraphs carry sentences of their own; the numberings above
are headings, those below are items inside a measure. What stands before the text
(covering notice, title, 文号, adoption note) is read by ingest.front.

A document whose own numbering skips or repeats a number raises ParseError, which names
each place and carries what was parsed, so `python -m ingest.inspect` can show it all.
"""

import re
import unicodedata
from dataclasses import dataclass

from ingest.front import is_attachment, read_front, read_signature
from ingest.headings import HEADING_LENGTH, KINDS, Heading, find_heading, stands_alone
from ingest.numbering import Numbered, Restart, breaks

# app/ imports the numerals from here; they live in ingest.numerals
from ingest.numerals import CN_DIGITS as CN_DIGITS
from ingest.numerals import chinese_to_int as chinese_to_int
from ingest.numerals import int_to_chinese as int_to_chinese

SENTENCE_RE = re.compile(r"[^。！？；]+[。！？；]?")
# Sentence-final punctuation: a paragraph that ends without it was cut by a page break.
SENTENCE_END = "。！？；：”」）)"
CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
SPACE = r"[ \t\u3000\u00a0]"
ZERO_WIDTH_RE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")


class ParseError(ValueError):
    """The text's own numbering does not hold together; `problems` names each place."""

    def __init__(self, problems: list[str], document: "Document") -> None:
        super().__init__("the numbering does not hold together: " + "; ".join(problems))
        self.problems = tuple(problems)
        self.document = document  # what was parsed, breaks and all


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offsets into Document.text
    end: int


@dataclass(frozen=True)
class Section:
    """A heading above measures: a section 一、, a chapter 第一章, or a sub-heading （一）."""

    number: int
    label: str  # "一、"
    title: str  # "丰富高品质服务消费新供给"

    @property
    def heading(self) -> str:
        return f"{self.label}{self.title}"


@dataclass(frozen=True)
class Measure:
    number: int  # running order in the document, 1-based
    label: str  # "（六）", "第十二条", "12."
    title: str  # "提升家政和银发服务消费品质"
    section: Section | None
    text: str  # its paragraphs (an article's items included), label included
    start: int
    end: int
    sentences: tuple[Sentence, ...]  # the body after the title sentence
    subsection: Section | None = None  # the sub-heading it sits under, inside its section


@dataclass(frozen=True)
class Passage:
    """Citable paragraphs that are no measure: the introduction, the closing, or the text
    a section heading carries before any measure (一、明确发展目标 and its goals)."""

    kind: str  # "intro" | "closing" | "section"
    text: str
    start: int
    end: int
    sentences: tuple[Sentence, ...]
    section: Section | None = None


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
    doc_number: str | None = None  # 文号: 沪府办发〔2025〕23号
    notice_title: str | None = None  # the covering notice's own title, when there is one
    adoption_note: str | None = None  # （2020年4月10日…通过 …修正）
    appendix: str | None = None  # 附件 after the text: other documents, kept whole, unparsed


@dataclass(frozen=True)
class Layout:
    """Which numbering of a document holds its measures, and which are headings above."""

    measure: str | None
    section: str | None
    subsections: tuple[str, ...]

    def stands_alone(self, paragraph: str) -> bool:
        """A heading of this document with no sentence after it; an item cut short by a
        page break ("（一）夜间" / "市集；") looks the same but is joined to its rest."""
        heading = find_heading(paragraph)
        kinds = (self.measure, self.section, *self.subsections)
        return heading is not None and heading.kind in kinds and stands_alone(paragraph)


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


def _sentences(paragraph: str, offset: int, skip: int = 0) -> tuple[Sentence, ...]:
    found = []
    for match in SENTENCE_RE.finditer(paragraph, skip):
        text = match.group().strip()
        if len(text) > 1:
            start = offset + match.start() + (len(match.group()) - len(match.group().lstrip()))
            found.append(Sentence(text, start, start + len(text)))
    return tuple(found)


def _measure_title(paragraph: str, label_end: int, article: bool = False) -> tuple[str, int]:
    """The title is the first phrase: up to the first 。 (or a bracketed 【title】, or the
    （subject） Shanghai's government rules put after 第X条: 第一条（目的和依据）)."""
    rest = paragraph[label_end:]
    bracketed = re.match(r"^[【\[]([^】\]]{1,40})[】\]]", rest) or (
        re.match(r"^[（(]([^）)]{1,40})[）)]", rest) if article else None
    )
    if bracketed:
        return bracketed.group(1), label_end + bracketed.end()
    stop = re.search(r"[。！？；]", rest)
    if stop and stop.start() <= 40:
        return rest[: stop.start()], label_end + stop.end()
    if stop is None and len(rest) <= HEADING_LENGTH:
        return rest, len(paragraph)  # a heading alone: its text follows in paragraphs
    # a long first sentence (common in 第X条 texts): its first clause stands for the title
    clause = re.split(r"[，,：:]", rest, maxsplit=1)[0]
    return clause[:24], label_end


def _layout(headings: list[Heading | None], paragraphs: list[str]) -> Layout:
    present = [kind for kind in KINDS if any(h and h.kind == kind for h in headings)]
    if "article" in present:
        # a law's articles are its measures, whatever numbering their items use
        headings_above = [kind for kind in ("chapter", "division", "part") if kind in present]
        section = headings_above[0] if headings_above else None
        return Layout("article", section, tuple(headings_above[1:]))
    if not present:
        return Layout(None, None, ())

    def carries_text(kind: str) -> bool:
        own = [p for h, p in zip(headings, paragraphs, strict=True) if h and h.kind == kind]
        # "mostly": one sub-heading that ends in 。 by mistake does not make it a measure
        return sum(not stands_alone(p) for p in own) * 2 > len(own)

    # the outermost numbering that carries sentences; if none does, the innermost one
    measure = next((kind for kind in present if carries_text(kind)), present[-1])
    above = present[: present.index(measure)]
    return Layout(measure, above[0] if above else None, tuple(above[1:]))


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
    signed, signers, signed_on = read_signature(paragraphs[body_start:body_end])
    body = paragraphs[body_start : body_end - signed]
    # joining never moves the start of a heading, so the layout is the same before and after
    layout = _layout([find_heading(p) for p in body], body)
    joined = _join_page_breaks(body, layout)
    appendix_start = body_start + len(joined) + signed
    paragraphs = paragraphs[:body_start] + joined + paragraphs[body_end - signed :]
    text = "\n\n".join(paragraphs)
    offsets, position = [], 0
    for paragraph in paragraphs:
        offsets.append(position)
        position += len(paragraph) + 2
    structure = _Structure(paragraphs, offsets, text)
    headings = [find_heading(p) for p in joined]
    for index, heading in enumerate(headings, start=body_start):
        structure.add(index, heading, layout)
    structure.finish(layout)
    document = Document(
        title=front.title or "",
        text=text,
        issue_date=front.issue_date or signed_on,
        issuers=front.issuers or signers,
        release_note=front.release_note,
        sections=tuple(structure.sections),
        measures=tuple(structure.measures),
        passages=tuple(structure.passages),
        doc_number=front.doc_number,
        notice_title=front.notice_title,
        adoption_note=front.adoption_note,
        appendix=text[offsets[appendix_start] :] if appendix_start < len(paragraphs) else None,
    )
    problems = structure.problems(layout)
    if problems:
        raise ParseError(problems, document)
    return document


class _Structure:
    """Walks the body's paragraphs once, opening sections and measures at their headings."""

    def __init__(self, paragraphs: list[str], offsets: list[int], text: str) -> None:
        self.paragraphs, self.offsets, self.text = paragraphs, offsets, text
        self.sections: list[Section] = []
        self.measures: list[Measure] = []
        self.passages: list[Passage] = []
        self.section: Section | None = None
        self.subsection: Section | None = None
        self.open: tuple[Heading, list[int]] | None = None  # a measure and its paragraphs
        self.loose: list[int] = []  # paragraphs under no measure, not yet a passage
        # every numbered heading met, per numbering, for the check at the end
        self.numbered: dict[str, list[Numbered]] = {}
        self.items: dict[tuple[int, str], list[Numbered]] = {}  # per measure and numbering
        self.under_new_parent: set[str] = set()  # numberings whose next heading is a first

    def add(self, index: int, heading: Heading | None, layout: Layout) -> None:
        kind = heading.kind if heading else None
        if heading and kind == layout.section:
            self._close()
            self.section = Section(heading.number, heading.label, heading.rest)
            self.subsection = None
            self.sections.append(self.section)
            self._number(heading, "")
            self.under_new_parent.update((layout.measure or "", *layout.subsections))
        elif heading and kind in layout.subsections:
            self._close()
            self.subsection = Section(heading.number, heading.label, heading.rest)
            self._number(heading, self.section.heading if self.section else "")
            self.under_new_parent.add(layout.measure or "")
        elif heading and kind == layout.measure:
            self._close()
            self.open = (heading, [index])
            parent = self.subsection or self.section
            self._number(heading, parent.heading if parent else "")
        elif self.open:
            self.open[1].append(index)
            if heading:  # an item of the measure: its numbering is checked within it
                measure_heading, indexes = self.open
                run = self.items.setdefault((indexes[0], heading.kind), [])
                run.append(Numbered(heading, not run, measure_heading.label))
        else:
            self.loose.append(index)

    def finish(self, layout: Layout) -> None:
        last = self.open
        if last and layout.measure != "article" and not stands_alone(self.paragraphs[last[1][0]]):
            # after the last measure of a plan, a paragraph is the closing, not the measure's
            closing = last[1][1:]
            del last[1][1:]
            self._close()
            self.loose = closing
            self._flush("closing")
        self._close()

    def _number(self, heading: Heading, where: str) -> None:
        first = heading.kind in self.under_new_parent
        self.under_new_parent.discard(heading.kind)
        self.numbered.setdefault(heading.kind, []).append(Numbered(heading, first, where))

    def _close(self) -> None:
        self._flush()
        if self.open is None:
            return
        heading, indexes = self.open
        self.open = None
        first, last = indexes[0], indexes[-1]
        paragraph, start = self.paragraphs[first], self.offsets[first]
        label_end = len(paragraph) - len(heading.rest)
        title, title_end = _measure_title(paragraph, label_end, heading.kind == "article")
        sentences = _sentences(paragraph, start, title_end)
        for index in indexes[1:]:
            sentences += _sentences(self.paragraphs[index], self.offsets[index])
        end = self.offsets[last] + len(self.paragraphs[last])
        self.measures.append(
            Measure(
                number=len(self.measures) + 1,
                label=heading.label,
                title=title,
                section=self.section,
                text=self.text[start:end],
                start=start,
                end=end,
                sentences=sentences,
                subsection=self.subsection,
            )
        )

    def _flush(self, kind: str | None = None) -> None:
        if not self.loose:
            return
        if kind is None:
            kind = "section" if self.sections or self.measures else "intro"
        indexes, self.loose = self.loose, []
        # consecutive paragraphs: the span runs from the first to the end of the last
        start = self.offsets[indexes[0]]
        end = self.offsets[indexes[-1]] + len(self.paragraphs[indexes[-1]])
        sentences = tuple(
            s for i in indexes for s in _sentences(self.paragraphs[i], self.offsets[i])
        )
        section = (self.subsection or self.section) if kind == "section" else None
        self.passages.append(Passage(kind, self.text[start:end], start, end, sentences, section))

    def problems(self, layout: Layout) -> list[str]:
        if not self.measures:
            return [
                "no measures found: no paragraph opens with 第X条, 一、, （一） or 1. "
                "after the title and front matter"
            ]
        found = []
        for kind, sequence in self.numbered.items():
            # chapters, sections and a law's articles run on; the rest show which way they go
            restart: Restart = "never" if kind in (layout.section, "article") else "learn"
            found += breaks(sequence, restart)
        for run in self.items.values():
            found += breaks(run, "anywhere")
        return found
