"""The scorer of `policybot eval`: what counts as a refusal to score, and a service it cannot
reach. The asker is the HTTP boundary, so a small function stands in for the service."""

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from app.tools.cli import main
from app.tools.evaluate import evaluate_answers

REFUSAL = {"answer": "抱歉，文件没有涉及这个问题。", "citations": [], "grounded": False}
ANSWER = {
    "answer": "第（四）条「提升健康消费国际化水平」有相关规定。",
    "citations": [{"measure": 4, "label": "（四）"}],
    "grounded": True,
}


def scored(item: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    return evaluate_answers(lambda message, history: reply, [item], report=lambda _: None)


@pytest.mark.parametrize(
    "marks",
    [{"near_miss": True}, {"pattern": "follow_up_out_of_scope"}, {"pattern": "out_of_scope"}],
)
def test_a_conversation_ending_out_of_scope_is_scored_as_a_refusal(marks: dict) -> None:
    item = {"kind": "multi_turn", "turns": ["看病方面有什么新措施？", "医保卡能在私立医院刷吗？"]}
    item |= {"expect": [], **marks}
    refused = scored(item, REFUSAL)
    assert refused["refusal_accuracy"] == 1.0 and refused["false_refusal_rate"] is None
    assert scored(item, ANSWER)["refusal_accuracy"] == 0.0


def test_an_in_scope_conversation_refused_is_a_false_refusal() -> None:
    item = {"kind": "multi_turn", "turns": ["看病方面有什么新措施？", "外国人呢？"], "expect": [4]}
    assert scored(item, REFUSAL)["false_refusal_rate"] == 1.0
    assert scored(item, ANSWER)["hit@1"] == 1.0


def test_eval_against_nothing_listening_fails_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    golden = tmp_path / "one.jsonl"
    golden.write_text(json.dumps({"question": "有什么养老服务？", "expect": [6]}) + "\n")
    with socket.socket() as free:  # a port bound and closed: nothing listens there
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert main(["eval", str(golden), "--url", f"http://127.0.0.1:{port}"]) == 1
    assert "cannot reach" in capsys.readouterr().err


def test_a_summary_asked_in_another_kind_is_no_refusal_item() -> None:
    item = {"kind": "english", "subkind": "summary", "question": "Summarise it", "expect": []}
    summary = {"answer": "It has 16 measures in 4 sections.", "citations": [], "grounded": True}
    assert scored(item, summary)["refusal_accuracy"] is None
