"""The parsed document: what ingest/ hands on, as the project's own small dataclasses.

A Section is any heading above measures (a section 一、, a chapter 第一章, a sub-heading
（一） between measures); every offset points into Document.text, the normalized text.
"""

from dataclasses import dataclass


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
