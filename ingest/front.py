"""What stands around a policy's text and is not part of it: before it, a covering notice
(关于印发《…》的通知, addressees, a paragraph, issuer, date), the title, the 文号, the
adoption and amendment note of a regulation (（2020年4月10日…通过 …修正）) and a table of
contents; after it, the issuer and date signed under a document that has no notice.

These are lines, not prose: they are read one paragraph at a time and never joined
across page breaks. The document's title is the one after a covering notice, not the
notice's own.
"""

import re
from dataclasses import dataclass

from ingest.headings import find_heading
from ingest.numerals import chinese_to_int

DATE_NUMERAL = r"[\d〇零一二三四五六七八九十]"
DATE_RE = re.compile(rf"({DATE_NUMERAL}{{4}})年({DATE_NUMERAL}{{1,3}})月({DATE_NUMERAL}{{1,3}})日")
DATE_LINE_RE = re.compile(rf"^[（(]?{DATE_RE.pattern}[)）]?$")
RELEASE_RE = re.compile(r"^[（(](此件[^)）]*)[)）]$")
ISSUER_RE = re.compile(r"(委员会|局|办公室|宣传部|厅|政府|中心)$")
# 沪府办发〔2025〕23号: a prefix, the year in brackets of some kind, the serial number
DOC_NUMBER = r"[\u4e00-\u9fff]{1,12}[〔［\[【(（]\d{4}[〕］\]】)）]\d{1,4}号"
DOC_NUMBER_LINE_RE = re.compile(rf"^[（(]?({DOC_NUMBER})[)）]?$")
DOC_NUMBER_END_RE = re.compile(rf"[（(]({DOC_NUMBER})[)）]$")
# 上海市人民政府办公厅关于印发《…》的通知: the notice names the document it covers
NOTICE_RE = re.compile(r"关于(?:印发|转发|批转|发布|颁布|公布)《(.+)》.*的(?:通知|决定)")
# (2021年10月28日上海市第十五届人民代表大会常务委员会第三十六次会议通过 …修正); a note
# has no 。, so an introduction that opens with a date ("2024年1月1日起施行的…。") is none
ADOPTION_RE = re.compile(
    r"^[（(]?\d{4}年\d{1,2}月\d{1,2}日[^。]*(?:通过|修正|修订|批准|公布|施行|发布|印发)[^。]*$"
)
# 根据2022年…决定修正: an amendment on a line of its own
AMENDMENT_RE = re.compile(r"^根据\d{4}年[^。]*(?:修正|修订|修改)[)）]?$")
ADOPTER_RE = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日(.+?)(?:第[一二三四五六七八九十百\d]+次(?:全体|常务)?会议|令第)"
)
# 各区人民政府，市政府各委、办、局： (a notice's addressees, not its text)
ADDRESSEE_RE = re.compile(
    r"^[^。；！？]{0,40}各[^。；！？]{1,60}(?:政府|委|办|局|单位|部门|机构)[：:]$"
)
ATTACHMENT_RE = re.compile(r"^附件\d*[:：]?")
CONTENTS = "目录"
TITLE_LENGTH = 100


@dataclass(frozen=True)
class Front:
    title: str | None
    title_index: int | None
    body_start: int  # the first paragraph of the text proper
    notice_title: str | None
    issuers: tuple[str, ...]
    issue_date: str | None  # "2025年12月31日"
    doc_number: str | None
    release_note: str | None
    adoption_note: str | None


def read_front(paragraphs: list[str], title: str | None = None) -> Front:
    head_end = next(
        (i for i, p in enumerate(paragraphs) if find_heading(p)),
        len(paragraphs),
    )
    head = paragraphs[:head_end]
    notice_index, notice_title, named = _notice(head)
    title_index = _title_index(head, title, notice_index, named)
    before: list[str] = []
    after: list[str] = []
    notes: list[str] = []
    body_start = 0
    if title_index is not None:
        before = head[:title_index]
        body_start, open_note = title_index + 1, False
        while body_start < head_end:
            paragraph = paragraphs[body_start]
            if open_note or ADOPTION_RE.match(paragraph) or AMENDMENT_RE.match(paragraph):
                notes.append(paragraph)
                # a bracketed note cut by a page break runs on until its bracket closes
                opened = open_note or paragraph.startswith(("（", "("))
                open_note = opened and not paragraph.endswith(("）", ")"))
            elif not _is_metadata(paragraph):
                break
            after.append(paragraph)
            body_start += 1
        if body_start < len(paragraphs) and paragraphs[body_start] == CONTENTS:
            body_start = _after_contents(paragraphs, body_start)
    lines = before + after
    adoption = "".join(notes) or None
    return Front(
        title=_plain(paragraphs[title_index]) if title_index is not None else title,
        title_index=title_index,
        body_start=body_start,
        notice_title=notice_title
        if notice_index is not None and notice_index != title_index
        else None,
        issuers=_issuers(before, after, adoption),
        issue_date=_issue_date(before) or _issue_date(after) or _first_date(adoption),
        doc_number=_doc_number(lines, notice_title),
        release_note=_release_note(lines),
        adoption_note=adoption,
    )


