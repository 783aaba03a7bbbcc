"""What a question says before any search: its normalized text, the measure it names
(第十二条, 第12条, （十二）, 措施十二, measure 12), and whether it asks about the document
itself (when it was issued, by whom, how many measures)."""

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from ingest.parse import chinese_to_int

NUMERAL = r"[零〇一二两三四五六七八九十百\d]+"
REFERENCE_PATTERNS = [
    # 第十二条 / 第12项 / 第（十二）条 / 第十二点 / 第十二个措施 / 第十二条措施
    re.compile(rf"第\s*[（(]?({NUMERAL})[)）]?\s*(?:条|项|点|款|个?措施)"),
    # 措施十二 / 措施（十二） / 措施12 / 第十二 措施
    re.compile(rf"措施\s*(?:第\s*)?[（(]?({NUMERAL})[)）]?(?![万千亿元%])"),
    # （十二） / (12) standing alone
    re.compile(rf"[（(]\s*({NUMERAL})\s*[)）]"),
    re.compile(r"\b(?:measure|item|article|point|no\.?|number|#)\s*(\d{1,3})\b", re.I),
]
# lone surrogates too: JSON lets "\ud800" through, and UTF-8 encoders downstream reject it
ZERO_WIDTH_AND_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f"
    r"\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u4e00-\u9fff]")

META_PATTERNS: dict[str, re.Pattern[str]] = {
    "date": re.compile(
        r"(哪天|哪一天|何时|什么时候|几月|几号|日期|时间|哪年).{0,6}(印发|发布|出台|发的|颁布|公布|制定)"
        r"|(印发|发布|出台|颁布|公布).{0,4}(日期|时间)|落款|(成文|发文)(日期|时间)"
        r"|when (was|were|did)\b.*\b(issued|published|released|adopted)"
        r"|(issue|publication|release) date",
        re.I,
    ),
    "issuers": re.compile(
        r"(哪些|哪个|哪几个|什么)(部门|单位|机关|机构).{0,6}(印发|发布|出台|联合|制定|发的)"
        r"|(谁|哪里)(印发|发布|出台|制定|发的)|(发文|印发|发布)(单位|部门|机关)"
        r"|who (issued|published|released|wrote)|which (departments|bodies|agencies)",
        re.I,
    ),
    "count": re.compile(
        r"(一共|总共|共计|共有|总计|全文|文件|政策|这份|该).{0,8}(多少|几)(条|项|个措施|点)"
        r"|^(它|这)?(有|包括|包含)?(多少|几)(条|项)(措施|内容)?[？?吗呢]*$|措施.{0,4}(数量|总数)"
        r"|how many (measures|articles|items|points)",
        re.I,
    ),
    "sections": re.compile(
        r"(几|多少)(个)?(部分|方面|板块|章节|大类)|how many (sections|parts|chapters)", re.I
    ),
    "title": re.compile(
        r"(文件|政策|文件的|政策的|这份|该)(标题|名称|全称|名字)|叫什么(名字)?|全称是"
        r"|(title|name) of (the|this) (document|policy)",
        re.I,
    ),
    "basis": re.compile(
        r"(根据|依据|依照|贯彻|落实)[^，。]{0,12}(哪个|哪份|什么|哪些)[^，。]{0,6}(文件|精神|政策|部署)"
        r"|(出台|制定|印发)的?(背景|目的|原因)|为什么(出台|制定|印发)"
        r"|(why|basis|purpose).{0,30}(issued|policy|document|measures)",
        re.I,
    ),
    "release": re.compile(r"(公开|保密|公布).{0,4}(吗|么|发布|文件)|is it public", re.I),
}
GREETING = re.compile(
    r"^(你好|您好|hi|hello|hey|嗨|哈喽|在吗|早上好|下午好|晚上好|谢谢|多谢|再见|"
    r"thanks|thank you|bye)( there| everyone| all)?[呀啊哇呢！!？?。.~～，, ]*$",
    re.I,
)
# a meta pattern only counts when the question is about the document, not a topic in it
DOCUMENT_WORDS = re.compile(r"文件|政策|措施|这份|该文|通知|document|policy|measures", re.I)


@dataclass(frozen=True)
class Question:
    raw: str
    text: str  # normalized: simplified Chinese, no control or zero-width characters
    english: bool
    measure_reference: int | None  # the measure number it names, as written (may be 20)
    meta: tuple[str, ...]  # which facts about the document it asks for
    greeting: bool  # a bare hello or thanks: nothing to look up

    def after(self, earlier: "Question") -> "Question":
        """This question read together with an earlier one, for searching a follow-up."""
        reference = self.measure_reference or earlier.measure_reference
        return dataclasses.replace(
            self, text=f"{earlier.text} {self.text}", measure_reference=reference
        )


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def clean(text: str) -> str:
    """Control and zero-width characters out, full-width ASCII folded, spaces collapsed."""
    text = ZERO_WIDTH_AND_CONTROL.sub("", text)
    # fold full-width letters and digits, keep full-width CJK punctuation （），。
    text = "".join(
        unicodedata.normalize("NFKC", ch) if ("０" <= ch <= "９" or "Ａ" <= ch <= "ｚ") else ch
        for ch in text
    )
    return re.sub(r"\s+", " ", text).strip()


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text))


def measure_reference(text: str) -> int | None:
    for pattern in REFERENCE_PATTERNS:
        match = pattern.search(text)
        if match:
            try:
                return chinese_to_int(match.group(1))
            except ValueError:
                continue
    return None


def is_english(text: str) -> bool:
    return len(LATIN.findall(text)) > 2 * len(CJK.findall(text)) and bool(LATIN.search(text))


def meta_kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(kind for kind, pattern in META_PATTERNS.items() if pattern.search(text))
    if kinds and not DOCUMENT_WORDS.search(text) and kinds != ("date",) and kinds != ("issuers",):
        return ()
    return kinds


def understand(raw: str) -> Question:
    text = to_simplified(clean(raw))
    return Question(
        raw=raw,
        text=text,
        english=is_english(text),
        measure_reference=measure_reference(text),
        meta=meta_kinds(text),
        greeting=bool(GREETING.match(text)),
    )
