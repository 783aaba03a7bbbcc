"""Answers written by a chat model, held to the measures retrieval found: the second
implementation of the answering interface beside core/extractive.py's `Composer`.

The scope decision comes first: only an in-scope question reaches the model. The model is
given the best measures (the ones the extractive answer would cite, widened to the top
three) and nothing else from the document. Its answer is kept only when every number it
states is in a measure it cites and it cites at least one; anything else, and any provider
failure, gives the extractive answer with a `fallback_reason`:

    timeout, rate_limited, provider_error, malformed_output, declined, no_citation,
    unsupported_number

The words the model is given live in `prompts/`.
"""

import json
import logging
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from app.core.extractive import Composer, key
from app.core.grounding import check
from app.core.retrieve import RankedMeasure
from app.core.scope import Decision, select_measures
from app.core.turn import Answer, Citation, Delta, Done, Event, Reply, Sources, Turn, replay
from ingest.source import Policy
from prompts import PROMPTS_DIR

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

OFFERED = 3
MAX_ANSWER_CHARS = 2000
MAX_STANDALONE_CHARS = 300
CONDENSE_TURNS = 6
CONDENSE_TURN_CHARS = 300
log = logging.getLogger("policybot.llm")


@dataclass(frozen=True)
class Prompts:
    system: str  # {doc_title} {refusal}
    answer: str  # {context} {question}
    measure: str  # {label} {title} {text}
    condense: str  # {history} {question}
    refusal: str

    PLACEHOLDERS: ClassVar[dict[str, set[str]]] = {
        "system": {"doc_title", "refusal"},
        "answer": {"context", "question"},
        "measure": {"label", "title", "text"},
        "condense": {"history", "question"},
        "refusal": set(),
    }

    @classmethod
    def load(cls, directory: Path = PROMPTS_DIR) -> "Prompts":
        texts = {
            name: (directory / f"{name}.txt").read_text("utf-8").strip()
            for name in cls.PLACEHOLDERS
        }
        for name, expected in cls.PLACEHOLDERS.items():
            found = placeholders(texts[name])
            if found != expected:
                raise ValueError(
                    f"prompts/{name}.txt has placeholders {sorted(found)}; "
                    f"it must have exactly {sorted(expected)}"
                )
        return cls(**texts)


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def reason_for(error: BaseException) -> str:
    import openai  # a second to import, and needed only when something failed

    if isinstance(error, openai.APITimeoutError | httpx.TimeoutException | TimeoutError):
        return "timeout"
    if isinstance(error, openai.RateLimitError):
        return "rate_limited"
    if isinstance(error, openai.APIResponseValidationError | ValueError | KeyError | TypeError):
        return "malformed_output"
    return "provider_error"


