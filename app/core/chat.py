"""One turn of a conversation, flowing down once:

    message ─► Question ─► Retrieval ─► Decision ─► Answerer ─► Reply
               question.py  retrieve.py  scope.py    extractive.py | llm.py

The decision also says how the answer is shaped. A question about the answer just given
("这是第几条？", "第二个呢", "展开说说", "用大白话讲讲", "in English please", "还有吗") is
answered from the measures that answer cited, which context.py reads back from the
history. A follow-up that leans on the last topic ("那企业呢？", "对我们小商户有什么用") is
searched together with it, unless it clearly finds a topic of its own. A person who said
who they are ("我是开健身房的") has later vague questions searched with that, and the
measures of their audience nudged up. With a chat model, the model condenses follow-ups
the rules do not resolve.
"""

import dataclasses
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from app.core.context import (
    Context,
    audiences_of,
    document_named,
    has_topic,
    pointed_at,
    read,
    topic_words,
    unnamed,
    without_the_document,
    without_words,
)
from app.core.extractive import Composer
from app.core.listing import (
    LIST_GAP,
    LISTED,
    PERSONA_GAP,
    Lists,
    introduced,
    is_keyword,
    stated_persona,
)
from app.core.llm import Prompts, Writer
from app.core.question import (
    DOCUMENT_WORDS,
    SECTION,
    SUMMARY,
    THE_SECTIONS,
    WHAT_SERVES,
    Question,
    understand,
    without_aspects,
)
from app.core.retrieve import Key, RankedMeasure, Retriever, key, tokens
from app.core.scope import Decision, Gate, decide, topic_alone, uncovered_words
from app.core.turn import Done, Event, Reply, Turn
from ingest.numerals import chinese_to_int
from ingest.source import Corpus

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

# ("另外问下，…" begins a question of its own, unless it says little: then it is short)
FOLLOW_UP = re.compile(
    r"^(那|那么|那如果|还有|并且|而且|它|这|这个|这条|这项|该|此|如果是|要是)"
    r"|(?<!其)它|这条|这项|该条|上面|刚才|呢[？?]?$"
    r"|有什么用|有啥用|什么好处|啥好处|能用吗|用得上|能用上|管用|适用吗|^里面(提到|说|讲|写)"
    r"|对(我|我们|咱们?)[^，。？?]{0,10}(有|能|用)"
    r"|^(and|so|then|what about|how about|does it|is it|it|that|this)\b"
    r"|\b(for (me|us)|does (it|this|that))\b|\b(it|this|that|them)\s*[?.!]*$",
    re.I,
)
# how a list says whom its measures are for: no need of its own
LISTED_FOR = re.compile(
    r"\b(concern(s|ing)?|aim(ed)?|target(s|ed)?|relevant|relat(ed?|es|ing)|serves?|mentions?)\b"
    r"|涉及|针对|面向|有关|相关|关于|提到|适合|用得上|能用",
    re.I,
)
# a message that says it leaves the last topic
NEW_TOPIC = re.compile(
    r"换个(话题|问题)|另一个问题|另外一个问题|\b(by the way|another question|different question)\b",
    re.I,
)
# a follow-up that points back at the measure just cited, not only at its topic
POINTS_BACK = re.compile(r"(?<!其)它|这条|这项|该条|上面|刚才|里面|\b(it|this|that one)\b", re.I)
# a question about the measure just cited, whatever else it names ("上面那条对小健身房有用吗",
# "小区边上的商业街也算吗"); English "it" is too common to say so ("how much does it cost")
ASKS_OF_IT = re.compile(
    r"(?<!其)它|这条|这项|该条|上面|刚才|也算|算不算|也适用|包不包括|(包括|算)在内"
    r"|^里面(提到|说|讲|写)的?|^(你|刚才|上面)?(提到|说到|讲到)的(那|这)(个|些)"
    r"|\b(this|that) (one|measure|rule)\b|\bcounts? as\b",
    re.I,
)
# what the person recalls the last answer saying: "你刚才提到的商标那块", "the fund you mentioned"
MENTIONED = re.compile(r"(提到|说到|讲到|说|写)的|\b(you )?(mentioned|said)\b", re.I)
PRIOR_BONUS = 0.01
PERSONA_BONUS = 0.006
# a follow-up's own best measure must lead the next by this much to change the topic
DECISIVE_GAP = 0.02
# "还有吗": further measures count when they score this close to the best
ANOTHER_GAP = 0.05
# a follow-up with this many words of its own is a question of its own
STANDALONE_WORDS = 3
# where a mixed question turns from one part to another
MIXED = re.compile(r"[？?；;。！!]|另外|还有|顺便问?一?下?|以及|同时|\balso\b|\band\b", re.I)
SECTION_COUNT = re.compile(r"(几|多少)条|哪(几|些)条|which measures|how many measures", re.I)
ASKS = re.compile(
    r"[？?]$|吗|呢|什么|啥|怎么|咋|哪|谁|几|多少|是否|有没有|能不能|可不可以|会不会"
    r"|\b(what|how|which|who|when|where|why|can|could|is|are|do|does)\b",
    re.I,
)


