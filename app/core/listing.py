"""Which measures a list holds: for a person ("我是开健身房的"), an audience ("给老年人的措施
有哪几条"), a word ("哪几条提到了游戏") or a keyword alone ("电竞").

A measure serves the audiences of its reviewed tags, else its document's. A listing names
every measure tagged for the audience it names, and every measure holding one of its
rarer words; with neither, the measures scoring close to the best. Among several
documents each contributes a few measures, and a document trailing the leader clearly
contributes none.
"""

import re

from app.core.context import PERSONA, audiences_of, said_of_self, topic_words, without_words
from app.core.question import Question, understand
from app.core.retrieve import Key, LexicalIndex, RankedMeasure, key
from ingest.source import Corpus

# a listing or a keyword's overview: measures this close to the best, at most this many
LIST_GAP = 0.02
LISTED = 6
# who a person says they are, alone: their audience's measures this close to the best
PERSONA_GAP = 0.05
PERSONA_LISTED = 6
# a listing's word found in at most this many measures names them
RARE_WORD_MEASURES = 3
# a listing across documents: a document whose best measure trails the leader's by more
# than this holds nothing worth listing; at most this many measures of each
DOCUMENT_GAP = 0.03
PER_DOCUMENT = 3
FILLER = frozenset("了家小个一间所的开做办搞")
KEYWORD = re.compile(r"^[\w+＋·\- ]{1,12}[？?。.!！]?$")
# a keyword is a topic alone: no one asking, nothing asked
NOT_KEYWORD = re.compile(
    r"我|你|您|想|要|吗|呢|吧|么|怎|什么|如何|能|可以|是|谁|哪|几|多少|啥|咋"
    r"|\b(i|we|you|what|how|who|which|where|when)\b",
    re.I,
)


def introduced(question: Question, corpus: Corpus) -> tuple[str, ...]:
    """The audiences of a message that says who the person is ("我是开健身房的", "我开餐厅的，
    有什么补贴"), asking or not."""
    if not PERSONA.search(question.text):
        return ()
    return audiences_of(said_of_self(question.text), corpus)


def stated_persona(question: Question, corpus: Corpus) -> tuple[str, ...]:
    """The audiences of a message that only says who the person is ("我是开健身房的")."""
    if question.yes_no or re.search(
        r"[？?]|什么|怎么|哪|啥|咋|有没|多少|几|是否|能否|\b(what|how|which|any)\b",
        question.text,
        re.I,
    ):
        return ()
    return introduced(question, corpus)


def is_keyword(question: Question) -> bool:
    """One or two words and nothing else: "电竞", "养老", "night school"."""
    text = question.text
    if not KEYWORD.match(text) or NOT_KEYWORD.search(text):
        return False
    return len(text.split()) <= 2 if question.english else len(text) <= 6


class Lists:
    def __init__(self, corpus: Corpus, lexical: LexicalIndex) -> None:
        self.corpus = corpus
        self.lexical = lexical
        # the measures each audience is tagged on
        self.tagged: dict[str, set[Key]] = {}
        for policy in corpus.documents:
            for measure in policy.document.measures:
                for audience in policy.audiences_of(measure.number):
                    self.tagged.setdefault(audience, set()).add((policy.doc_id, measure.number))
        # an audience's phrase ("older people") is answered by its tags; its words alone are
        # no rarer word of the question ("older" is also in "older brands")
        self.phrases = sorted(
            {k.lower() for a in corpus.audiences for k in a.keywords if " " in k},
            key=len,
            reverse=True,
        )

    def serving(self, audiences: tuple[str, ...]) -> set[Key]:
        """The measures tagged for these audiences."""
        return set().union(*(self.tagged.get(a, set()) for a in audiences))

    def says_more(self, question: Question, audiences: tuple[str, ...]) -> bool:
        """Whether a message says more than who the person is: a need of their own."""
        rest = PERSONA.sub(" ", question.text.lower())
        named = [k.lower() for a in self.corpus.audiences if a.id in audiences for k in a.keywords]
        # and any audience's words inside them: "tourist" of "a foreign tourist" said in part
        every = [k.lower() for a in self.corpus.audiences for k in a.keywords]
        rest = without_words(rest, named + [w for w in every if any(w in n for n in named)])
        # "我开了家小面馆": 了家小 is how it was said, not a need
        return any(set(w) - FILLER for w in topic_words(understand(rest)))

    def for_persona(
        self,
        ranked: tuple[RankedMeasure, ...],
        audiences: tuple[str, ...],
        gap: float = LIST_GAP,
        also: set[Key] | None = None,
    ) -> tuple[RankedMeasure, ...]:
        """The measures tagged for the audiences (and `also` these), best first; those
        within `gap` of the best."""
        tagged = self.serving(audiences) | (also or set())
        serving = [m for m in ranked if key(m) in tagged]
        best = serving[0].score if serving else 0.0
        return self.spread([m for m in serving if best - m.score <= gap])[:PERSONA_LISTED]

    def listed(
        self, question: Question, ranked: tuple[RankedMeasure, ...], shape: str
    ) -> tuple[RankedMeasure, ...]:
        """Every measure that answers a listing or a keyword."""
        audiences = audiences_of(question.text, self.corpus) if shape == "listing" else ()
        tagged = self.serving(audiences)
        # each document's own best measure sets its bar: "哪些政策涉及养老" lists every
        # document that holds the topic, with its measures
        best: dict[str, float] = {}
        for measure in ranked:
            best.setdefault(measure.doc_id, measure.score)
        leader = max(best.values())
        holding = self.holding_rare_words(question)
        chosen: list[RankedMeasure] = []
        for measure in ranked:
            close = best[measure.doc_id] - measure.score <= LIST_GAP
            if leader - best[measure.doc_id] > DOCUMENT_GAP:
                continue
            named = key(measure) in tagged or key(measure) in holding
            if named or (not holding and (measure.lexical >= 0.5 or close)):
                chosen.append(measure)
        return self.spread(chosen)[:LISTED]

    def holding_rare_words(self, question: Question) -> set[Key]:
        """The measures that hold a word of the question found in only a few measures:
        "哪几条提到了游戏" lists each measure that says 游戏, and no other."""
        found: set[Key] = set()
        held: list[str] = []
        # longest first, the whole of a short message too: 市民夜校 names its measure, and
        # its 市民 then names no other
        text = question.text.lower()
        for phrase in self.phrases:
            text = re.sub(rf"\b{re.escape(phrase)}s?\b", " ", text)
        words = self.lexical.words(text)  # 跑马, marathons: the document's 马拉松 too
        whole = re.sub(r"[\W_]+", "", question.text.lower())
        if len(whole) <= 12:
            words.add(whole)
        for word in sorted(words, key=len, reverse=True):
            if len(word) < 2 or any(word in longer for longer in held):
                continue
            having = {at for at in self.lexical.texts if self.lexical.contains(at, word)}
            if having and len(having) <= RARE_WORD_MEASURES:
                found |= having
                held.append(word)
        return found

    def spread(self, measures: list[RankedMeasure]) -> tuple[RankedMeasure, ...]:
        """Among several documents, a few measures of each rather than all of one."""
        if len(self.corpus) == 1:
            return tuple(measures)
        counted: dict[str, int] = {}
        kept = []
        for measure in measures:
            counted[measure.doc_id] = counted.get(measure.doc_id, 0) + 1
            if counted[measure.doc_id] <= PER_DOCUMENT:
                kept.append(measure)
        return tuple(kept)
