"""Whether the document answers a question: one decision, with its reason, made here only.

A question is in scope when it names a real measure, or when its best measure scores at
least `relevance_floor` (English questions get `ENGLISH_ALLOWANCE` on top: matching
across languages scores lower) and it has none of the words of topics the document does
not cover (`ingest/data/not_covered.txt`). The 4-bit model's similarities are compressed
(a weather question scores 0.83 against a relevant 0.88), so the word list does the work
the score cannot. Calibrated with `bench/calibrate_gate.py`.
"""

from dataclasses import dataclass

from app.core.question import Question
from app.core.retrieve import RankedMeasure, Retrieval

ENGLISH_ALLOWANCE = 0.05


@dataclass(frozen=True)
class Decision:
    question: Question  # the question answered; a follow-up is retrieved with its context
    retrieval: Retrieval
    in_scope: bool
    # why: "named", "no_such_measure", "greeting", "not_covered", "below_floor", "evidence"
    reason: str
    gate_score: float
    ranked: tuple[RankedMeasure, ...]  # best first; a follow-up may reorder retrieval's ranking
    declined_for: str | None = None  # the not-covered word found in the question


def decide(
    retrieval: Retrieval, measure_count: int, floor: float, not_covered: tuple[str, ...]
) -> Decision:
    question = retrieval.question
    ranked = retrieval.ranked
    gate_score = max((m.score for m in ranked), default=0.0)
    if question.english:
        gate_score += ENGLISH_ALLOWANCE
    named = question.measure_reference
    if named is not None:
        exists = 1 <= named <= measure_count
        reason = "named" if exists else "no_such_measure"
        return Decision(question, retrieval, exists, reason, gate_score, ranked)
    if question.greeting:
        return Decision(question, retrieval, False, "greeting", gate_score, ranked)
    lowered = question.text.lower()
    declined_for = next((w for w in not_covered if w in lowered), None)
    if declined_for is not None:
        return Decision(question, retrieval, False, "not_covered", gate_score, ranked, declined_for)
    if gate_score < floor:
        return Decision(question, retrieval, False, "below_floor", gate_score, ranked)
    return Decision(question, retrieval, True, "evidence", gate_score, ranked)
