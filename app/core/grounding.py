"""Holding a written answer to the measures it was given: which labels it cites, and
whether every number it states is in the text of a measure it cites.

A label is 【第（六）条】 (looser spellings such as 【第六条】 or 【第6条】 are read too and
written back in the document's form). A label naming a measure that was not offered is
removed. A number claim is a figure with a unit (500元, 一万元, 30%, 百分之三十, 3个月,
2026年) or a bare year; it is supported when a cited measure states the same value with
the same unit, or the same characters.
"""

import re
from dataclasses import dataclass

from ingest.parse import CN_DIGITS, int_to_chinese
from ingest.source import Policy

LABEL = re.compile(r"【\s*第?\s*[（(]?\s*([一二三四五六七八九十百\d]+)\s*[)）]?\s*(?:条|项)?\s*】")
CN_NUMERAL = "零〇一二两三四五六七八九十百千"
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
UNITS = (
    "个月|小时|人次|美元|平方米|公里|%|％|元|块|月|年|日|号|天|周|岁|人|次|倍|个|家|项|条|所|座|"
    "张|种|批|名|位|户|间|床|万|亿|yuan|RMB|percent|years?|months?|days?|hours?|weeks?|times"
)
# the numeral must start a run: "第十二条" is an ordinal, and "二条" inside it is no claim
CLAIM = re.compile(
    rf"(?<![第\d.,{CN_NUMERAL}])(\d+(?:[.,]\d+)*|[{CN_NUMERAL}]+)\s*([万亿]?)\s*({UNITS})"
    rf"|百分之([{CN_NUMERAL}]+|\d+(?:\.\d+)?)"
    r"|\b((?:19|20)\d{2})\b",
    re.I,
)
UNIT_NAMES = {
    "块": "元",
    "yuan": "元",
    "rmb": "元",
    "％": "%",
    "percent": "%",
    "号": "日",
    "year": "年",
    "years": "年",
    "month": "月",
    "months": "月",
    "day": "天",
    "days": "天",
    "hour": "小时",
    "hours": "小时",
    "week": "周",
    "weeks": "周",
    "times": "倍",
}
# "一个", "一批", "一项" are wording, not counts
WORDING_UNITS = frozenset("个种批项家次条位名间")


@dataclass(frozen=True)
class Checked:
    text: str  # labels in the document's form; labels of measures not offered removed
    cited: tuple[int, ...]  # measure numbers in order of first citation
    removed: int  # labels naming a measure that was not offered
    unsupported: tuple[str, ...]  # number claims that no cited measure states


def label_number(numeral: str) -> int | None:
    value = numeral_value(numeral)
    return int(value) if value is not None and value == int(value) else None


def numeral_value(numeral: str) -> float | None:
    numeral = numeral.replace(",", "")
    try:
        return float(numeral)
    except ValueError:
        pass
    if not all(ch in CN_DIGITS or ch in CN_UNITS for ch in numeral):
        return None
    if not any(ch in CN_UNITS for ch in numeral):  # 二〇二六: read digit by digit
        return float("".join(str(CN_DIGITS[ch]) for ch in numeral))
    total, current = 0, 0
    for ch in numeral:
        if ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
        else:
            current = CN_DIGITS[ch]
    return float(total + current)


def claims(text: str) -> list[tuple[str, tuple[float, str] | None]]:
    """Each number claim in the text with its (value, unit), or None when unreadable."""
    found = []
    for match in CLAIM.finditer(text):
        numeral, magnitude, unit, percent, year = match.groups()
        if percent is not None:
            value = numeral_value(percent)
            found.append((match.group(0), (value, "%") if value is not None else None))
        elif year is not None:
            found.append((year, (float(year), "年")))
        else:
            if numeral == "一" and not magnitude and unit in WORDING_UNITS:
                continue
            value = numeral_value(numeral)
            scale = {"万": 10_000, "亿": 100_000_000}.get(magnitude, 1)
            name = UNIT_NAMES.get(unit.lower(), unit)
            found.append((match.group(0), (value * scale, name) if value is not None else None))
    return found


def check(text: str, offered: set[int], policy: Policy) -> Checked:
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
    unsupported = unsupported_claims(LABEL.sub("", relabelled), cited, policy)
    return Checked(relabelled, tuple(cited), removed, unsupported)


def unsupported_claims(text: str, measures: list[int], policy: Policy) -> tuple[str, ...]:
    """The number claims in `text` that none of the measures states."""
    sources = "".join(policy.measure(n).text for n in measures)
    stated = {key for _, key in claims(sources) if key is not None}
    return tuple(
        claim
        for claim, key in claims(text)
        if claim.strip() not in sources and (key is None or key not in stated)
    )