class Answerer(Protocol):
    """Writes the reply to a decided question: core/extractive.py's `Composer`, or
    core/llm.py's `Writer`."""

    def answer(self, decision: Decision) -> Reply: ...

    def stream(self, decision: Decision) -> Iterator[Event] | list[Event]: ...


# a hello that only announces questions to come ("Hi, quick question about the new
# measures", "您好，想咨询一下服务消费的政策"): these words, and the document's title, name nothing
HELLO = re.compile(r"^((hi|hello|hey)\b|你好|您好|嗨|哈喽|早上好|下午好|晚上好)", re.I)
ANNOUNCING = re.compile(
    r"(quick |a few |some |a )?questions?|\bask\b|咨询|请教|了解|问(一?下|问|个?问题)"
    r"|几个|一些|问题|关于|\b(about|new)\b"
    r"|最近|正在|在看|在读|在研究|\b(reading|looking (at|into|through)|going through|studying)\b",
    re.I,
)
# the characters of announcing a question and naming the document: "我想了解一下这份文件"
ANNOUNCING_CHARS = frozenset(
    "我们想要最近正刚了解一下在看读研究咨询请教问题些几个有关新这那份本篇个文件政策措施和与及你您好"
)
# a thanks, and the courtesy around one ("好的谢谢，明白了", "Great, that's all I needed")
# (辛苦 said to us, not 照顾老人太辛苦了)
THANKS = re.compile(
    r"谢谢|感谢|多谢|谢啦|谢了|(?<![太真很好超挺蛮累])辛苦|\bthanks?\b|\bthank you\b|\bcheers\b"
    r"|\b(3q|thx|tks)\b",
    re.I,
)
COURTESY = re.compile(
    r"谢谢|感谢|多谢|谢啦|谢了|好的|明白了?|了解了?|知道了|清楚了|收到|懂了|辛苦(了|啦|哈)?"
    r"|没(有)?(别的|其他|什么)?问题了?"
    r"|\b(thanks?|thank you|cheers|great|perfect|ok(ay)?|cool|got it|helpful|very|so much|a lot"
    r"|3q|thx|tks|that'?s (all|everything|it)|((all|everything) )?i (needed|wanted)( to know)?)\b",
    re.I,
)
# what is given and got, in a question about the document's money: no topic of its own
GIVING = re.compile(r"\b(give|get|offer|provide|receive|pay)s?\b|\bmoney\b", re.I)


def nudge(
    ranked: tuple[RankedMeasure, ...], favoured: set[Key], bonus: float
) -> tuple[RankedMeasure, ...]:
    """The measures reordered with the favoured ones a little higher; the document that
    retrieval put first stays first."""
    if not ranked:
        return ranked
    lead = ranked[0].doc_id
    return tuple(
        sorted(
            ranked,
            key=lambda m: (m.doc_id != lead, -(m.score + (bonus if key(m) in favoured else 0))),
        )
    )


