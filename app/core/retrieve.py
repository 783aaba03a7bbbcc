"""Question → every measure ranked by relevance, each with its score and evidence sentences.

Dense search over every chunk in the store, aggregated per measure (its best chunk),
plus a small lexical bonus: the share of the question's rare words (IDF-weighted jieba
tokens) that the measure contains. The dense signal carries the meaning; the lexical one
breaks near-ties on exact terms ("独资医院", "票根") that a 4-bit small model blurs.
A measure the question names (第十二条) goes first, whatever the scores say.

Whether the best of them is good enough to answer from is not decided here: see scope.py.
"""

import math
import re
import time
from dataclasses import dataclass, field
from functools import cache, lru_cache

from app.core.question import Question, understand
from ingest.parse import Measure
from ingest.source import Policy
from vectorstore.store import Store

LEXICAL_WEIGHT = 0.08
# chunks looked at per question: enough that every measure in the running has its best
# ones, and the nearest counter-examples are among them
SEARCH_DEPTH = 160
# words that say nothing about which measure: question scaffolding and the document's own topic
STOPWORDS = frozenset(
    (
        "的 了 吗 呢 吧 啊 呀 嘛 么 有 有没有 没有 什么 哪些 哪个 哪条 怎么 怎样 "
        "如何 是 是不是 在 我 我们 你 你们 他 她 它 能 能不能 会 会不会 可以 "
        "可不可以 要 想 需要 和 与 及 或 等 这 那 这个 那个 个 一 上海 上海市 "
        "政策 措施 规定 文件 支持 相关 关于 方面 哪 谁 给 对 吗 还 也 都 就 请问 "
        "请 一下 知道 告诉 问 问问 讲 说 条 第 内容 现在 目前 今年 市里 政府 "
        "a an the is are was were be been do does did will would can could should there this "
        "that these those it its of in on at to for from by with and or not no any some more "
        "most what which who whom how when where why i we you my our your me us they them "
        "their shanghai policy policies measure measures support supported government city "
        "plan plans have has had get got about into than so if as up out new"
    ).split()
)


@dataclass(frozen=True)
class Evidence:
    text: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class RankedMeasure:
    number: int
    score: float
    dense: float
    lexical: float
    evidence: tuple[Evidence, ...]
    named: bool = False  # the question named this measure (第十二条)


@dataclass(frozen=True)
class Retrieval:
    question: Question
    ranked: tuple[RankedMeasure, ...]  # every measure, best first
    outside: float = 0.0  # similarity of the nearest counter-example (a question not covered)
    elapsed_ms: float = field(default=0.0, compare=False)

    @property
    def top(self) -> RankedMeasure | None:
        return self.ranked[0] if self.ranked else None


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def tokens(text: str) -> set[str]:
    words = _jieba().lcut_for_search(text.lower())
    # a lone Latin letter ("s" of "what's") is no word
    return {
        w
        for w in words
        if w.strip() and w not in STOPWORDS and re.search(r"\w", w) and not re.fullmatch("[a-z]", w)
    }


class LexicalIndex:
    def __init__(self, measures: tuple[Measure, ...], english: dict[int, str]) -> None:
        # a measure's words are its Chinese text's and its English rendering's
        self.texts = {m.number: f"{m.text} {english.get(m.number, '')}".lower() for m in measures}
        self.vocab = {m.number: tokens(self.texts[m.number]) for m in measures}
        counts: dict[str, int] = {}
        for words in self.vocab.values():
            for word in words:
                counts[word] = counts.get(word, 0) + 1
        total = len(measures)
        self._idf = {w: math.log(1 + total / (1 + c)) for w, c in counts.items()}
        self._unseen_idf = math.log(1 + total)

    def idf(self, word: str) -> float:
        return self._idf.get(word, self._unseen_idf)

    def contains(self, number: int, word: str) -> bool:
        return word in self.vocab[number] or (len(word) >= 2 and word in self.texts[number])

    def coverage(self, words: set[str], number: int) -> float:
        """Share of the words' IDF mass that the measure contains."""
        total = sum(self.idf(w) for w in words)
        if not total:
            return 0.0
        return sum(self.idf(w) for w in words if self.contains(number, w)) / total

    def sentence_overlap(self, words: set[str], sentence: str) -> float:
        total = sum(self.idf(w) for w in words)
        found = sum(self.idf(w) for w in words if len(w) >= 2 and w in sentence.lower())
        return found / total if total else 0.0


class Retriever:
    def __init__(self, store: Store, policy: Policy, cache_size: int = 1024) -> None:
        self.store = store
        self.policy = policy
        english = {number: notes.text_en for number, notes in policy.notes.items()}
        self.lexical = LexicalIndex(policy.document.measures, english)
        self._measure_count = len(policy.document.measures)
        # functools' cache is thread-safe: concurrent requests never corrupt it
        self._ranked = lru_cache(maxsize=cache_size)(self._rank)

    def warm_up(self) -> None:
        self.retrieve(understand("预热"))

    def retrieve(self, question: Question) -> Retrieval:
        started = time.perf_counter()
        # keyed by the collection too: a rebuilt store is never answered from the old one
        collection = self.store.snapshot().name
        ranked, outside = self._ranked(question.text, question.measure_reference, collection)
        return Retrieval(question, ranked, outside, (time.perf_counter() - started) * 1000)

    def _rank(
        self, text: str, named: int | None, collection: str
    ) -> tuple[tuple[RankedMeasure, ...], float]:
        vector = self.store.embedder.embed_query(text)
        hits = self.store.search(vector, limit=SEARCH_DEPTH)
        words = tokens(text)

        dense: dict[int, float] = {}
        sentences: dict[int, list[Evidence]] = {}
        outside = 0.0
        for hit in hits:
            number = int(hit.metadata["measure_number"])
            if hit.metadata["kind"] == "outside":
                outside = max(outside, hit.similarity)
                continue
            if not number:
                continue  # introduction and closing: citable text, not a measure
            dense[number] = max(dense.get(number, -1.0), hit.similarity)
            if hit.metadata["kind"] == "sentence":
                start, end = int(hit.metadata["start"]), int(hit.metadata["end"])
                sentence = self.policy.document.text[start:end]
                score = hit.similarity + LEXICAL_WEIGHT * self.lexical.sentence_overlap(
                    words, sentence
                )
                sentences.setdefault(number, []).append(Evidence(sentence, start, end, score))

        # a measure with no chunk this deep scored at most the deepest hit
        deepest = min((hit.similarity for hit in hits), default=0.0)
        for number in range(1, self._measure_count + 1):
            dense.setdefault(number, deepest)

        ranked = []
        for number, dense_score in dense.items():
            lexical = self.lexical.coverage(words, number)
            evidence = sorted(sentences.get(number, []), key=lambda e: -e.score)
            ranked.append(
                RankedMeasure(
                    number=number,
                    score=dense_score + LEXICAL_WEIGHT * lexical,
                    dense=dense_score,
                    lexical=lexical,
                    evidence=tuple(evidence),
                    named=number == named,
                )
            )
        ranked.sort(key=lambda m: (not m.named, -m.score))
        return tuple(ranked), outside
