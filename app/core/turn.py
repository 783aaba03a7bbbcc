"""The types one turn of a conversation passes between its steps and to the HTTP edge:
the turns a client sends, the answer it gets back, and the events of a streamed answer.
Every step imports them from here, so no two steps import each other."""

from dataclasses import dataclass
from typing import Literal

Role = Literal["user", "assistant"]
Mode = Literal["extractive", "llm"]


@dataclass(frozen=True)
class Turn:
    role: Role
    content: str


@dataclass(frozen=True)
class Citation:
    measure: int
    label: str
    title: str
    title_en: str
    section: str
    quote: str  # the original Chinese words the answer rests on
    doc_id: str
    doc_title: str


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]
    grounded: bool  # false: the document does not cover the question
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class Reply:
    answer: Answer
    english: bool  # the language the answer is written in
    mode: Mode = "extractive"
    fallback_reason: str | None = None  # why a model's answer was replaced (see core/llm.py)
    persona: tuple[str, ...] = ()  # the audiences the answer was ranked for


# A streamed answer: the sources first, then its text in pieces, then the finished reply.


@dataclass(frozen=True)
class Sources:
    citations: tuple[Citation, ...]
    grounded: bool


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Done:
    reply: Reply
    replaced: bool  # the text sent in deltas is not the final answer's text


Event = Sources | Delta | Done


def pieces(text: str) -> list[str]:
    """An answer cut at line and sentence ends, for streaming a finished answer."""
    parts, current = [], ""
    for char in text:
        current += char
        if char in "\n。；！？":
            parts.append(current)
            current = ""
    return [*parts, current] if current else parts


def replay(reply: Reply) -> list[Event]:
    """A finished reply as the events of a stream."""
    return [
        Sources(reply.answer.citations, reply.answer.grounded),
        *(Delta(piece) for piece in pieces(reply.answer.text)),
        Done(reply, replaced=False),
    ]
