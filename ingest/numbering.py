"""Whether a document's own numbering holds together: 第一条…第六十四条, 1.…28., （一）…（十六）.

A skipped or repeated number means either a damaged text or a paragraph the parser read
wrongly (a page break before "第三十四条第一款规定…" makes it look like an article); either
way the person adding the document must look, so each break is described with its place.
"""

from dataclasses import dataclass
from typing import Literal

from ingest.headings import Heading, spell

# never: one run through the document (chapters, articles);
# per_parent: a fresh run under each heading above it (（一） under each section);
# learn: one of those two, as the first heading above it that has a run before it shows
#        (1.–28. run on across sections; （一）…（三） start again in each);
# anywhere: a run may start again at 1 at any point (items: each 款 of an article lists its own)
Restart = Literal["never", "per_parent", "learn", "anywhere"]
SNIPPET = 16


@dataclass(frozen=True)
class Numbered:
    heading: Heading
    first_under_parent: bool  # the first of its kind since the heading above it
    where: str  # the heading above it, "" at the top: "第三章社会保障"


def breaks(sequence: list[Numbered], restart: Restart) -> list[str]:
    problems = []
    previous: Numbered | None = None
    for entry in sequence:
        number = entry.heading.number
        if previous is None:
            expected = {1}
        else:
            follows = previous.heading.number + 1
            if restart == "learn" and entry.first_under_parent:
                restart = "per_parent" if number == 1 else "never"
                expected = {1, follows}
            elif restart == "per_parent" and entry.first_under_parent:
                expected = {1}
            elif restart == "anywhere":
                expected = {1, follows}
            else:
                expected = {follows}
        if number not in expected:
            problems.append(_describe(entry, previous, max(expected)))
            if number < max(expected):
                continue  # out of order: the next is held to the run before it, not to this
        previous = entry
    return problems


def _describe(entry: Numbered, previous: Numbered | None, expected: int) -> str:
    heading = entry.heading
    place = f" (in {entry.where})" if entry.where else ""
    quoted = f"{heading.label}「{heading.rest[:SNIPPET]}」"
    if previous is None:
        return f"the numbering starts at {quoted}{place}: expected {spell(heading.kind, 1)}"
    before = previous.heading.label
    if heading.number == previous.heading.number:
        return f"{heading.label} comes twice{place}: {quoted} repeats {before}"
    if heading.number > expected:
        missing = spell(heading.kind, expected)
        if heading.number > expected + 1:
            missing += f" to {spell(heading.kind, heading.number - 1)} are"
        else:
            missing += " is"
        return f"{missing} missing{place}: {quoted} follows {before}"
    return f"{quoted}{place} follows {before}: expected {spell(heading.kind, expected)}"
