"""`policybot eval FILE.jsonl`: score golden questions, print each miss, then one JSON line.

Two modes. Retrieval scores the ranked measures and the scope decision directly. Answers
(`--answers`) goes through the HTTP API and scores what a user sees: the answer's
citations, its refusals, `must_contain` and `must_not_contain`, a `claim` of the question
repeated in the answer, and whether an English question (`lang: en`) got English (at least
95% of the answer's letters Latin). A thanks or goodbye (`pattern: closing`) is right
when it cites nothing, and is neither a refusal nor an in-scope question.
"""

import json
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.chat import Chat
from app.core.question import understand

Ask = Callable[[str, list[dict[str, str]]], dict[str, Any]]
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3400-\u9fff]")
ENGLISH_SHARE = 0.95


@dataclass
class Tally:
    questions: int = 0
    hits_at_1: int = 0
    hits_at_3: int = 0
    reciprocal_ranks: float = 0.0
    ranked_questions: int = 0
    refusals_right: int = 0
    out_of_scope: int = 0
    false_refusals: int = 0
    in_scope: int = 0
    cited: int = 0
    cited_relevant: int = 0
    contains_failed: int = 0
    claims: int = 0
    claims_echoed: int = 0
    english: int = 0
    english_answered_in_english: int = 0
    closings: int = 0
    closings_right: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        def share(part: float, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        ordered = sorted(self.latencies_ms) or [0.0]
        return {
            "questions": self.questions,
            "hit@1": share(self.hits_at_1, self.ranked_questions),
            "hit@3": share(self.hits_at_3, self.ranked_questions),
            "mrr": share(self.reciprocal_ranks, self.ranked_questions),
            "refusal_accuracy": share(self.refusals_right, self.out_of_scope),
            "false_refusal_rate": share(self.false_refusals, self.in_scope),
            "citation_precision": share(self.cited_relevant, self.cited),
            "must_contain_failures": self.contains_failed,
            "claims_echoed": share(self.claims_echoed, self.claims),
            "english_in_english": share(self.english_answered_in_english, self.english),
            "closings_right": share(self.closings_right, self.closings),
            "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        }


def load_golden(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _is_refusal_item(item: dict[str, Any]) -> bool:
    if "in_scope" in item:  # the gate-calibration format
        return not item["in_scope"]
    # a conversation that drifts out of scope, however its pattern is spelt, or a near miss
    drifts = "outofscope" in str(item.get("pattern", "")).replace("_", "")
    if item.get("kind") == "out_of_scope" or drifts or item.get("near_miss"):
        return True
    # older sets mark nothing but an empty expect; summaries and "no more" answers have none
    summary = "summary" in (item.get("kind"), item.get("subkind"))
    return not item.get("expect") and not summary and item.get("kind") not in ("meta", "multi_turn")


def latin_share(text: str) -> float:
    latin = len(LATIN.findall(text))
    letters = latin + len(CJK.findall(text))
    return latin / letters if letters else 1.0


def _score_ranking(
    tally: Tally, item: dict[str, Any], ranked: list[int], grounded: bool
) -> str | None:
    tally.questions += 1
    expect = set(item.get("expect") or [])
    if _is_refusal_item(item):
        tally.out_of_scope += 1
        if not grounded and not ranked:
            tally.refusals_right += 1
            return None
        return f"not refused (cited {ranked[:3]})"
    tally.in_scope += 1
    if not expect:  # meta: no ranking to score
        if not grounded:
            tally.false_refusals += 1
            return "refused"
        return None
    tally.ranked_questions += 1
    if not grounded:
        tally.false_refusals += 1
    rank = next((i + 1 for i, n in enumerate(ranked) if n in expect), None)
    tally.hits_at_1 += rank == 1
    tally.hits_at_3 += rank is not None and rank <= 3
    tally.reciprocal_ranks += 1 / rank if rank else 0.0
    if rank != 1 or not grounded:
        return f"expected {sorted(expect)}, got {ranked[:3]}" + ("" if grounded else " (refused)")
    return None


def evaluate_retrieval(
    chat: Chat, items: Iterable[dict[str, Any]], report: Callable[[str], None] = print
) -> dict[str, Any]:
    tally = Tally()
    for item in items:
        if "turns" in item:
            continue  # follow-ups need the conversation: scored in answers mode
        question = item["question"]
        decision = chat.scope(understand(question))
        tally.latencies_ms.append(decision.retrieval.elapsed_ms if decision.retrieval else 0.0)
        grounded = decision.in_scope or bool(decision.question.meta)
        ranked = (
            [m.number if m.doc_id == item.get("doc", m.doc_id) else 0 for m in decision.ranked]
            if decision.in_scope
            else []
        )
        miss = _score_ranking(tally, item, ranked, grounded)
        if miss:
            report(
                f"MISS {item.get('id', '-')} [{item.get('kind')}] {question} — {miss} "
                f"({decision.reason}: support {decision.support:.3f}, "
                f"against {decision.against:.3f})"
            )
    return tally.figures()


def evaluate_answers(
    ask: Ask, items: Iterable[dict[str, Any]], report: Callable[[str], None] = print
) -> dict[str, Any]:
    tally = Tally()
    for item in items:
        turns = item.get("turns") or [item["question"]]
        history: list[dict[str, str]] = []
        started = time.perf_counter()
        reply: dict[str, Any] = {}
        for turn in turns:
            reply = ask(turn, history)
            history += [
                {"role": "user", "content": turn},
                {"role": "assistant", "content": reply.get("answer", "")},
            ]
        tally.latencies_ms.append((time.perf_counter() - started) * 1000 / len(turns))
        # in a corpus, a citation counts when it names the expected document too
        cited = [
            c["measure"]
            if c.get("doc_id", item.get("doc")) == item.get("doc", c.get("doc_id"))
            else 0
            for c in reply.get("citations", [])
        ]
        answer = reply.get("answer", "")
        misses = []
        if item.get("pattern") == "closing":
            tally.closings += 1
            tally.closings_right += not cited
            if cited:
                report(f"MISS {item.get('id', '-')} [closing] {turns[-1]} — cited {cited}")
            continue
        ranking_miss = _score_ranking(tally, item, cited, bool(reply.get("grounded")))
        if ranking_miss:
            misses.append(ranking_miss)
        if item.get("claim"):
            tally.claims += 1
            if item["claim"] in answer:
                tally.claims_echoed += 1
                misses.append(f"echoes the claim {item['claim']!r}")
        if item.get("lang") == "en" and not _is_refusal_item(item):
            tally.english += 1
            if latin_share(answer) >= ENGLISH_SHARE:
                tally.english_answered_in_english += 1
            else:
                misses.append(f"not in English ({latin_share(answer):.2f} Latin)")
        if item.get("expect"):
            relevant = set(item["expect"]) | set(item.get("also") or [])
            tally.cited += len(cited)
            tally.cited_relevant += sum(n in relevant for n in cited)
            if any(n not in relevant for n in cited):
                misses.append(f"cited beyond expect/also: {cited}")
        for needle in item.get("must_contain") or []:
            if needle not in answer:
                misses.append(f"answer lacks {needle!r}")
        for needle in item.get("must_not_contain") or []:
            if needle in answer:
                misses.append(f"answer contains {needle!r}")
        if any(m.startswith("answer ") for m in misses):
            tally.contains_failed += 1
        if misses:
            report(
                f"MISS {item.get('id', '-')} [{item.get('kind')}] {turns[-1]} — {'; '.join(misses)}"
                f" | {answer[:80]!r}"
            )
    return tally.figures()
