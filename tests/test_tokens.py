"""The documented approximations behind /v1/chat/completions: token counts and the
max_tokens budget."""

import pytest

from app.web.tokens import Budget, count_tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("我家老人需要长期护理", 10),  # one per CJK character
        ("Is there support for eldercare?", 6),  # one per Latin word, one per mark
        ("第（六）条 2025年 3.5%", 9),  # a number is one, however long
        ("", 0),
    ],
)
def test_tokens_are_characters_for_cjk_and_words_for_latin(text: str, tokens: int) -> None:
    assert count_tokens(text) == tokens


def test_a_budget_lets_whole_sentences_through() -> None:
    budget = Budget(12)
    pieces = ["优化养老机构房型结构。", "持续推进护", "理型床位建设。", "其余。"]
    sent = "".join(budget.take(p) for p in pieces) + budget.finish()
    assert sent == "优化养老机构房型结构。"
    assert (budget.finish_reason, count_tokens(budget.sent)) == ("length", 11)


def test_a_budget_cuts_english_at_a_full_stop_not_inside_a_number() -> None:
    budget = Budget(8)
    sent = budget.take("Rates fall 3.5 points. Then more follows here.") + budget.finish()
    assert sent == "Rates fall 3.5 points."


def test_a_first_sentence_too_long_for_the_budget_gives_its_first_words() -> None:
    budget = Budget(3)
    assert budget.take("优化养老机构房型结构。") + budget.finish() == "优化养"
    assert budget.finish_reason == "length"


def test_without_a_limit_everything_goes_through_at_once() -> None:
    budget = Budget(None)
    assert budget.take("半句") == "半句" and budget.finish() == ""
    assert budget.finish_reason == "stop"
