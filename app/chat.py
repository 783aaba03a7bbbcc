"""One turn of a conversation: understand, resolve a follow-up, retrieve, answer.

Follow-ups are resolved without an LLM: a short or pronoun-led message ("那企业呢？",
"它对游戏公司有用吗") is searched together with the previous question, and the measures
the previous answer cited stay first.
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.answer import Answer, compose, meta_answer, refuse
from app.query import understand
from app.retrieve import Retrieval, Retriever, tokens
from ingest.parse import chinese_to_int
from ingest.source import Policy

if TYPE_CHECKING:  # app.llm builds on this module
    from app.llm import Writer

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


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant"
    content: str


@dataclass(frozen=True)
class ChatResult:
    answer: Answer
    retrieval: Retrieval | None
    mode: str = "extractive"
    fallback_reason: str | None = None


def previously_cited(history: list[Turn]) -> list[int]:
    for turn in reversed(history):
        if turn.role == "assistant":
            found = [chinese_to_int(a or b) for a, b in CITED_LABEL.findall(turn.content)]
            return list(dict.fromkeys(found))
    return []


def switches_topic(own: Retrieval) -> bool:
    """A follow-up that alone finds one measure clearly, on words of its own."""
    if not own.in_scope or len(own.ranked) < 2:
        return False
    best, runner_up = own.ranked[0], own.ranked[1]
    return best.lexical > 0 and best.score - runner_up.score >= DECISIVE_GAP


def is_follow_up(text: str) -> bool:
    return bool(FOLLOW_UP.search(text)) or len(tokens(text)) <= 1


class Chat:
    def __init__(
        self, retriever: Retriever, policy: Policy, writer: "Writer | None" = None
    ) -> None:
        self.retriever = retriever
        self.policy = policy
        self.writer = writer  # with a chat model: answers it writes, follow-ups it condenses

    def search(self, message: str, history: list[Turn]) -> Retrieval:
        question = understand(message)
        previous = [t.content for t in history if t.role == "user"]
        if (
            not previous
            or question.measure_reference is not None
            or not is_follow_up(question.text)
        ):
            return self.retriever.retrieve(message)
        combined = self.retriever.retrieve(f"{previous[-1]} {message}")
        own = self.retriever.retrieve(message)
        if own.declined_for:  # "那公积金呢？" changes the subject to one we do not cover
            return own
        if not POINTS_BACK.search(question.text) and switches_topic(own):
            return own  # "那餐饮呢？" after a question on eldercare asks about dining
        prior = [
            n for n in previously_cited(history) if 1 <= n <= len(self.policy.document.measures)
        ]
        if POINTS_BACK.search(question.text):
            ranked = sorted(combined.ranked, key=lambda m: (m.number not in prior[:1], -m.score))
        else:  # "那企业呢？": the same topic, so the measures just cited get a nudge
            ranked = sorted(
                combined.ranked,
                key=lambda m: -(m.score + (PRIOR_BONUS if m.number in prior else 0)),
            )
        return Retrieval(
            question,
            tuple(ranked),
            combined.in_scope or bool(prior),
            combined.gate_score,
            None,
            combined.elapsed_ms,
        )

    def standalone_search(self, message: str, history: list[Turn]) -> Retrieval:
        if self.writer is not None and any(t.role == "user" for t in history):
            standalone = self.writer.condense(message, history)
            if standalone is not None:
                return self.retriever.retrieve(standalone)
        return self.search(message, history)

    def prepare(self, message: str, history: list[Turn]) -> ChatResult | Retrieval:
        """The answer when nothing is left to write (facts about the document, refusals),
        else the in-scope retrieval to write it from."""
        question = understand(message)
        if question.meta and question.measure_reference is None:
            return ChatResult(meta_answer(question.meta, question.english, self.policy), None)
        retrieval = self.standalone_search(message, history)
        if not retrieval.in_scope:
            return ChatResult(refuse(retrieval, self.policy), retrieval)
        return retrieval

    def reply(self, message: str, history: list[Turn] | None = None) -> ChatResult:
        prepared = self.prepare(message, history or [])
        if isinstance(prepared, ChatResult):
            return prepared
        if self.writer is not None:
            return self.writer.write(prepared, self.policy)
        return ChatResult(compose(prepared, self.policy), prepared)
