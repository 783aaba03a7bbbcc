"""Question → every measure ranked by relevance, each with its score and evidence sentences.

Dense search over every chunk in the store, aggregated per measure (its best chunk: its
text, a sentence, its English rendering, or a reviewed question it answers), plus a small
lexical bonus: the share of the question's rare words (IDF-weighted jieba
tokens) that the measure contains. The dense signal carries the meaning; the lexical one
breaks near-ties on exact terms ("独资医院", "票根") that a 4-bit small model blurs. The
question's everyday words count as the document's own (牌子 as 品牌, 展会 as 会展): a
reviewed table, ingest/data/synonyms.json. A word mistyped by the input method that
sounds as one of the documents' words is read as that word (`LexicalIndex.spelled`).
A measure the question names (第十二条) goes first, whatever the scores say.

Whether the best of them is good enough to answer from is not decided here: see scope.py.
"""

import json
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path

from app.core.question import Question, understand
from ingest.source import Corpus
from vectorstore.store import Store

LEXICAL_WEIGHT = 0.08
# what may stand in the gap of a synonym said with one ("陪…看病"): a few characters of one
# clause
GAP = r"[^，,。.？?！!；;]{0,4}?"
DEFAULT_GAP = 0.02
# chunks looked at per question: enough that every measure in the running has its best
# ones, and the nearest counter-examples are among them
SEARCH_DEPTH = 320
# words that say nothing about which measure: question scaffolding, the document's own topic,
# putting a policy into effect (落实, 实施), the periods a fee is asked per (一学期), and
# who asks, in English (a foreign patient, living or working here)
STOPWORDS = frozenset(
    (
        "的 了 吗 呢 吧 啊 呀 嘛 么 有 有没有 没有 什么 哪些 哪个 哪条 怎么 怎样 "
        "如何 是 是不是 在 我 我们 你 你们 他 她 它 能 能不能 会 会不会 可以 "
        "可不可以 要 想 需要 和 与 及 或 等 这 那 这个 那个 个 一 的话 上海 上海市 "
        "政策 措施 规定 文件 支持 相关 关于 方面 哪 谁 给 对 吗 还 也 都 就 请问 "
        "请 一下 知道 告诉 问 问问 讲 说 条 第 内容 现在 目前 今年 市里 政府 大概 大约 那一 这一 "
        "落实 实施 执行 实行 推行 生效 兑现 出台 到位 学期 课时 "
        "a an the is am are was were be been do does did will would can could should there this "
        "that these those it its of in on at to for from by with and or not no any some more "
        "most what which who whom how when where why i we you my our your me us they them "
        "their shanghai policy policies measure measures support supported government city "
        "plan plans have has had get got about into than so if as up out new "
        "take takes make makes much many long people person use used using still also just "
        "really anything something implement implemented implementation effect live lives living "
        "work works working foreign foreigner foreigners local here ok okay"
    ).split()
)


SYNONYMS_FILE = Path(__file__).resolve().parents[2] / "ingest" / "data" / "synonyms.json"

Key = tuple[str, int]  # a measure across the corpus: (doc_id, number)
ANY_DOCUMENT = "*"  # Retrieval.outside's key for counter-examples no document answers


@dataclass(frozen=True)
class Evidence:
    text: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class RankedMeasure:
    doc_id: str
    number: int
    score: float
    dense: float
    lexical: float
    evidence: tuple[Evidence, ...]
    named: bool = False  # the question named this measure (第十二条)
    own: float = 0.0  # the dense similarity of the measure's own text (no example questions)
    # the score without paraphrases: the evidence that decides scope (core/scope.py)
    support: float = 0.0
    # words the question says that the measure names only as excluded: 学科类 where it
    # says 非学科类
    denied: tuple[str, ...] = ()


def key(measure: RankedMeasure) -> Key:
    return (measure.doc_id, measure.number)


