"""Holding a written answer to the measures it was given: which labels it cites, and
whether every number it states is in the text of a measure it cites.

A label is 【第（六）条】 (looser spellings such as 【第六条】 or 【第6条】 are read too and
written back in the document's form). A label naming a measure that was not offered is
removed. A number claim is a figure with a unit (500元, 一万元, 30%, 百分之三十, 3个月,
2026年) or a bare year; it is supported when a cited measure states the same value with
the same unit, or the same characters.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.numerals import CN_NUMERAL, int_to_chinese, numeral_value

LABEL = re.compile(r"【\s*第?\s*[（(]?\s*([一二三四五六七八九十百\d]+)\s*[)）]?\s*(?:条|项)?\s*】")
FINANCIAL = "壹贰叁肆伍陆柒捌玖拾佰仟"
UNITS = (
    "个工作日|工作日|个月|小时|点钟|点|人次|美元|平方米|公里|%|％|元|块|月|年|日|号|天|周|岁|人|次|倍|折|个|家|项|条|"
    "所|座|张|种|批|名|位|户|间|床|yuan|RMB|percent|years?|months?|days?|hours?|weeks?|times"
)
# a figure: digits with a spoken magnitude (5千, 5k, 1.2万, 1 million), or Chinese or
# banker's numerals (两千, 伍仟); the numeral must start a run, so "第十二条" is an
# ordinal and "二条" inside it is no claim
NUMBER = (
    rf"\d+(?:[.,]\d+)*\s*(?:千万|百万|[千万亿kKwW](?![a-zA-Z])|(?:thousand|million|billion)\b)?"
    rf"|[{CN_NUMERAL}{FINANCIAL}]+"
)
CLAIM = re.compile(
    rf"百分之([{CN_NUMERAL}]+|\d+(?:\.\d+)?)|(一半|半价|减半)"
    rf"|(?<![第\d.,{CN_NUMERAL}{FINANCIAL}])({NUMBER})\s*({UNITS})?",
    re.I,
)
UNIT_NAMES = {
    "块": "元",
    "yuan": "元",
    "rmb": "元",
    "％": "%",
    "percent": "%",
    "号": "日",
    "工作日": "天",
    "个工作日": "天",
    "year": "年",
    "years": "年",
    "month": "月",
    "months": "月",
    "个月": "月",
    "day": "天",
    "days": "天",
    "hour": "小时",
    "hours": "小时",
    "week": "周",
    "weeks": "周",
    "times": "倍",
    "点钟": "点",
}
# "一个", "一批", "一项" are wording, not counts
WORDING_UNITS = frozenset("个种批项家次条位名间点")


@dataclass(frozen=True)
class Checked:
    text: str  # labels in the document's form; labels of measures not offered removed
    cited: tuple[int, ...]  # measure numbers in order of first citation
    removed: int  # labels naming a measure that was not offered
    unsupported: tuple[str, ...]  # number claims that no cited measure states


def label_number(numeral: str) -> int | None:
    value = numeral_value(numeral)
    return int(value) if value is not None and value == int(value) else None


def claims(text: str) -> list[tuple[str, tuple[float, str] | None]]:
    """Each figure the text states, with its (value, unit), or None when unreadable."""
    return [(claim, key) for _, claim, key in figures(text)]


def figures(text: str) -> Iterator[tuple[re.Match[str], str, tuple[float, str] | None]]:
    """Each figure the text states, where it stands, and its (value, unit) or None.

    A bare Chinese numeral with no unit is a word, not a figure (一些, 统一, 十分); a bare
    run of digits or a figure with a magnitude (5千, 5k) is a figure whatever follows it.
    """
    for match in CLAIM.finditer(text):
        percent, half, numeral, unit = match.groups()
        if percent is not None:
            value = numeral_value(percent)
            yield match, match.group(0), ((value, "%") if value is not None else None)
        elif half is not None:
            yield match, half, (50.0, "%")
        else:
            numeral = numeral.strip()
            magnitude = bool(re.search(r"[千万亿kKwW]|thousand|million|billion|[十百]", numeral))
            digits = any(ch.isdigit() for ch in numeral)
            if not unit and not digits and not magnitude and not set(numeral) & set(FINANCIAL):
                continue
            if not unit and not digits and len(numeral) == 1:
                continue  # 千, 万 alone: 千万, 万一 are words
            if numeral in ("一", "两") and (unit or "") in WORDING_UNITS:
                continue
            if re.fullmatch(r"(19|20)\d{2}", numeral) and not unit:
                yield match, numeral, (float(numeral), "年")
                continue
            value = numeral_value(numeral)
            name = UNIT_NAMES.get((unit or "").lower(), unit or "")
            yield match, match.group(0).strip(), ((value, name) if value is not None else None)


def check(text: str, offered: dict[int, str]) -> Checked:
    """`offered`: the measures the writer was given, by number, with their text."""
    cited: list[int] = []
    removed = 0

    def relabel(match: re.Match[str]) -> str:
        nonlocal removed
        number = label_number(match.group(1))
        if number is None or number not in offered:
            removed += 1
            return ""
        if number not in cited:
            cited.append(number)
        return f"【第（{int_to_chinese(number)}）条】"

    relabelled = LABEL.sub(relabel, text).strip()
    # labels are not claims: 【第（十二）条】 states no count
    sources = "".join(offered[n] for n in cited)
    unsupported = unsupported_claims(LABEL.sub("", relabelled), sources)
    return Checked(relabelled, tuple(cited), removed, unsupported)


def unsupported_claims(text: str, sources: str) -> tuple[str, ...]:
    """The number claims in `text` that the `sources` (the cited measures' text) do not state."""
    stated = {key for _, key in claims(sources) if key is not None}
    return tuple(
        claim
        for claim, key in claims(text)
        if claim.strip() not in sources and (key is None or key not in stated)
    )


# "一个月", "一年": the period a rate is asked per
PERIODS = frozenset(("月", "年", "天", "日", "周", "小时"))
# the figures a question can claim of a benefit: money, a share, a span of time, a rate
CLAIMED_UNITS = frozenset(("元", "%", "折", "倍", "天", "日", "月", "年", "小时", "周"))


# what follows a span of time claimed of the policy: something done within it
DONE_WITHIN = re.compile(
    r"\s*(内|之内|以内|就|即|便|办结|办完|办好|出结果|出证|拿证|下证|到账|完成|审完|批下来)"
)


def claimed_in_question(text: str, sources: str, confirming: bool = False) -> tuple[str, ...]:
    """The figures a question states of a benefit (5千元, 3天内, 打8折, 1个亿) that the
    sources do not hold. A person's own figures (我爸78了, 三口人, 开了2家店, 几十万粉丝) and
    dates (2026年, 九十年代) are no claim about the policy; a bare figure is, from 100 up
    (补贴5000对吧). A span of time is one when something is done within it (3天内办结,
    一个月就能拿证) or the question is put up to be confirmed, and not when it is the
    person's own (排到三个月以后, 出差一周)."""
    text = re.sub(r"(\d)\s*个\s*(亿|万)", r"\1\2", text)  # 1个亿
    unsupported = set(unsupported_claims(text, sources))
    found = []
    for match, claim, key in figures(text):
        if claim not in unsupported or claim[:1] in "千万亿":  # 万一, 千万: words
            continue
        before, after = text[: match.start()], text[match.end() :]
        if before.endswith("几") or after.startswith("代"):  # 几十万粉丝, 九十年代
            continue
        per_period = key is not None and key[0] == 1 and key[1] in PERIODS
        if per_period and re.match(r".{0,3}(多少|几)", after):
            continue  # "一个月多少钱", "一年能补几次": a rate asked, not a figure claimed
        if (
            key is not None
            and key[1] in PERIODS
            and not confirming
            and not DONE_WITHIN.match(after)
        ):
            continue
        magnitude = re.search(r"[千万亿kKwW]|thousand|million|billion", claim)
        unit = key[1] if key else ""
        year = unit in ("年", "") and key is not None and 1900 <= key[0] <= 2100
        large = not unit and key is not None and key[0] >= 100 and not year
        if magnitude or large or (unit in CLAIMED_UNITS and not year):
            found.append(claim)
    return tuple(found)
