"""One turn of a conversation, flowing down once:

    message ─► Question ─► Retrieval ─► Decision ─► Answerer ─► Reply
               question.py  retrieve.py  scope.py    extractive.py | llm.py

Follow-ups are resolved here without an LLM: a short or pronoun-led message ("那企业呢？",
"它对游戏公司有用吗") is searched together with the previous question, and the measures
the previous answer cited stay first. With a chat model, the model condenses it instead.
"""

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from app.core.extractive import Composer
from app.core.llm import Prompts, Writer
from app.core.question import Question, understand
from app.core.retrieve import Retriever, tokens
from app.core.scope import Decision, decide
from app.core.turn import Event, Reply, Turn
from ingest.parse import chinese_to_int
from ingest.source import Policy

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

FOLLOW_UP = re.compile(
    r"^(那|那么|那如果|还有|另外|并且|而且|它|这|这个|这条|这项|该|此|如果是|要是)"
    r"|它|这条|这项|该条|上面|刚才|呢[？?]?$"
    r"|^(and|what about|how about|does it|is it|it|that|this)\b",
    re.I,
)
# a follow-up that points back at the measure just cited, not only at its topic
POINTS_BACK = re.compile(r"它|这条|这项|该条|上面|刚才|里面|\b(it|this|that one)\b", re.I)
PRIOR_BONUS = 0.01
# a follow-up's own best measure must lead the next by this much to change the topic
DECISIVE_GAP = 0.02
CITED_LABEL = re.compile(r"第（([一二三四五六七八九十]+)）条|[Mm]easure \((\d+)\)")


class Answerer(Protocol):
    """Writes the reply to a decided question: core/extractive.py's `Composer`, or
    core/llm.py's `Writer`."""

    def answer(self, decision: Decision) -> Reply: ...

    def stream(self, decision: Decision) -> Iterator[Event] | list[Event]: ...


def previously_cited(history: list[Turn]) -> list[int]:
    for turn in reversed(history):
        if turn.role == "assistant":
            found = [chinese_to_int(a or b) for a, b in CITED_LABEL.findall(turn.content)]
            return list(dict.fromkeys(found))
    return []


def switches_topic(own: Decision) -> bool:
    """A follow-up that alone finds one measure clearly, on words of its own."""
    if not own.in_scope or len(own.ranked) < 2:
        return False
    best, runner_up = own.ranked[0], own.ranked[1]
    return best.lexical > 0 and best.score - runner_up.score >= DECISIVE_GAP


def is_follow_up(question: Question) -> bool:
    return bool(FOLLOW_UP.search(question.text)) or len(tokens(question.text)) <= 1


class Chat:
    def __init__(
        self,
        retriever: Retriever,
        policy: Policy,
        relevance_floor: float,
        model: "BaseChatModel | None" = None,
    ) -> None:
        self.retriever = retriever
        self.policy = policy
        self.relevance_floor = relevance_floor
        self.composer = Composer(policy)
        # with a chat model: answers it writes, follow-ups it condenses
        self.writer = Writer(model, Prompts.load(), self.composer) if model else None
        self.answerer: Answerer = self.writer or self.composer

    def reply(self, message: str, history: list[Turn] | None = None) -> Reply:
        question = understand(message)
        if question.meta and question.measure_reference is None:
            return self.composer.about_document(question)
        return self.answerer.answer(self.decide(question, history or []))

    def stream(self, message: str, history: list[Turn] | None = None) -> Iterator[Event]:
        """The events of the reply. Everything but the writing happens before this returns,
        so a failing store is raised here, before the first event."""
        question = understand(message)
        if question.meta and question.measure_reference is None:
            return iter(self.composer.stream_about_document(question))
        return iter(self.answerer.stream(self.decide(question, history or [])))

    def decide(self, question: Question, history: list[Turn]) -> Decision:
        previous = [t.content for t in history if t.role == "user"]
        if self.writer is not None and previous:
            standalone = self.writer.condense(question.text, history)
            if standalone is not None:
                return self.scope(understand(standalone))
        own = self.scope(question)
        if not previous or question.measure_reference is not None or not is_follow_up(question):
            return own
        if own.declined_for:  # "那公积金呢？" changes the subject to one we do not cover
            return own
        points_back = bool(POINTS_BACK.search(question.text))
        if not points_back and switches_topic(own):
            return own  # "那餐饮呢？" after a question on eldercare asks about dining
        combined = self.scope(question.after(understand(previous[-1])))
        count = len(self.policy.document.measures)
        prior = [n for n in previously_cited(history) if 1 <= n <= count]
        if points_back:
            ranked = sorted(combined.ranked, key=lambda m: (m.number not in prior[:1], -m.score))
        else:  # "那企业呢？": the same topic, so the measures just cited get a nudge
            ranked = sorted(
                combined.ranked,
                key=lambda m: -(m.score + (PRIOR_BONUS if m.number in prior else 0)),
            )
        in_scope = combined.in_scope or bool(prior)
        return Decision(
            question,
            combined.retrieval,
            in_scope,
            "follow_up" if in_scope else combined.reason,
            combined.gate_score,
            tuple(ranked),
        )

    def scope(self, question: Question) -> Decision:
        retrieval = self.retriever.retrieve(question)
        return decide(
            retrieval,
            len(self.policy.document.measures),
            self.relevance_floor,
            self.policy.not_covered,
        )
