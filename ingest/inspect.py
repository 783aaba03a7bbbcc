"""What the parser makes of a policy text, as one JSON object: run it on a document before
ingesting it, and compare the counts with the document.

    python -m ingest.inspect path/to/policy.txt

A text whose numbering skips or repeats a number is still shown: its `problems` name each
place, and the exit status is 1.
"""

import json
import sys
from pathlib import Path
from typing import Any

from ingest.parse import Document, ParseError, Section, parse

OPENING = 30  # characters of a passage shown, enough to recognise it


def inspect(path: Path) -> dict[str, Any]:
    raw = path.read_text(encoding="utf-8")
    problems: tuple[str, ...] = ()
    try:
        document = parse(raw)
    except ParseError as error:
        document, problems = error.document, error.problems
    return describe(document, problems)


def describe(document: Document, problems: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "title": document.title or None,
        # joint documents have several issuers: they are listed as the text lists them
        "issuer": "、".join(document.issuers) or None,
        "issuers": list(document.issuers),
        "date": _iso_date(document.issue_date),
        "doc_number": document.doc_number,
        "notice_title": document.notice_title,
        "adoption_note": document.adoption_note,
        "sections": [_heading(section) for section in document.sections],
        "measures": [
            {
                "number": measure.number,
                "label": measure.label,
                "title": measure.title,
                "section": measure.section.number if measure.section else None,
                "subsection": _heading(measure.subsection) if measure.subsection else None,
            }
            for measure in document.measures
        ],
        "passages": [
            {
                "kind": passage.kind,
                "section": passage.section.number if passage.section else None,
                "opens": passage.text[:OPENING],
            }
            for passage in document.passages
        ],
        "appendix": document.appendix[:OPENING] if document.appendix else None,
        "problems": list(problems),
    }


def _heading(section: Section) -> dict[str, Any]:
    return {"number": section.number, "label": section.label, "title": section.title}


def _iso_date(date: str | None) -> str | None:
    # the parser writes 2025年12月31日; JSON readers want 2025-12-31
    if date is None:
        return None
    year, rest = date.split("年")
    month, rest = rest.split("月")
    return f"{int(year):04d}-{int(month):02d}-{int(rest.rstrip('日')):02d}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ingest.inspect FILE", file=sys.stderr)
        return 2
    try:
        report = inspect(Path(args[0]))
    except (OSError, UnicodeDecodeError) as error:
        print(f"cannot read {args[0]} as UTF-8 text: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