def content_text(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [part.get("text") if isinstance(part, dict) else part for part in content]
        strings = [t for t in texts if isinstance(t, str)]
        if len(strings) == len(texts):
            return "".join(strings)
    return None


class Writer:
    def __init__(self, model: "BaseChatModel", prompts: Prompts, composer: Composer) -> None:
        self.model = model
        self.prompts = prompts
        self.composer = composer  # refusals, and the answer that stands in when the model fails

    @property
    def policy(self) -> Policy:
        return self.composer.policy

    def text_of(self, measure: RankedMeasure) -> str:
        return self.composer.measure(key(measure)).text

    def fallback(self, decision: Decision, reason: str) -> Reply:
        log.warning(json.dumps({"event": "llm_fallback", "reason": reason}))
        reply = self.composer.answer(decision)
        return Reply(reply.answer, reply.english, "extractive", reason)

    def offer(self, decision: Decision) -> list[RankedMeasure]:
        chosen = list(decision.cite) or list(select_measures(decision.ranked))
        if chosen and chosen[0].named:
            return chosen
        return list({m.number: m for m in [*chosen, *decision.ranked[:OFFERED]]}.values())

    def messages(self, decision: Decision, offered: list[RankedMeasure]) -> list[BaseMessage]:
        policy = self.policy
        context = "\n\n".join(
            self.prompts.measure.format(
                label=self.composer.measure(key(m)).label,
                title=self.composer.measure(key(m)).title,
                text="".join(s.text for s in self.composer.measure(key(m)).sentences),
            )
            for m in offered
        )
        system = self.prompts.system.format(doc_title=policy.title, refusal=self.prompts.refusal)
        human = self.prompts.answer.format(context=context, question=decision.question.text)
        return [SystemMessage(system), HumanMessage(human)]

    def answer(self, decision: Decision) -> Reply:
        if not decision.in_scope:
            return self.composer.answer(decision)
        offered = self.offer(decision)
        try:
            reply = self.model.invoke(self.messages(decision, offered))
        except Exception as error:  # any provider failure: the extractive answer stands in
            return self.fallback(decision, reason_for(error))
        return self.judge(content_text(reply.content), decision, offered)

    def stream(self, decision: Decision) -> Iterator[Event]:
        if not decision.in_scope:
            yield from self.composer.stream(decision)
            return
        offered = self.offer(decision)
        yield Sources(tuple(self.cite(m) for m in offered), True)
        streamed: list[str] = []
        try:
            for chunk in self.model.stream(self.messages(decision, offered)):
                text = content_text(chunk.content)
                if text is None:
                    raise ValueError("a chunk without text")
                if text:
                    streamed.append(text)
                    yield Delta(text)
        except Exception as error:
            result = self.fallback(decision, reason_for(error))
            if not streamed:  # nothing shown yet: the fallback streams as if it were first
                yield from (e for e in replay(result) if not isinstance(e, Sources))
                return
            yield Done(result, replaced=True)
            return
        result = self.judge("".join(streamed), decision, offered)
        yield Done(result, replaced=bool(streamed) and result.answer.text != "".join(streamed))

    def judge(self, text: str | None, decision: Decision, offered: list[RankedMeasure]) -> Reply:
        if text is None or not text.strip() or len(text) > MAX_ANSWER_CHARS:
            return self.fallback(decision, "malformed_output")
        checked = check(text, {m.number: self.text_of(m) for m in offered})
        if checked.removed:
            log.warning(json.dumps({"event": "labels_removed", "count": checked.removed}))
        if not checked.cited:
            declined = self.prompts.refusal.rstrip("。.") in text
            return self.fallback(decision, "declined" if declined else "no_citation")
        if checked.unsupported:
            log.warning(
                json.dumps(
                    {"event": "unsupported_numbers", "claims": list(checked.unsupported)},
                    ensure_ascii=False,
                )
            )
            return self.fallback(decision, "unsupported_number")
        by_number = {m.number: m for m in offered}
        cited = [self.cite(by_number[n]) for n in checked.cited]
        suggestions = self.composer.suggestions(decision, cited)
        answer = Answer(checked.text, tuple(cited), True, suggestions)
        return Reply(answer, decision.english, "llm", None)

    def cite(self, measure: RankedMeasure) -> Citation:
        whole = None if measure.named else self.composer.evidence_indexes(measure)
        return self.composer.citation(measure, whole)

    def condense(self, message: str, history: list[Turn]) -> str | None:
        """The follow-up rewritten as a standalone question, or None when the model fails."""
        lines = [
            f"{'用户' if t.role == 'user' else '助手'}：{t.content[:CONDENSE_TURN_CHARS]}"
            for t in history[-CONDENSE_TURNS:]
        ]
        prompt = self.prompts.condense.format(history="\n".join(lines), question=message)
        try:
            reply = self.model.invoke([HumanMessage(prompt)])
        except Exception as error:
            log.warning(json.dumps({"event": "condense_failed", "reason": reason_for(error)}))
            return None
        text = content_text(reply.content) or ""
        line = next((s.strip() for s in text.splitlines() if s.strip()), "")
        line = line.removeprefix("问题：").strip("\"'“”「」 ")
        return line if 0 < len(line) <= MAX_STANDALONE_CHARS else None


def chat_model(
    model: str, base_url: str | None, api_key: str | None, timeout: float, temperature: float
) -> "BaseChatModel":
    from langchain_openai import ChatOpenAI  # imported only when a model is configured

    return ChatOpenAI(
        model=model,
        base_url=base_url,
        # a local OpenAI-compatible server takes no key, but the client insists on one
        api_key=api_key or "unset",  # type: ignore[arg-type]
        timeout=timeout,
        # one slow try is enough: the extractive answer is ready the moment it fails
        max_retries=0,
        temperature=temperature,
    )