class Chat:
    def __init__(
        self,
        retriever: Retriever,
        corpus: Corpus,
        gate: Gate,
        model: "BaseChatModel | None" = None,
    ) -> None:
        self.retriever = retriever
        self.corpus = corpus
        self.gate = gate
        self.composer = Composer(corpus)
        # with a chat model: answers it writes, follow-ups it condenses
        self.writer = Writer(model, Prompts.load(), self.composer) if model is not None else None
        self.answerer: Answerer = self.writer or self.composer
        self.lists = Lists(corpus, retriever.lexical)
        # "Hi, a question about the consumption measures" names only the document
        self.title_words = {w for p in corpus.documents for w in tokens(f"{p.title} {p.title_en}")}
        self.title_chars = {ch for p in corpus.documents for ch in p.title}
        # among several documents, a chat over each alone: a client may narrow to one
        self.within: dict[str, Chat] = {}
        if len(corpus) > 1:
            for policy in corpus.documents:
                alone = Corpus((policy,))
                self.within[policy.doc_id] = Chat(
                    Retriever(retriever.store, alone), alone, gate, model
                )

    def narrowed(self, document: str | None) -> "Chat":
        """The chat over one document of the corpus (the page's document filter)."""
        return self.within.get(document, self) if document else self

    def reply(
        self,
        message: str,
        history: list[Turn] | None = None,
        persona: tuple[str, ...] | None = None,
        document: str | None = None,
    ) -> Reply:
        document = document or pointed_at(message, history or [], self.corpus)
        if document:
            return self.narrowed(document).reply(message, history, persona)
        question = self.understood(message)
        if self.about_the_document(question):
            return self.composer.about_document(question)
        decision = self.decide(question, history or [], persona)
        reply = self.answerer_for(decision).answer(decision)
        return dataclasses.replace(reply, persona=decision.persona)

    def stream(
        self,
        message: str,
        history: list[Turn] | None = None,
        persona: tuple[str, ...] | None = None,
        document: str | None = None,
    ) -> Iterator[Event]:
        """The events of the reply. Everything but the writing happens before this returns,
        so a failing store is raised here, before the first event."""
        document = document or pointed_at(message, history or [], self.corpus)
        if document:
            return self.narrowed(document).stream(message, history, persona)
        question = self.understood(message)
        if self.about_the_document(question):
            return iter(self.composer.stream_about_document(question))
        decision = self.decide(question, history or [], persona)
        events = self.answerer_for(decision).stream(decision)
        return (
            Done(dataclasses.replace(e.reply, persona=decision.persona), e.replaced)
            if isinstance(e, Done)
            else e
            for e in events
        )

    def understood(self, message: str) -> Question:
        """A message read as question.py reads it, and as a greeting or a closing where it
        names nothing the measures say: the history is read the same way."""
        question = understand(message)
        spelled = self.retriever.lexical.spelled(question.text)
        if spelled != question.text:  # "想报个市民夜笑": 夜校
            question = dataclasses.replace(understand(spelled), raw=question.raw)
        if (
            question.meta == ("summary",)
            and not THE_SECTIONS.search(question.text)
            and self.names_a_topic(SUMMARY.sub(" ", question.text))
        ):
            # "体育这块文件里说了啥" asks what it says on sports, not the whole of it
            question = dataclasses.replace(question, meta=())
        if question.social or question.measure_reference is not None or ASKS.search(message):
            return question
        if question.follow or question.language or question.listing or question.meta:
            return question
        if HELLO.match(question.text) and not self.words_beyond(HELLO.sub(" ", question.text)):
            return dataclasses.replace(question, social="greeting")
        if self.names_only_the_document(question):
            # "我想了解一下服务消费的措施", "I'm reading the measures": the document, whole
            return dataclasses.replace(question, meta=("summary",))
        said = self.retriever.lexical.mentions
        if THANKS.search(question.text) and not any(map(said, self.words_beyond(question.text))):
            # "Great, that's all I needed. Thanks!" names nothing the measures say
            return dataclasses.replace(question, social="closing")
        return question

    def names_a_topic(self, text: str) -> bool:
        """Whether a message names, beside the document, a word some measure says."""
        return any(map(self.retriever.lexical.mentions, self.words_beyond(text)))

    def names_only_the_document(self, question: Question) -> bool:
        """A message that names the document and nothing else: every Chinese character of
        it is the title's or announcing one ("消费券的政策" names 券)."""
        text = question.text
        if not DOCUMENT_WORDS.search(text) or self.words_beyond(text):
            return False
        said = {ch for ch in text if "\u4e00" <= ch <= "\u9fff"}
        return not said - self.title_chars - ANNOUNCING_CHARS

    def words_beyond(self, text: str) -> list[str]:
        """The words of a message beside courtesy, announcing a question, and the
        documents' titles."""
        rest = understand(ANNOUNCING.sub(" ", COURTESY.sub(" ", text)))
        return [w for w in topic_words(rest) if w not in self.title_words]

    def about_the_document(self, question: Question) -> bool:
        """Whether a question asks about the document itself ("什么时候发布的", "这些措施的
        补贴怎么申请") rather than a topic of it: "会展方面的扶持政策能补多少钱" asks the
        amount for 会展, a word the measures say."""
        if not question.meta or question.measure_reference is not None:
            return False
        if question.meta != ("open",):
            return True
        titles = " ".join(p.title for p in self.corpus.documents)
        asked = GIVING.sub(" ", without_aspects(question.text))
        words = topic_words(understand(asked))
        return not any(w not in titles and self.retriever.lexical.mentions(w) for w in words)

    def answerer_for(self, decision: Decision) -> Answerer:
        # a model writes topical answers; lists, lookups and follow-ups are laid out by rule
        return self.answerer if decision.shape in ("answer", "named") else self.composer

    # --- deciding --------------------------------------------------------------------------

    def scope(self, question: Question, named: Key | None = None) -> Decision:
        mentioned = document_named(question.text, self.corpus)
        searched = question
        if mentioned is not None and question.measure_reference is None:
            rest = unnamed(question.text, self.corpus.document(mentioned))
            if has_topic(understand(rest)):
                searched = dataclasses.replace(question, text=rest)
        retrieval = self.retriever.retrieve(searched, named, mentioned)
        retrieval = dataclasses.replace(retrieval, question=question)
        decision = decide(question, retrieval, self.corpus, self.gate)
        alone = topic_alone(decision)
        if alone is None and decision.reason in ("outside", "below_floor"):
            # "这份文件对社会办医有什么说法": the words pointing at the document aside
            rest = without_the_document(searched.text)
            alone = rest if rest != searched.text and has_topic(understand(rest)) else None
        if alone is None:
            return decision
        # declined with an open aspect, a claim or the document's name in it: its topic
        # alone decides
        core = dataclasses.replace(searched, text=alone)
        again = self.retriever.retrieve(core, named, mentioned)
        again = dataclasses.replace(again, question=question)
        on_topic = decide(question, again, self.corpus, self.gate)
        return on_topic if on_topic.in_scope else decision

    def named_in_corpus(self, question: Question, context: Context) -> Decision:
        """ "第十二条" among several documents: the one the question names, else the one under
        discussion, else the default one, with the others that have such a measure offered."""
        number = question.measure_reference
        assert number is not None
        having = [p for p in self.corpus.documents if 1 <= number <= len(p.document.measures)]
        mentioned = document_named(question.text, self.corpus)
        discussed = context.cited[0][0] if context.cited else None
        chosen = mentioned or discussed or self.corpus.default.doc_id
        decision = self.scope(question, (chosen, number))
        if mentioned or discussed or not decision.in_scope:
            return decision
        others = tuple(p.doc_id for p in having if p.doc_id != chosen)
        return dataclasses.replace(decision, alternatives=others)

    def decide(
        self, question: Question, history: list[Turn], persona: tuple[str, ...] | None = None
    ) -> Decision:
        """`persona`: the audiences the client says the person chose (() when they cleared
        it); None reads it from what they said about themselves."""
        places = self.gate.places
        question = dataclasses.replace(
            question, elsewhere=places.elsewhere(question.text), venue=places.venue(question.text)
        )
        context = read(history, self.corpus, self.understood)
        if persona is not None:
            context = dataclasses.replace(context, persona=persona)
        said = stated_persona(question, self.corpus)
        # "我开餐厅的，有什么补贴": asked for them, answered for them, and remembered
        asking_as = () if said else introduced(question, self.corpus)
        if asking_as:
            context = dataclasses.replace(context, persona=asking_as)
        if (
            asking_as
            and not self.lists.says_more(question, asking_as)
            and not uncovered_words(question.text, self.gate.uncovered_words)
        ):
            # "I'm a foreign tourist here, what helps me?": nothing asked but what serves them
            decision = self.for_persona(question, asking_as, gap=PERSONA_GAP)
        else:
            decision = self.decide_in(question, history, context, said)
        if asking_as and self.open_to_persona(decision):
            decision = self.for_persona(question, asking_as)
        elif self.asks_what_serves(question, decision):
            # "开饭店的有什么扶持": what serves the audience it names
            decision = self.for_persona(question, audiences_of(question.text, self.corpus))
        return dataclasses.replace(decision, persona=said or context.persona)

    def open_to_persona(self, decision: Decision) -> bool:
        """Whether a declined question may still get what serves the person: not when it
        names a topic the document leaves open ("我爸的养老金今年能涨多少") or sits clearly
        nearer a question left open ("宠物医院有什么支持" is about pets)."""
        return (
            not decision.in_scope
            and decision.reason in ("outside", "below_floor")
            and not decision.uncovered
            and -decision.lead <= self.gate.margin
        )

    def asks_what_serves(self, question: Question, decision: Decision) -> bool:
        """A declined question that names an audience and asks what there is for it."""
        return (
            self.open_to_persona(decision)
            and bool(WHAT_SERVES.search(question.text))
            and bool(audiences_of(question.text, self.corpus))
        )

    def decide_in(
        self, question: Question, history: list[Turn], context: Context, said: tuple[str, ...]
    ) -> Decision:
        if question.social:
            return self.scope(question)
        if question.measure_reference is not None and len(self.corpus) > 1:
            return self.named_in_corpus(question, context)
        if said:  # "我是开健身房的", "I run a restaurant": the measures for them
            also = self.lists.holding_rare_words(question)  # "开酒店的": the one naming 酒店
            # who they are and nothing more gets all that serves them; with a need beside it
            # ("我家老人需要长期护理"), what serves that need
            gap = LIST_GAP if self.lists.says_more(question, said) else PERSONA_GAP
            return self.for_persona(question, said, gap=gap, also=also)
        section = self.section_named(question)
        if section is not None:  # "第二部分有哪些措施": that section's measures, all of them
            return self.section_listing(question, section)
        named = audiences_of(question.text, self.corpus) if question.listing else ()
        if named:  # "给老年人的措施有哪几条": the audience's tags answer it
            # with the measures that hold its rarer words: "做手游的，哪几条提到了游戏"; with a
            # need beside who ("有没有适合老人的旅游项目"), those close to the best for it
            asked = dataclasses.replace(question, text=LISTED_FOR.sub(" ", question.text))
            gap = LIST_GAP if self.lists.says_more(asked, named) else 1.0
            also = self.lists.holding_rare_words(question)
            listed = self.for_persona(question, named, gap=gap, also=also)
            cite = self.titled_first(listed.cite, question)[:LISTED]
            return dataclasses.replace(listed, shape="listing", cite=cite)
        # "第九条用大白话讲讲" names its measure: not the one just given
        if (
            context.topic is not None
            and question.measure_reference is None
            and self.points_at_last(question)
        ):
            return self.about_last(question, context)
        if question.follow == "another" and context.topic is not None:
            return self.another(question, context)
        if self.writer is not None and context.topic is not None:
            standalone = self.writer.condense(question.text, history)
            if standalone is not None:
                question = dataclasses.replace(understand(standalone), language=question.language)
        decision = self.covered_part(self.in_context(question, context))
        if decision.in_scope and decision.shape == "answer":
            if question.listing:
                return self.listed(decision, "listing")
            if is_keyword(question) and decision.reason == "evidence":
                return self.listed(decision, "overview")
        if decision.in_scope and question.follow == "plain" and decision.shape == "named":
            return dataclasses.replace(decision, shape="plain")
        return decision

    def titled_first(
        self, cite: tuple[RankedMeasure, ...], asked: Question
    ) -> tuple[RankedMeasure, ...]:
        """A list's measures whose heading names what is listed first: "哪几条讲体育" leads
        with 激发体育服务消费市场活力 however near the others score."""
        words = topic_words(asked)

        def titled(m: RankedMeasure) -> bool:
            title = self.corpus.document(m.doc_id).measure(m.number).title
            return any(w in title for w in words)

        return tuple(sorted(cite, key=lambda m: not titled(m)))

    def section_named(self, question: Question) -> tuple[str, int] | None:
        """The section a question asks the measures of, by number ("第二部分有哪几条") or by
        its heading: (doc_id, section number)."""
        if not (question.listing or SECTION_COUNT.search(question.text)):
            return None
        policy = self.corpus.default
        found = SECTION.search(question.text)
        if found:
            number = chinese_to_int(found.group(1) or found.group(2))
            return (policy.doc_id, number) if 1 <= number <= len(policy.document.sections) else None
        for section in policy.document.sections:
            if len(section.title) >= 4 and section.title in question.text:
                return policy.doc_id, section.number
        return None

    def section_listing(self, question: Question, section: tuple[str, int]) -> Decision:
        doc_id, number = section
        decision = self.scope(question)
        measures = self.corpus.document(doc_id).document.measures
        inside = {(doc_id, m.number) for m in measures if m.section and m.section.number == number}
        ranked = tuple(m for m in decision.ranked if key(m) in inside)
        return dataclasses.replace(
            decision,
            in_scope=bool(ranked),
            reason="section",
            cite=ranked,
            shape="listing",
            english=question.answer_in_english,
        )

    def points_at_last(self, question: Question) -> bool:
        """A question about the answer just given: "第几条？", and also "第几条？我截图发给
        合伙人看看" or "用英文说一下，我要转给外国同事", whose other clauses ask nothing the
        document answers."""
        if not (question.follow or question.language):
            return False
        if not has_topic(question):
            return True
        clauses = {
            c: understand(c) for c in re.findall(r"[^，,。.！!？?；;\s]+[？?]?", question.text)
        }
        asking = [q for q in clauses.values() if q.follow or q.language]
        if not asking or any(has_topic(q) for q in asking):
            return False
        # the other clauses say why ("我要发给外国朋友"), unless one asks something itself
        rest = [q for c, q in clauses.items() if q not in asking and ASKS.search(c)]
        return not any(self.scope(q).in_scope for q in rest)

    def in_context(self, question: Question, context: Context) -> Decision:
        if NEW_TOPIC.search(question.text):  # "换个话题，电竞方面呢？" leaves the last one
            return self.nudged(self.scope(question), context)
        vague = not has_topic(question)
        if vague and context.persona and question.measure_reference is None:
            # "有啥政策能用上" after "我是开健身房的", or with an audience the person picked
            return self.for_persona(question, context.persona, context.persona_text)
        own = self.nudged(self.scope(question), context)
        if context.topic is None or question.measure_reference is not None:
            return own
        short = len(tokens(question.text)) <= 1  # "企业呢"
        # it is about something the document leaves open when it is nearer a question the
        # document does not answer, or resembles one clearly ("那我去办消费贷，哪家银行…");
        # otherwise a message the document does not answer alone, for want of evidence, may
        # lean on the topic: "年轻人也能去吗"
        standalone = len(topic_words(question)) >= STANDALONE_WORDS
        # a short one ("年轻人也能去吗") must be clearly nearer: it says too little to tell
        nearer_open = -own.lead > (0.0 if standalone else self.gate.margin)
        resembles_open = own.reason == "outside" and own.against >= self.gate.floor
        # a claim about what was just said ("那就是说一周内保证批下来？") or a question about
        # the measure just cited ("上面那条对小健身房有用吗") is about that topic, unless it
        # names one the document leaves open or is clearly nearer one
        points_back = bool(POINTS_BACK.search(question.text))
        of_it = bool(ASKS_OF_IT.search(question.text))
        if of_it:  # only when clearly nearer ("那宠物医院也算吗")
            nearer_open = -own.lead > self.gate.margin
        resembles_open = resembles_open and not of_it
        leaves_open = bool(own.uncovered) or (
            not question.confirming and (nearer_open or (standalone and resembles_open))
        )
        leaning = not own.in_scope and not leaves_open
        if not (vague or short or leaning or FOLLOW_UP.search(question.text)):
            return own
        if not own.in_scope and (own.uncovered or (leaves_open and not vague)):
            return own  # "那买车有补贴吗？" changes the subject to one the document leaves open
        if not points_back and not vague and self.switches_topic(own):
            return own  # "那餐饮呢？" after a question on eldercare asks about dining
        combined = self.nudged(self.scope(question.after(context.topic)), context)
        prior = list(context.cited)
        if points_back and prior:
            meant = self.meant(own, prior, bool(MENTIONED.search(question.text)))
            ranked = sorted(combined.ranked, key=lambda m: (key(m) != meant, -m.score))
        elif alone := self.audiences_alone(question):
            # "那老年人呢？": the same topic, for them: what serves them leads
            serving = self.lists.serving(alone)
            best = combined.ranked[0].score if combined.ranked else 0.0
            ranked = sorted(
                combined.ranked,
                key=lambda m: (not (key(m) in serving and best - m.score <= PERSONA_GAP), -m.score),
            )
        else:  # "那企业呢？": the same topic, so the measures just cited get a nudge
            ranked = list(nudge(combined.ranked, set(prior), PRIOR_BONUS))
        in_scope = combined.in_scope or bool(prior)
        return dataclasses.replace(
            combined,
            question=question,
            in_scope=in_scope,
            reason="follow_up" if in_scope else combined.reason,
            ranked=tuple(ranked),
            cite=tuple(ranked[:1]) if in_scope else (),
            shape="answer" if in_scope else "none",
            english=question.answer_in_english,
        )

    def switches_topic(self, own: Decision) -> bool:
        """A follow-up that alone finds one measure clearly, on words of its own: a word, not
        a lone character ("那对办比赛的公司呢" says 办, as many measures do)."""
        if not own.in_scope or len(own.ranked) < 2:
            return False
        best, runner_up = own.ranked[0], own.ranked[1]
        says = any(self.retriever.lexical.contains(key(best), w) for w in topic_words(own.question))
        return says and best.score - runner_up.score >= DECISIVE_GAP

    def audiences_alone(self, question: Question) -> tuple[str, ...]:
        """The audiences of a message that names who and nothing else of its own ("那老年人
        呢？有专门的吗"); () for any other."""
        every = [k.lower() for a in self.corpus.audiences for k in a.keywords]
        rest = without_words(question.text.lower(), every)
        if topic_words(understand(re.sub(r"专门|特别|适合", " ", rest))):
            return ()
        return audiences_of(question.text, self.corpus)

    def pointed(self, question: Question, prior: list[RankedMeasure]) -> RankedMeasure:
        """Of the measures just cited, the one "上面那个老年学习的，展开讲讲" names words of:
        the one that says most of them, else the first."""
        lexical = self.retriever.lexical
        weights = lexical.weights(set(topic_words(question)))
        said = [lexical.coverage(weights, key(m)) for m in prior]
        best = max(range(len(prior)), key=lambda i: said[i])
        return prior[best] if said[best] > 0 else prior[0]

    @staticmethod
    def meant(own: Decision, prior: list[Key], mentioned: bool = False) -> Key:
        """Of the measures just cited, the one "上面那条里说的通票" points at: the one that
        says most of its words, else the first. What the person recalls as said ("刚才提到的
        商标那块") and none of them says is the measure that does say it, when one is found."""
        said = {key(m): m.lexical for m in own.ranked if key(m) in prior and m.lexical > 0}
        if said:
            return max(prior, key=lambda at: said.get(at, 0.0))
        best = own.ranked[0] if own.ranked else None
        if mentioned and own.in_scope and best is not None and best.lexical > 0:
            return key(best)
        return prior[0]

    def for_persona(
        self,
        question: Question,
        audiences: tuple[str, ...],
        said: str = "",
        gap: float = LIST_GAP,
        also: set[Key] | None = None,
    ) -> Decision:
        """The measures tagged for the person's audiences (and `also` these), best first
        for what they said; those within `gap` of the best."""
        searched = question.after(understand(said)) if said else question
        decision = self.scope(searched)
        ranked = decision.ranked
        named = decision.retrieval.document if decision.retrieval else None
        if named:  # "计划里对总部企业有什么举措": that document's measures only
            ranked = tuple(m for m in ranked if m.doc_id == named)
        chosen = self.lists.for_persona(ranked, audiences, gap, also)
        if not chosen:
            return dataclasses.replace(decision, question=question)
        return dataclasses.replace(
            decision,
            question=question,
            in_scope=True,
            reason="persona",
            cite=chosen,
            shape="persona",
            english=question.answer_in_english,
        )

    def covered_part(self, decision: Decision) -> Decision:
        """A mixed question ("想做智能化改造，另外员工社保能不能减免？"): the part the document
        covers is answered, searched alone so the other part does not pull the ranking
        aside, and the answer names the rest as left open."""
        if not decision.uncovered or (decision.in_scope and decision.reason != "evidence"):
            return decision
        # all of it is about that place, that venue, or what the measure excludes
        if decision.reason in ("elsewhere", "specific", "denied"):
            return decision
        question = decision.question
        parts = [p.strip(" ，,、") for p in MIXED.split(question.text)]
        kept = [p for p in parts if p and not any(w in p.lower() for w in decision.uncovered)]
        if not kept or len(kept) == len([p for p in parts if p]):
            return decision
        if not has_topic(understand(without_aspects("，".join(kept)))):
            return decision  # "and how long does it take?" asks only of the part left open
        covered = self.scope(
            dataclasses.replace(understand("，".join(kept)), language=question.language)
        )
        # the rest must name something its measure says: "插混的还行不行" alone names nothing
        if not covered.in_scope or not covered.ranked or covered.ranked[0].lexical == 0:
            return decision
        # the word left open may be part of the need ("有人能陪老人去医院挂号、排队吗" asks for
        # 陪诊): the whole question, in scope, keeps its ranking when its evidence is at least
        # as strong as the rest's alone
        if decision.in_scope and decision.support >= covered.support:
            return decision
        return dataclasses.replace(covered, uncovered=decision.uncovered, english=decision.english)

    def nudged(self, decision: Decision, context: Context) -> Decision:
        """The measures serving the person's audience, a little higher."""
        if not context.persona or not decision.in_scope or decision.shape != "answer":
            return decision
        ranked = nudge(decision.ranked, self.lists.serving(context.persona), PERSONA_BONUS)
        cite = ranked[: len(decision.cite) or 1]
        return dataclasses.replace(decision, ranked=ranked, cite=cite)

    def about_last(self, question: Question, context: Context) -> Decision:
        """ "这是第几条？", "第二个呢", "展开说说", "用大白话讲讲", "in English please"."""
        assert context.topic is not None
        english = question.answer_in_english if question.language or question.english else False
        if question.language and not question.follow:
            # the same answer in the other language: decide the topic again, in that language
            again = dataclasses.replace(context.topic, language=question.language)
            decision = self.decide(again, [])
            # the same measures as the answer given, however the topic ranks in that language
            ranked = {key(m): m for m in decision.ranked}
            given = tuple(ranked[at] for at in context.cited if at in ranked)
            if decision.in_scope and given and set(context.cited) != set(map(key, decision.cite)):
                one = len(given) == 1 and decision.shape != "named"
                shape = "answer" if one else decision.shape
                decision = dataclasses.replace(decision, cite=given, shape=shape)
            return dataclasses.replace(decision, english=question.language == "en")
        if question.follow == "another":
            return self.another(question, context)
        topic = self.scope(context.topic)
        by_key = {key(m): m for m in topic.ranked}
        prior = [by_key[at] for at in context.cited if at in by_key]
        if not prior:
            return dataclasses.replace(
                topic,
                question=question,
                in_scope=False,
                reason="no_previous",
                shape="none",
                english=english,
            )
        if question.follow == "step" or (
            # "第一条" then "第二个呢": a lookup's neighbour, not an item of a list of one
            question.follow == "pick"
            and len(prior) == 1
            and context.topic.measure_reference is not None
            and (question.pick or 1) > 1
        ):
            doc_id, number = key(prior[0])
            target = number + (question.pick or 1) if question.follow == "step" else question.pick
            assert target is not None
            if 1 <= target <= len(self.corpus.document(doc_id).document.measures):
                lookup = dataclasses.replace(question, measure_reference=target)
                return dataclasses.replace(
                    self.scope(lookup, (doc_id, target)), question=question, english=english
                )
        if question.follow == "which":
            shape, cite = "which", prior
        elif question.follow == "pick" and (question.pick or 1) > len(prior):
            shape, cite = "beyond", prior  # "第三个" of two: say how many there were
        elif question.follow == "pick":
            position = question.pick if question.pick is not None else 1
            index = len(prior) // 2 if position == 0 else position - 1 if position > 0 else -1
            cite, shape = [prior[max(-len(prior), min(index, len(prior) - 1))]], "named"
        else:
            # "下一条" past the last measure: the one just given, whole; "展开说说" of a list:
            # the item it names words of, else the first
            shape = "named" if question.follow == "step" else question.follow or "answer"
            cite = [self.pointed(question, prior)]
        return dataclasses.replace(
            topic,
            question=question,
            in_scope=True,
            reason="follow_up",
            cite=tuple(cite),
            shape=shape,
            english=english,
            previous_answer=context.answered,
        )

    def another(self, question: Question, context: Context) -> Decision:
        """ "还有吗": the next measures on the topic that the last answer did not cite."""
        assert context.topic is not None
        searched = question.after(context.topic) if has_topic(question) else context.topic
        base = self.scope(searched)
        english = question.answer_in_english
        prior = set(context.cited)
        best = base.ranked[0].score if base.ranked else 0.0
        # the topic was answered already: its scope is not in question, only what else holds it
        close = [m for m in base.ranked if key(m) not in prior and best - m.score <= ANOTHER_GAP]
        # the next best, and beside it those that also say some of the words asked; after a
        # list of the several measures that say a word, only others that say it ("跟体育有关
        # 的是第几条" then "还有别的吗" leads to no health measure)
        topic = context.topic
        worded = topic.listing and len(self.lists.holding_rare_words(topic) & prior) >= 2
        first = [] if worded else close[:1]
        further = tuple(first + [m for m in close if m.lexical > 0 and m not in first])[:3]
        tagged = self.lists.serving(audiences_of(question.text, self.corpus))
        # "还有别的吗？跟老人有关的都说说": the others that serve them, all of them
        serving = tuple(m for m in base.ranked if key(m) in tagged and key(m) not in prior)
        further = serving[:LISTED] or further
        if not further:
            # none as close, but the topic named whom it is for ("退休老人能上市民夜校吗"):
            # the others that serve them
            others = self.lists.serving(audiences_of(context.topic.text, self.corpus)) - prior
            further = tuple(m for m in base.ranked if key(m) in others)[:LISTED]
        answered = dataclasses.replace(
            base, question=question, english=english, reason="follow_up", in_scope=True
        )
        if not further:
            done = tuple(m for m in base.ranked if key(m) in prior)
            return dataclasses.replace(answered, shape="none_left", cite=done)
        return dataclasses.replace(answered, shape="another", cite=further)

    def listed(self, decision: Decision, shape: str) -> Decision:
        """Every measure that answers a listing ("给老年人的有哪几条") or a keyword ("电竞")."""
        cite = self.lists.listed(decision.question, decision.ranked, shape)
        return dataclasses.replace(decision, cite=cite, shape=shape)
