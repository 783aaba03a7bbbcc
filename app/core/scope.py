"""Whether the document answers a question: one decision, with its reason, made here only.

The evidence is what retrieval found. A question is answered when a measure's text
supports it: a measure's support reaches `floor` (dense similarity to its text and its
reviewed examples, plus the lexical bonus; English questions get `ENGLISH_ALLOWANCE`,
matching across languages scores lower). Paraphrases pick among measures but are no
evidence here: more ways of asking pull every question nearer, off-topic ones too
(measured with `bench/calibrate_gate.py`: they raised false accepts from 2.6% to 6.1%).
It is declined when it is set in another city ("北京的市民夜校", core/place.py),
when its best measure says only the negation of what it asks (学科类 where the text
says 非学科类), when nothing supports it, or when it sits clearly closer to a question
the document leaves open than to any measure: reviewed counter-examples (car subsidies,
departure tax refunds, loan interest subsidies, weather…) are embedded beside the
measures, so one search gives both similarities, and a question must not trail its
nearest counter-example: the best support must lead it by `margin`.

Words never refuse on their own. An aspect the document leaves open (an amount, a fee,
a date, how to apply, who is eligible) shapes the answer instead, and a word of a topic
the document does not cover (专利, 医保…) is named in the answer as the part it leaves
open. Calibrated with `bench/calibrate_gate.py`.
"""

import re
from dataclasses import dataclass, field, replace

from app.core.context import has_topic
from app.core.grounding import claims
from app.core.place import Places
from app.core.question import CONFIRMING, WHAT_SERVES, Question, understand, without_aspects
from app.core.retrieve import ANY_DOCUMENT, RankedMeasure, Retrieval
from ingest.source import Corpus

ENGLISH_ALLOWANCE = 0.05
# a measure is cited beside the best one only when it scores this close to it
CITE_GAP = 0.004
# a current document is preferred to a superseded one that scores at most this much better
SUPERSEDED_GAP = 0.03
MAX_CITED = 3


@dataclass(frozen=True)
class Gate:
    floor: float
    margin: float
    uncovered_words: tuple[str, ...]  # topics the document leaves open (data/not_covered.txt)
    places: Places = field(default_factory=Places.load)  # Shanghai's names and others'


@dataclass(frozen=True)
class Decision:
    question: Question  # the question answered; a follow-up is retrieved with its context
    in_scope: bool
    # why: named, no_such_measure, greeting, about_me, closing, elsewhere, specific, denied,
    # below_floor,
    # outside, evidence, follow_up, no_previous
    reason: str
    ranked: tuple[RankedMeasure, ...] = ()  # best first; a follow-up may reorder them
    cite: tuple[RankedMeasure, ...] = ()  # what the answer cites, in this order
    # how the answer is shaped: answer, named, listing, overview, which, more, plain,
    # another, none_left, beyond, persona, or none (a refusal or a social reply)
    shape: str = "answer"
    english: bool = False  # the language to answer in
    uncovered: tuple[str, ...] = ()  # words of the question on topics the text leaves open
    support: float = 0.0  # the best support among the measures (plus the English allowance)
    against: float = 0.0  # the nearest counter-example's similarity
    # how far the best evidence leads the nearest counter-example, both unadjusted for
    # language (negative: the question sits nearer a question the document leaves open)
    lead: float = 0.0
    previous_answer: str = ""  # for "more": what the last answer already quoted
    persona: tuple[str, ...] = ()  # the audiences the person belongs to, as they said
    # "第十二条" among several documents: the others that have such a measure
    alternatives: tuple[str, ...] = ()
    retrieval: Retrieval | None = field(default=None, compare=False)


def select_measures(ranked: tuple[RankedMeasure, ...]) -> tuple[RankedMeasure, ...]:
    if not ranked:
        return ()
    if ranked[0].named:
        return (ranked[0],)
    best, lead = ranked[0].score, ranked[0].doc_id
    # beside the best, measures of its document (another document was ranked below for a
    # reason) about as close that also say some of the words asked: a tie in meaning alone
    # is no reason to cite a second measure
    return (
        ranked[0],
        *(
            m
            for m in ranked[1:MAX_CITED]
            if m.doc_id == lead and best - m.score <= CITE_GAP and m.lexical > 0
        ),
    )


