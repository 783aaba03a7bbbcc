"""The numbered openings of paragraphs in Shanghai policy texts, outermost first.

A paragraph that opens with one of these is a heading of that kind; which kind holds the
measures of a document, and which kinds are sections above them or items inside them, is
decided per document by the parser. Here only the spelling is known.
"""

import re
from dataclasses import dataclass

from ingest.numerals import chinese_to_int, int_to_chinese

# the characters of a heading's numeral (no 千/万: no heading runs that far)
CN_NUMERAL = "零〇一二两三四五六七八九十百"

# outermost first; 第X条 stands apart: where a text has articles, they are its measures
KINDS = (
    "chapter",
    "division",
    "part",
    "article",
    "section",
    "bracket",
    "arabic",
    "arabic_bracket",
)
PATTERNS = {
    "chapter": re.compile(rf"^第([{CN_NUMERAL}\d]+)章\s*"),  # 第一章 总则
    "division": re.compile(rf"^第([{CN_NUMERAL}\d]+)部分\s*"),  # 第一部分 总体要求
    "part": re.compile(rf"^第([{CN_NUMERAL}\d]+)节\s*"),  # 第一节 一般规定
    "article": re.compile(rf"^第([{CN_NUMERAL}\d]+)条\s*"),  # 第一条 为了……
    "section": re.compile(rf"^([{CN_NUMERAL}]+)、"),  # 一、总体要求
    "bracket": re.compile(rf"^[（(]([{CN_NUMERAL}]+)[)）]"),  # （一）提升……
    # 1.加快…… but not 1.5亿元 at the start of a paragraph cut by a page break
    "arabic": re.compile(r"^(\d{1,3})[.．、](?!\d)"),
    "arabic_bracket": re.compile(r"^[（(](\d{1,3})[)）]"),  # （1）
}
LABELS = {
    "chapter": "第{}章",
    "division": "第{}部分",
    "part": "第{}节",
    "article": "第{}条",
    "section": "{}、",
    "bracket": "（{}）",
    "arabic": "{}.",
    "arabic_bracket": "（{}）",
}
# a heading that stands alone carries no sentence of its own: 一、明确发展目标
SENTENCE_MARKS = frozenset("。！？；，")
HEADING_LENGTH = 50


@dataclass(frozen=True)
class Heading:
    kind: str  # one of KINDS
    number: int
    label: str  # as written: "第一条", "（六）", "12."
    rest: str  # the paragraph after the label


def find_heading(paragraph: str) -> Heading | None:
    for kind in KINDS:
        match = PATTERNS[kind].match(paragraph)
        if match:
            try:
                number = chinese_to_int(match.group(1))
            except ValueError:  # 十十、 is no numeral: the paragraph is text
                continue
            label = paragraph[: match.end()].strip()
            return Heading(kind, number, label, paragraph[match.end() :])
    return None


def stands_alone(paragraph: str) -> bool:
    """A heading with no sentence after it: a section's name, never a measure cut short.

    An article always has a sentence, so 第一条 never stands alone, however it was cut."""
    heading = find_heading(paragraph)
    return (
        heading is not None
        and heading.kind != "article"
        and len(paragraph) <= HEADING_LENGTH
        and not SENTENCE_MARKS.intersection(paragraph)
    )


def spell(kind: str, number: int) -> str:
    """The label the document would give `number` in the numbering of `kind`."""
    numeral = str(number) if kind.startswith("arabic") else int_to_chinese(number)
    return LABELS[kind].format(numeral)