@dataclass(frozen=True)
class Retrieval:
    question: Question
    ranked: tuple[RankedMeasure, ...]  # every measure, best first
    # per document: the similarity of its nearest counter-example (a question not covered);
    # under ANY_DOCUMENT, the nearest question no document answers
    outside: dict[str, float] = field(default_factory=dict)
    document: str | None = None  # the document the question names
    elapsed_ms: float = field(default=0.0, compare=False)


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=8192)
def _char_sound(char: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(char, style=Style.TONE3, neutral_tone_with_five=True)[0]


def _sound(word: str) -> str:
    """A word's sound, character by character in each one's first reading, tones and all."""
    return " ".join(map(_char_sound, word))


def tokens(text: str) -> set[str]:
    words = _jieba().lcut_for_search(text.lower())
    # a lone Latin letter ("s" of "what's") is no word
    return {
        w
        for w in words
        if w.strip() and w not in STOPWORDS and re.search(r"\w", w) and not re.fullmatch("[a-z]", w)
    }


NEGATIONS = ("非", "不", "不是", "不属于", "并非", "不算")


def says(text: str, word: str) -> bool:
    """Whether a text says a word, not only its negation: 非学科类 does not say 学科类."""
    return any(
        not text[: m.start()].endswith(NEGATIONS) for m in re.finditer(re.escape(word), text)
    )


def _as_said(word: str, text: str, asked: str) -> str:
    """The word as long as both say it: 学科类 for 学科 when both go on with 类."""
    negated = f"非{word}"
    after, following = (
        text[text.index(negated) + len(negated) :],
        asked[asked.index(word) + len(word) :],
    )
    shared = 0
    while shared < min(len(after), len(following)) and after[shared] == following[shared]:
        shared += 1
    return word + after[:shared]


def load_synonyms(path: Path = SYNONYMS_FILE) -> dict[str, str]:
    """Everyday word → the document's term: {"品牌": ["牌子", "brand"]} as {"牌子": "品牌", …}."""
    table = json.loads(path.read_text(encoding="utf-8"))
    return {said.lower(): term for term, words in table.items() for said in words}


class LexicalIndex:
    def __init__(self, corpus: Corpus) -> None:
        table = load_synonyms()
        # a phrase with a gap ("陪…看病") is said with a few words between: 陪我妈去看病
        self.gapped = [
            (re.compile(GAP.join(map(re.escape, said.split("…")))), term)
            for said, term in table.items()
            if "…" in said
        ]
        self.synonyms = {said: term for said, term in table.items() if "…" not in said}
        # the longest first; a Latin word whole, plural too ("museums")
        said = sorted(self.synonyms, key=len, reverse=True)
        chinese = "|".join(re.escape(w) for w in said if not w.isascii()) or "(?!)"
        latin = "|".join(re.escape(w) for w in said if w.isascii()) or "(?!)"
        self._everyday = re.compile(
            rf"(?P<zh>{chinese})|(?<![a-z])(?P<en>{latin})(?:e?s)?(?![a-z])"
        )
        # a measure's words are its Chinese text's and its English rendering's
        self.texts: dict[Key, str] = {}
        for policy in corpus.documents:
            for m in policy.document.measures:
                notes = policy.notes.get(m.number)
                english = notes.text_en if notes else ""
                self.texts[(policy.doc_id, m.number)] = f"{m.text} {english}".lower()
        self.vocab = {key: tokens(text) for key, text in self.texts.items()}
        counts: dict[str, int] = {}
        for words in self.vocab.values():
            for word in words:
                counts[word] = counts.get(word, 0) + 1
        total = len(self.texts)
        self._idf = {w: math.log(1 + total / (1 + c)) for w, c in counts.items()}
        self._unseen_idf = math.log(1 + total)

    def as_written(self, text: str) -> str:
        """A question in the document's words, for matching words only: 开连锁店想把牌子做起来
        → 开连锁店想把品牌做起来."""
        text = text.lower()
        for phrase, term in self.gapped:
            text = phrase.sub(term, text)
        return self._everyday.sub(lambda m: self.synonyms[m.group("zh") or m.group("en")], text)

    @cached_property
    def sounds(self) -> dict[str, set[str]]:
        """The documents' Chinese words of two to four characters, by their pinyin with tones."""
        found: dict[str, set[str]] = {}
        for text in self.texts.values():
            for word in _jieba().lcut_for_search(text):
                if 2 <= len(word) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", word):
                    found.setdefault(_sound(word), set()).add(word)
        return found

    def spelled(self, text: str) -> str:
        """A question with the input method's slips put right where the documents say the
        word meant: 市民夜笑 → 市民夜校, 商彪 → 商标. A slip is a stretch of whole segments
        that no dictionary knows, sounding as one of the documents' words, tones and all
        (面签 is not 免签), and sharing a character with it in place."""
        jieba = _jieba()
        fixed = text
        for run in re.finditer(r"[\u4e00-\u9fff]{2,}", text):
            said = run.group(0)
            bounds = [0]
            for segment in jieba.lcut(said):
                bounds.append(bounds[-1] + len(segment))
            for i, start in enumerate(bounds):
                for end in bounds[i + 1 :]:
                    slip = said[start:end]
                    if len(slip) > 4:
                        break
                    if len(slip) < 2 or jieba.dt.FREQ.get(slip):
                        continue
                    for word in sorted(self.sounds.get(_sound(slip), ())):
                        if word != slip and any(a == b for a, b in zip(slip, word, strict=True)):
                            fixed = fixed.replace(slip, word)
                            break
        return fixed

    def words(self, text: str) -> set[str]:
        """A question's words, the document's for its everyday ones; an everyday word stays
        too where a measure says it (another document may say 博物馆 where this one says
        文博场馆): else it would only thin the share of the others."""
        written = {self.singular(w) for w in tokens(self.as_written(text))}
        return written | {w for w in tokens(text) - written if self.mentions(w)}

    def singular(self, word: str) -> str:
        """An English plural as the measures say it: marathons → marathon, galleries →
        gallery; any other word as it is."""
        plural = word.isascii() and len(word) > 3 and re.search(r"[^su]s$", word)
        if not plural or self.mentions(word):
            return word
        stems = [word[:-3] + "y"] if word.endswith("ies") else []
        stems += [word[:-2]] if word.endswith("es") else []
        return next((stem for stem in [*stems, word[:-1]] if self.mentions(stem)), word)

    def idf(self, word: str) -> float:
        return self._idf.get(word, self._unseen_idf)

    def contains(self, key: Key, word: str) -> bool:
        if len(word) >= 2:
            return says(self.texts[key], word)
        return word in self.vocab[key]

    def mentions(self, word: str) -> bool:
        """Whether any measure says the word."""
        return any(self.contains(key, word) for key in self.texts)

    def weights(self, words: set[str]) -> dict[str, float]:
        """Each word's share of the words' IDF mass: computed once a question."""
        idf = {w: self.idf(w) for w in words}
        total = sum(idf.values())
        return {w: value / total for w, value in idf.items()} if total else {}

    def denied(self, question: str, words: Iterable[str], key: Key) -> tuple[str, ...]:
        """The words a question says that the measure says only negated."""
        text, asked = self.texts[key], question.lower()
        found = [
            w
            for w in sorted(words, key=len, reverse=True)
            if len(w) >= 2
            and f"非{w}" in text  # a category's complement; 不 forbids, it does not exclude
            and not says(text, w)
            and says(asked, w)
        ]
        return tuple(_as_said(w, text, asked) for w in found)

    def coverage(self, weights: dict[str, float], key: Key) -> float:
        """Share of the words' IDF mass that the measure contains."""
        return sum(share for w, share in weights.items() if self.contains(key, w))

    def sentence_overlap(self, weights: dict[str, float], sentence: str) -> float:
        lowered = sentence.lower()
        return sum(share for w, share in weights.items() if len(w) >= 2 and w in lowered)


class Retriever:
    def __init__(self, store: Store, corpus: Corpus, cache_size: int = 1024) -> None:
        self.store = store
        self.corpus = corpus
        self.lexical = LexicalIndex(corpus)
        self._keys = tuple(self.lexical.texts)
        # the store may hold more documents than this corpus: a view of one searches its own
        self._documents = frozenset(p.doc_id for p in corpus.documents)
        # functools' cache is thread-safe: concurrent requests never corrupt it
        self._ranked = lru_cache(maxsize=cache_size)(self._rank)

    def warm_up(self) -> None:
        self.retrieve(understand("预热"))
        # the documents' sounds are built now, not on the first question with a slip
        _ = self.lexical.sounds

    def retrieve(
        self, question: Question, named: Key | None = None, document: str | None = None
    ) -> Retrieval:
        """`named`: the measure the question names, once its document is known; `document`:
        the document it names, whose measures lead."""
        started = time.perf_counter()
        if named is None and question.measure_reference is not None and len(self.corpus) == 1:
            named = (self.corpus.default.doc_id, question.measure_reference)
        # keyed by the collection too: a rebuilt store is never answered from the old one
        collection = self.store.snapshot().name
        ranked, outside = self._ranked(question.text, named, document, collection)
        elapsed = (time.perf_counter() - started) * 1000
        return Retrieval(question, ranked, outside, document, elapsed)

    def _rank(
        self, text: str, named: Key | None, document: str | None, collection: str
    ) -> tuple[tuple[RankedMeasure, ...], dict[str, float]]:
        vector = self.store.embedder.embed_query(text)
        hits = self.store.search(vector, SEARCH_DEPTH, self._documents)
        weights = self.lexical.weights(self.lexical.words(text))

        dense: dict[Key, float] = {}
        supported: dict[Key, float] = {}  # without paraphrases
        own: dict[Key, float] = {}  # without any questions: the text alone
        sentences: dict[Key, list[Evidence]] = {}
        outside: dict[str, float] = {}
        for hit in hits:
            doc_id = str(hit.metadata["doc_id"])
            if hit.metadata["kind"] in ("outside", "off_topic"):
                # off-topic questions count against every document
                at = doc_id if hit.metadata["kind"] == "outside" else ANY_DOCUMENT
                outside[at] = max(outside.get(at, 0.0), hit.similarity)
                continue
            key = (doc_id, int(hit.metadata["measure_number"]))
            if not key[1] or key not in self.lexical.texts:
                continue  # introduction and closing: citable text, not a measure
            dense[key] = max(dense.get(key, -1.0), hit.similarity)
            if hit.metadata["kind"] != "paraphrase":
                supported[key] = max(supported.get(key, -1.0), hit.similarity)
            if hit.metadata["kind"] not in ("example", "paraphrase"):
                own[key] = max(own.get(key, -1.0), hit.similarity)
            if hit.metadata["kind"] in ("sentence", "paraphrase"):  # a question on a sentence
                start, end = int(hit.metadata["start"]), int(hit.metadata["end"])
                sentence = self.corpus.document(doc_id).document.text[start:end]
                score = hit.similarity + LEXICAL_WEIGHT * self.lexical.sentence_overlap(
                    weights, sentence
                )
                sentences.setdefault(key, []).append(Evidence(sentence, start, end, score))

        # a measure with no chunk this deep scored at most the deepest hit
        deepest = min((hit.similarity for hit in hits), default=0.0)
        for key in self._keys:
            dense.setdefault(key, deepest)

        ranked = []
        for key, dense_score in dense.items():
            lexical = self.lexical.coverage(weights, key)
            # a sentence once, at its best: itself, or a paraphrase asking about it
            kept: dict[int, Evidence] = {}
            for found in sentences.get(key, []):
                if found.start not in kept or found.score > kept[found.start].score:
                    kept[found.start] = found
            evidence = sorted(kept.values(), key=lambda e: -e.score)
            ranked.append(
                RankedMeasure(
                    doc_id=key[0],
                    number=key[1],
                    score=dense_score + LEXICAL_WEIGHT * lexical,
                    dense=dense_score,
                    lexical=lexical,
                    evidence=tuple(evidence),
                    named=key == named,
                    own=own.get(key, deepest) + LEXICAL_WEIGHT * lexical,
                    support=supported.get(key, deepest) + LEXICAL_WEIGHT * lexical,
                    denied=self.lexical.denied(text, weights, key),
                )
            )
        if len(self.corpus) > 1:
            # documents compare on their own text: only some carry example questions. The
            # best document's measures lead, ranked by their full score
            leader = max(ranked, key=lambda m: m.own)
            default = self.corpus.default.doc_id
            home = max((m.own for m in ranked if m.doc_id == default), default=0.0)
            # the service's own document keeps a question it answers almost as well
            best = default if leader.own - home <= DEFAULT_GAP else leader.doc_id
            best = document or best
            ranked.sort(key=lambda m: (not m.named, m.doc_id != best, -m.score))
        else:
            ranked.sort(key=lambda m: (not m.named, -m.score))
        return tuple(ranked), outside