def uncovered_words(text: str, words: tuple[str, ...]) -> tuple[str, ...]:
    lowered = text.lower()
    found = [w for w in words if re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", lowered)]
    # the longest wins: 医保报销 rather than 医保 as well
    return tuple(w for w in found if not any(w != o and w in o for o in found))


def decide(question: Question, retrieval: Retrieval, corpus: Corpus, gate: Gate) -> Decision:
    """A superseded document answers only when it matches clearly better than anything
    current (by `SUPERSEDED_GAP`), and never a question asking what policy there is, which
    the measures in force answer when any does; its answer then says what replaced it."""
    decision = judge(question, retrieval, retrieval.ranked, gate)
    top = decision.ranked[0] if decision.ranked else None
    if top is None or corpus.document(top.doc_id).current or retrieval.document:
        return decision
    current = tuple(m for m in retrieval.ranked if corpus.document(m.doc_id).current)
    instead = judge(question, retrieval, current, gate)
    in_force = bool(WHAT_SERVES.search(question.text))  # "有什么相关政策"
    if instead.in_scope and (
        not decision.in_scope or in_force or top.score - current[0].score <= SUPERSEDED_GAP
    ):
        return instead
    return decision


def topic_alone(decision: Decision) -> str | None:
    """A declined question's topic alone, for a second look: without its open aspects (the
    words of an amount, a fee or a date resemble the questions the document leaves open
    more than any topic does, and they never decline on their own), and for a claim put
    up to be confirmed, without the claim's words of topics left open ("体育消费节期间每人
    发消费券是吧" is about 体育消费节, and the answer says the text does not say so)."""
    question = decision.question
    if (
        decision.in_scope
        or decision.reason not in ("outside", "below_floor")
        or question.measure_reference is not None
    ):
        return None
    text = question.text
    if question.confirming:
        text = CONFIRMING.sub(" ", text)
        for figure, _ in claims(text):  # "每月发两千块": the claim, not the topic
            text = text.replace(figure, " ")
        for word in decision.uncovered:
            text = re.sub(re.escape(word), " ", text, flags=re.I)
    elif not question.aspects or decision.uncovered:  # "租房补贴怎么申请": a topic left open
        return None
    text = without_aspects(text)
    return text if text != question.text and text.strip() else None


def about_more_than(question: Question, words: tuple[str, ...]) -> bool:
    """Whether a question names anything beside these words of topics left open."""
    rest = question.text.lower()
    for word in words:
        rest = rest.replace(word, " ")
    return has_topic(understand(rest))


def judge(
    question: Question, retrieval: Retrieval, ranked: tuple[RankedMeasure, ...], gate: Gate
) -> Decision:
    best = ranked[0] if ranked else None
    evidence = max((m.support for m in ranked), default=0.0)
    support = evidence + (ENGLISH_ALLOWANCE if question.english else 0)
    # its document's nearest counter-example, or a question no document answers
    outside = retrieval.outside
    against = max(outside.get(best.doc_id, 0.0), outside.get(ANY_DOCUMENT, 0.0)) if best else 0.0
    declined = Decision(
        question=question,
        in_scope=False,
        reason="",
        ranked=ranked,
        shape="none",
        english=question.answer_in_english,
        uncovered=uncovered_words(question.text, gate.uncovered_words),
        support=support,
        against=against,
        lead=evidence - against,
        retrieval=retrieval,
    )
    if question.measure_reference is not None:
        if best is None or not best.named:
            return replace(declined, reason="no_such_measure")
        return replace(declined, in_scope=True, reason="named", cite=(best,), shape="named")
    if question.social:
        return replace(declined, reason=question.social)
    if question.elsewhere:  # "北京的市民夜校怎么报名": the measures are Shanghai's
        return replace(declined, reason="elsewhere", uncovered=(question.elsewhere,))
    if question.venue and question.aspects:  # "上海博物馆几点关门": one venue's particulars
        return replace(declined, reason="specific", uncovered=(question.venue,))
    if best is not None and best.denied:  # "学科类补习班能开吗" where it says 非学科类 only
        return replace(declined, reason="denied", uncovered=best.denied[:1])
    if support < gate.floor:
        return replace(declined, reason="below_floor")
    # both similarities cross languages alike: the counter-examples are compared unadjusted
    if best is not None and declined.lead < gate.margin:
        return replace(declined, reason="outside")
    if declined.uncovered and not about_more_than(question, declined.uncovered):
        return replace(declined, reason="outside")  # "有消费券吗": only a topic left open
    answered = replace(declined, in_scope=True, reason="evidence", shape="answer")
    return replace(answered, cite=select_measures(ranked))
