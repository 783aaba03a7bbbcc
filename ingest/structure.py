"""Which numbering of a document holds its measures, and the walk that builds them.

Where a text has articles (第X条), they are the measures. Otherwise the measures are the
outermost numbering whose paragraphs carry sentences of their own; the numberings above
are headings (a section, then sub-headings), those below are items inside a measure.
"""

import re
from dataclasses import dataclass

from ingest.document import Measure, Passage, Section, Sentence
from ingest.headings import HEADING_LENGTH, KINDS, Heading, find_heading, stands_alone
from ingest.numbering import Numbered, Restart, breaks

SENTENCE_RE = re.compile(r"[^。！？；]+[。！？；]?")


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


def layout_of(headings: list[Heading | None], paragraphs: list[str]) -> Layout:
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


class Structure:
    """Walks the body's paragraphs once, opening sections and measures at their headings."""

    def __init__(
        self, paragraphs: list[str], offsets: list[int], text: str, layout: Layout
    ) -> None:
        self.paragraphs, self.offsets, self.text = paragraphs, offsets, text
        self.layout = layout
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

    def add(self, index: int, heading: Heading | None) -> None:
        layout = self.layout
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

    def finish(self) -> None:
        # after a plan's last measure, a paragraph is the closing, not part of the measure;
        # a law has no closing: what follows its last article belongs to that article
        if self.open and self.layout.measure != "article":
            heading, indexes = self.open
            if not stands_alone(self.paragraphs[indexes[0]]):
                self.open = (heading, indexes[:1])
                self._close()
                self.loose = indexes[1:]
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

    def problems(self) -> list[str]:
        layout = self.layout
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
