"""One set of numeral rules for labels (第六十四条) and the figures answers state (两千元)."""

import pytest

from ingest import parse
from ingest.numerals import chinese_to_int, int_to_chinese, numeral_value


@pytest.mark.parametrize(
    ("numeral", "number"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("六十四", 64),
        ("一百零三", 103),
        ("一百一十", 110),
        ("二〇二六", 2026),
        ("两千", 2000),
        ("一千零五", 1005),
        ("一千五", 1500),
        ("一万", 10000),
        ("两万五", 25000),
        ("三万五千", 35000),
        ("十二万", 120000),
        ("一亿二千万", 120_000_000),
        ("12", 12),
        ("1,000", 1000),
        ("１２", 12),
        ("3万", 30000),
    ],
)
def test_chinese_to_int(numeral: str, number: int) -> None:
    assert chinese_to_int(numeral) == number


@pytest.mark.parametrize("numeral", ["", "二三十", "十十", "十百", "第一", "1.5", "abc"])
def test_what_is_not_a_whole_numeral_is_refused(numeral: str) -> None:
    with pytest.raises(ValueError):
        chinese_to_int(numeral)


@pytest.mark.parametrize(
    ("number", "numeral"),
    [
        (1, "一"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (64, "六十四"),
        (103, "一百零三"),
        (110, "一百一十"),
        (1005, "一千零五"),
        (10000, "一万"),
        (10010, "一万零一十"),
        (100_000_005, "一亿零五"),
    ],
)
def test_int_to_chinese(number: int, numeral: str) -> None:
    assert int_to_chinese(number) == numeral


def test_writing_and_reading_agree_up_to_a_hundred_thousand() -> None:
    wrong = [n for n in range(100_001) if chinese_to_int(int_to_chinese(n)) != n]
    assert wrong == []


@pytest.mark.parametrize(
    ("figure", "value"),
    [("1.5", 1.5), ("1,000", 1000.0), ("1.5万", 15000.0), ("两千", 2000.0), ("二〇二六", 2026.0)],
)
def test_numeral_value_reads_the_figures_of_claims(figure: str, value: float) -> None:
    assert numeral_value(figure) == value


@pytest.mark.parametrize("figure", ["若干", "百分", "1.2.3"])
def test_numeral_value_is_none_for_what_it_cannot_read(figure: str) -> None:
    assert numeral_value(figure) is None


def test_the_parser_still_offers_the_numerals_app_imports_from_it() -> None:
    assert parse.chinese_to_int("六十四") == 64
    assert parse.int_to_chinese(16) == "十六"
    assert parse.CN_DIGITS["两"] == 2