def _notice(head: list[str]) -> tuple[int | None, str | None, str | None]:
    """A covering notice: where it starts, its title, and the document it names."""
    for index, paragraph in enumerate(head):
        match = NOTICE_RE.search(paragraph)
        if match and len(paragraph) <= TITLE_LENGTH * 2:
            return index, paragraph, match.group(1)
    return None, None, None


def _title_index(
    head: list[str], title: str | None, notice_index: int | None, named: str | None
) -> int | None:
    if title is not None:  # the caller knows it (a text whose first page is cut off)
        return next((i for i, p in enumerate(head) if p == title), None)
    if notice_index is not None:
        # the title as it stands above the text; else the notice's 附件：line naming it
        for plain in (str, _plain):
            for index in range(notice_index + 1, len(head)):
                if plain(head[index]) == named:
                    return index
    # a notice, whole or cut off, ends with its issuer and date: the title comes after
    dates = [i for i, p in enumerate(head) if DATE_LINE_RE.match(p)]
    start = dates[-1] + 1 if dates else 0
    for candidates in (range(start, len(head)), range(len(head))):
        found = next((i for i in candidates if _looks_like_title(head[i])), None)
        if found is not None:
            return found
    # no document title follows the notice: the notice is the document
    return notice_index


def _after_contents(paragraphs: list[str], index: int) -> int:
    """A table of contents lists the headings the text opens with: it ends where its first
    entry comes again. One that never does is left as it is."""
    if index + 1 >= len(paragraphs):
        return index
    first_entry = paragraphs[index + 1]
    after = range(index + 2, len(paragraphs))
    return next((i for i in after if paragraphs[i] == first_entry), index)


@dataclass(frozen=True)
class Signature:
    """The issuers and date signed under a text that has no covering notice."""

    paragraphs: int  # how many paragraphs at the end of the text it takes
    issuers: tuple[str, ...]
    issue_date: str | None
    release_note: str | None


def read_signature(body: list[str]) -> Signature:
    count = 0
    while count < len(body) and _is_signature(body[len(body) - 1 - count]):
        count += 1
    lines = body[len(body) - count :]
    date = _issue_date(lines)
    if date is None:  # without a date it is no signature: a last line naming a 局 is text
        return Signature(0, (), None, None)
    issuers = tuple(p for p in lines if _is_issuer(p))
    return Signature(count, issuers, date, _release_note(lines))


def _release_note(lines: list[str]) -> str | None:
    return next((m.group(1) for p in lines if (m := RELEASE_RE.match(p))), None)


def is_attachment(paragraph: str) -> bool:
    """附件 / 附件1：… / 附件：…名单: where the attachments after a text begin."""
    return bool(ATTACHMENT_RE.match(paragraph)) and len(paragraph) <= TITLE_LENGTH


def _is_signature(paragraph: str) -> bool:
    return bool(
        DATE_LINE_RE.match(paragraph) or RELEASE_RE.match(paragraph) or _is_issuer(paragraph)
    )


def _plain(paragraph: str) -> str:
    return ATTACHMENT_RE.sub("", paragraph)


def _looks_like_title(paragraph: str) -> bool:
    return (
        len(paragraph) <= TITLE_LENGTH
        and not any(mark in paragraph for mark in "。；：:！？")
        and not paragraph.startswith(("（", "("))
        and not ATTACHMENT_RE.fullmatch(paragraph)
        and not _is_metadata(paragraph)
        and not NOTICE_RE.search(paragraph)
    )


def _is_metadata(paragraph: str) -> bool:
    """A line under a title that belongs to no measure: a date, a 文号, an adoption note."""
    return bool(
        DATE_LINE_RE.match(paragraph)
        or DOC_NUMBER_LINE_RE.match(paragraph)
        or RELEASE_RE.match(paragraph)
        or ADOPTION_RE.match(paragraph)
        or AMENDMENT_RE.match(paragraph)
        or ADDRESSEE_RE.match(paragraph)
        or _is_issuer(paragraph)
    )


def _is_issuer(paragraph: str) -> bool:
    return bool(ISSUER_RE.search(paragraph)) and len(paragraph) <= 30 and "。" not in paragraph


def _issuers(before: list[str], after: list[str], adoption: str | None) -> tuple[str, ...]:
    issuers = tuple(p for p in before + after if _is_issuer(p))
    if not issuers and adoption:
        adopter = ADOPTER_RE.search(adoption)
        issuers = (adopter.group(1),) if adopter else ()
    return issuers


def _issue_date(lines: list[str]) -> str | None:
    """The last date standing on a line of its own: the notice's signature."""
    return next((_date(m) for p in reversed(lines) if (m := DATE_LINE_RE.match(p))), None)


def _first_date(note: str | None) -> str | None:
    match = DATE_RE.search(note) if note else None
    return _date(match) if match else None


def _date(match: re.Match[str]) -> str:
    year, month, day = (chinese_to_int(part) for part in match.groups())
    return f"{year}年{month}月{day}日"


def _doc_number(lines: list[str], notice_title: str | None) -> str | None:
    for paragraph in lines:
        match = DOC_NUMBER_LINE_RE.match(paragraph)
        if match:
            return match.group(1)
    ending = DOC_NUMBER_END_RE.search(notice_title) if notice_title else None
    return ending.group(1) if ending else None
