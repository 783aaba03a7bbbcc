"""Chinese and Arabic numerals: one set of rules for the parser's labels (第六十四条,
（十二）) and the figures an answer states (两千元, 1,000人, 二〇二六年).

A run of bare digits is read digit by digit (二〇二六 → 2026), as years are written;
otherwise 十/百/千 count within a group and 万/亿 close a group (三万五千 → 35000).
A digit after the last unit stands for the next smaller one (一千五 → 1500, 两万五 →
25000), as it is spoken, unless a 零 says the place is empty (一千零五 → 1005).
"""

import re
import unicodedata

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
LARGE_UNITS = {"万": 10_000, "亿": 100_000_000}
# every character a numeral can hold: for building patterns that find numerals in text
CN_NUMERAL = "".join(CN_DIGITS) + "".join(SMALL_UNITS) + "".join(LARGE_UNITS)

DECIMAL_RE = re.compile(r"(\d+(?:\.\d+)?)([万亿]?)")
# the banker's numerals of cheques and contracts (伍仟), and spoken magnitudes (5k, 2w)
FINANCIAL = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟萬億", "一二三四五六七八九十百千万亿")
WRITTEN_DIGITS = "零一二三四五六七八九"


def chinese_to_int(numeral: str) -> int:
    """一 → 1, 十二 → 12, 一百零三 → 103, 二〇二六 → 2026, 两千 → 2000, 1,000 → 1000.

    Raises ValueError for anything that is not a whole number written one of these ways.
    """
    # NFKC turns full-width digits and commas (１，０００) into ASCII ones
    text = unicodedata.normalize("NFKC", numeral).strip().replace(",", "")
    if not text:
        raise ValueError("an empty numeral")
    if text.isascii() and text.isdigit():
        return int(text)
    if all(char in CN_DIGITS for char in text):
        return int("".join(str(CN_DIGITS[char]) for char in text))
    return _with_units(text, numeral)


def _with_units(text: str, numeral: str) -> int:
    total = 0  # closed groups (万, 亿)
    group = 0  # the value counted so far below the next 万/亿
    digit: int | None = None  # a digit waiting for its unit
    last_unit = 0  # the unit just passed, for 一千五; 0 after 零 or a digit
    smallest_in_group = 10**4  # 十/百/千 must fall within a group: 二十百 is no numeral
    tokens = re.findall(r"\d+|.", text)
    for token in tokens:
        if token.isdigit() or token in CN_DIGITS:
            if digit:  # 二三十: two digits for one place
                raise ValueError(f"not a numeral: {numeral!r}")
            digit = int(token) if token.isdigit() else CN_DIGITS[token]
            last_unit = 0 if token in "零〇" else last_unit
        elif token in SMALL_UNITS:
            unit = SMALL_UNITS[token]
            if unit >= smallest_in_group:
                raise ValueError(f"not a numeral: {numeral!r}")
            group += (1 if digit is None else digit) * unit
            smallest_in_group, digit, last_unit = unit, None, unit
        elif token in LARGE_UNITS:
            unit = LARGE_UNITS[token]
            group += digit or 0
            if not group and not total:
                group = 1  # 万 alone, as in 万人
            # 亿 closes everything before it; 万 closes only its own group (一亿二千万)
            total = (total + group) * unit if unit > total else total + group * unit
            group, digit, smallest_in_group, last_unit = 0, None, 10**4, unit
        else:
            raise ValueError(f"not a numeral: {numeral!r}")
    if digit is not None:
        # 一千五: the trailing digit counts in the place below the last unit
        group += digit * (last_unit // 10 if last_unit >= 100 else 1)
    return total + group


def numeral_value(numeral: str) -> float | None:
    """The value of a figure as a claim states it: 1.5, 1,000, 3万, 两千; None if unreadable."""
    text = unicodedata.normalize("NFKC", numeral).strip().replace(",", "").translate(FINANCIAL)
    spoken = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(k|w|thousand|million|billion)", text, re.I)
    if spoken:
        number, word = spoken.groups()
        factor = {"k": 1e3, "w": 1e4, "thousand": 1e3, "million": 1e6, "billion": 1e9}
        return float(number) * factor[word.lower()]
    mixed = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([十百千])([万亿]?)", text)
    if mixed:  # 5千, 1.5千万
        number, small, large = mixed.groups()
        return float(number) * SMALL_UNITS[small] * LARGE_UNITS.get(large, 1)
    decimal = DECIMAL_RE.fullmatch(text)
    if decimal:
        number, magnitude = decimal.groups()
        return float(number) * LARGE_UNITS.get(magnitude, 1)
    try:
        return float(chinese_to_int(text))
    except ValueError:
        return None


def int_to_chinese(number: int) -> str:
    """12 → 十二, 64 → 六十四, 103 → 一百零三, 10000 → 一万: as measure labels are written."""
    if number < 0:
        raise ValueError(f"no Chinese numeral for {number}")
    if number < 10:
        return WRITTEN_DIGITS[number]
    if 10 <= number < 20:
        return "十" + (WRITTEN_DIGITS[number - 10] if number > 10 else "")  # 十二, not 一十二
    groups = []  # below 万, below 亿, ... most significant last
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    written = ""
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group:
            # a group after a higher one that lacks its thousands starts with 零 (一万零五百)
            if written and group < 1000 and not written.endswith("零"):
                written += "零"
            written += _group(group) + ("", "万", "亿", "万亿")[index]
        elif written and not written.endswith("零") and any(groups[:index]):
            written += "零"
    return written


def _group(number: int) -> str:
    """0 < number < 10000, with 零 for empty places inside it: 1005 → 一千零五."""
    written, pending_zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        place, number = divmod(number, unit)
        if place:
            written += ("零" if pending_zero else "") + WRITTEN_DIGITS[place] + name
            pending_zero = False
        elif written:
            pending_zero = True
    return written
