"""Extractive answers: the document's own sentences, framed to answer what was asked.

The frame comes from prompts/answer.{zh,en}.toml; everything else is quoted, so an
extractive answer cannot state an amount, a date or a promise the text does not hold.
It leads with what the text says on the point asked, or that it says nothing on it (an
amount, a fee, a date, how to apply, who is eligible), corrects a claim the question
makes without repeating it, then quotes the two or three sentences that matter most.
English answers quote the reviewed English renderings, sentence for sentence; the
citation keeps the Chinese original.
"""

import re
from collections.abc import Sequence

from app.core.grounding import claimed_in_question
from app.core.question import CONFIRMING_WORDS, Question
from app.core.retrieve import Key, RankedMeasure, key, load_synonyms, says, tokens
from app.core.scope import Decision
from app.core.turn import Answer, Citation, Event, Reply, replay
from app.core.wording import wording
from ingest.numerals import int_to_chinese
from ingest.parse import Measure
from ingest.source import Corpus, Policy

# a third evidence sentence is quoted when it scores this close to the first
QUOTE_GAP = 0.03
# a suggested further measure scores at least this close to the one answered
NEARBY_GAP = 0.03
# the share of a question's rarer words a measure must say for a yes-or-no to be a yes
SAYS_IT = 0.75
QUOTED = 3
ASPECT_ORDER = ("amount", "fee", "time", "apply", "where", "rule", "eligibility")
# the words of a claim the question makes, other than scaffolding, must be in the text
CLAIM_SCAFFOLD = re.compile(
    rf"{CONFIRMING_WORDS}|是不是|以后|今后|将来|已经|马上|应该|肯定|可能|会(?=[办有推搞开出建])|"
    r"第[（(]?[一二三四五六七八九十\d]+[)）]?条|措施|文件|政策|规定|里|说|写|提到|"
    r"\b(right|is it true|i heard|i read|correct|isn't it|the policy|says?|that)\b",
    re.I,
)


def english_sentences(policy: Policy, number: int) -> tuple[str, ...]:
    """The reviewed English rendering, cut into the sentences of the Chinese text."""
    text = policy.notes[number].text_en if number in policy.notes else ""
    return tuple(re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", text.strip())) if text else ()


# asked in English for the document's own words
ORIGINAL = re.compile(r"\b(chinese|original)\b", re.I)
# a lone character is wording ("搞", "弄"), but a negation is the claim ("景区不搞夜间开放了")
CLAIM_NEGATIONS = frozenset("不没非免无别停禁")


def claimed_words(question: Question) -> list[str]:
    """What a question says of its topic, without the words that put it up to be confirmed."""
    words = tokens(CLAIM_SCAFFOLD.sub(" ", question.text))
    return sorted(w for w in words if len(w) >= 2 or w in CLAIM_NEGATIONS)


def spoken_label(label: str) -> str:
    """How a measure is named in a sentence: （六） → 第（六）条, 12. → 第12条, 第十二条 stays."""
    if label.startswith("第"):
        return label
    return f"第{label.rstrip('.、')}条"


class Composer:
    """The extractive answerer: everything it says is the document's own words in a frame."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.policy = corpus.default  # facts about "the document" and refusals speak of it
        self.words = wording()
        self.synonyms = load_synonyms()
        self.english = {
            (p.doc_id, m.number): english_sentences(p, m.number)
            for p in corpus.documents
            for m in p.document.measures
        }

    # --- the answering interface -------------------------------------------------------

    def answer(self, decision: Decision) -> Reply:
        english = decision.english
        if not decision.in_scope:
            return Reply(self.decline(decision), english)
        render = {
            "named": self.whole,
            "more": self.rest,
            "plain": self.plainly,
            "which": self.which,
            "listing": self.listing,
            "overview": self.listing,
            "another": self.listing,
            "persona": self.listing,
            "none_left": self.none_left,
            "beyond": self.beyond,
        }.get(decision.shape, self.topical)
        return Reply(render(decision), english)

    def stream(self, decision: Decision) -> list[Event]:
        return replay(self.answer(decision))

    def about_document(self, question: Question) -> Reply:
        english = question.answer_in_english
        if "summary" in question.meta:
            # "…list the section headings in the original Chinese": beside the English ones
            original = english and bool(ORIGINAL.search(question.text))
            return Reply(self.summary(english, original), english)
        return Reply(self.facts(question.meta, question.aspects, english), english)

    def stream_about_document(self, question: Question) -> list[Event]:
        return replay(self.about_document(question))

    # --- pieces --------------------------------------------------------------------------

    def say(self, english: bool, key: str, **values: object) -> str:
        return self.words.say(english, key, **values)

    def document(self, at: Key) -> Policy:
        return self.corpus.document(at[0])

    def measure(self, at: Key) -> Measure:
        return self.document(at).measure(at[1])

    def label(self, at: Key, english: bool) -> str:
        """The measure as a sentence names it; with its document's title when there are
        several documents: 《…》第12条."""
        named = f"({at[1]})" if english else spoken_label(self.measure(at).label)
        if len(self.corpus) == 1:
            return named
        title = self.document(at).title_en if english else ""
        return (
            f'{named} of "{title or self.document(at).title}"'
            if english
            else (f"《{self.document(at).title}》{named}")
        )

    def title(self, at: Key, english: bool) -> str:
        notes = self.document(at).notes.get(at[1])
        if english and notes:
            return notes.title_en
        return self.measure(at).title

    def sentences(self, at: Key, english: bool, indexes: list[int]) -> str:
        """The sentences, in order; an ellipsis where the text between is left out."""
        chinese = self.measure(at).sentences
        rendered = self.english.get(at, ())
        if english and rendered and len(rendered) != len(chinese):
            return " ".join(rendered)  # a rendering not aligned by sentence is given whole
        english = english and bool(rendered)
        quoted = ""
        for position, index in enumerate(indexes):
            if position:
                gap = index != indexes[position - 1] + 1
                quoted += (" … " if gap else " ") if english else ("……" if gap else "")
            quoted += rendered[index] if english else chinese[index].text
        return quoted

    def text_of(self, at: Key) -> str:
        return f"{self.measure(at).text} {' '.join(self.english.get(at, ()))}"

    def saying(
        self, measure: RankedMeasure, words: list[str], keywords: Sequence[str] = ()
    ) -> list[int]:
        """The sentence that says most of the words (the longer, the more), for a list's
        line: "电竞" quotes the sentence on 电子竞技 standards, not the measure's best match.
        Failing those, of the sentences that say a word the person's audience goes by, the
        one nearest the question in meaning: "我妈腿脚不好" quotes 助行, not 银发购物."""
        sentences = self.measure(key(measure)).sentences
        rendered = self.english.get(key(measure), ())
        near = {e.start: e.score for e in measure.evidence}

        def said(index: int, of: Sequence[str]) -> int:
            text = sentences[index].text.lower()
            if len(rendered) == len(sentences):
                text += " " + rendered[index].lower()
            return sum(len(w) for w in of if w in text)

        def rank(index: int) -> tuple[int, bool, float]:
            return (
                said(index, words),
                said(index, keywords) > 0,
                near.get(sentences[index].start, -1.0),
            )

        best = max(range(len(sentences)), key=rank, default=None)
        if best is None or not (said(best, words) or said(best, keywords)):
            return []
        return [best]

    def evidence_indexes(self, measure: RankedMeasure, count: int = QUOTED) -> list[int]:
        """The sentences that matter most, in the document's order: the best two, and a
        third when it scores close to the best."""
        starts = [s.start for s in self.measure(key(measure)).sentences]
        ranked = [e for e in measure.evidence if e.start in starts]
        if not ranked:
            return list(range(min(count, len(starts))))
        chosen = ranked[:2] + [e for e in ranked[2:count] if ranked[0].score - e.score <= QUOTE_GAP]
        return sorted(starts.index(e.start) for e in chosen)

    def citation(self, measure: RankedMeasure, indexes: list[int] | None = None) -> Citation:
        at = key(measure)
        parsed = self.measure(at)
        if indexes is None:
            indexes = list(range(len(parsed.sentences)))
        return Citation(
            measure=measure.number,
            label=parsed.label,
            title=parsed.title,
            title_en=self.title(at, True),
            section=parsed.section.heading if parsed.section else "",
            quote=self.sentences(at, False, indexes),
            doc_id=at[0],
            doc_title=self.document(at).title,
        )

    def heading(self, english: bool, template: str, at: Key, **values: object) -> str:
        title = self.title(at, english)
        if english:  # a title with quotes in it ("Digital+" scenes) sits inside ours
            title = title.replace('"', "'")
        return self.say(english, template, label=self.label(at, english), title=title, **values)

    # --- answers -------------------------------------------------------------------------

    def topical(self, decision: Decision) -> Answer:
        english, question = decision.english, decision.question
        cited = list(decision.cite) or list(decision.ranked[:1])
        first = cited[0]
        lines = self.corrections(question, [key(m) for m in cited], english)
        opened = [a for a in ASPECT_ORDER if a in question.aspects][:2]
        lines += [self.say(english, f"open.{aspect}") for aspect in opened]
        # a yes or no is answered "yes" only where the text says the words asked about
        says_it = first.lexical >= SAYS_IT or (
            bool(claimed_words(question)) and not self.unsaid(question, [key(first)])
        )
        if lines or (question.yes_no and not says_it):
            lead = self.heading(english, "open.related", key(first))
        elif question.yes_no:
            lead = self.heading(english, "lead.yes", key(first))
        else:
            lead = self.heading(english, "lead.topic", key(first))
        # the sentences nearest in meaning, and the one that says the words asked about
        words = [w for w in tokens(question.text) if len(w) >= 2]
        indexes = sorted(set(self.evidence_indexes(first)) | set(self.saying(first, words)))
        lines.append(
            f"{lead}{' ' if english else ''}{self.sentences(key(first), english, indexes)}"
        )
        citations = [self.citation(first, indexes)]
        for other in cited[1:]:
            best = self.saying(other, words) or self.evidence_indexes(other, count=1)[:1]
            also = self.heading(english, "more.also", key(other))
            lines.append(
                f"{also}{' ' if english else ''}{self.sentences(key(other), english, best)}"
            )
            citations.append(self.citation(other, best))
        if decision.uncovered:
            left = ", ".join(decision.uncovered) if english else "、".join(decision.uncovered)
            lines.append(self.say(english, "more.uncovered", words=left))
        return self.finish(lines, citations, decision)

    def corrections(self, question: Question, cited: list[Key], english: bool) -> list[str]:
        """What the question claims that the cited text does not hold: said, not repeated."""
        text = "".join(self.measure(at).text for at in cited)
        if claimed_in_question(question.text, text, question.confirming):
            return [self.say(english, "claim.number")]
        if question.confirming and self.unsaid(question, cited):
            return [self.say(english, "claim.statement")]
        return []

    def unsaid(self, question: Question, cited: list[Key]) -> list[str]:
        """The words a question says of its topic that none of the cited measures say, in
        Chinese or in their English rendering."""
        text = "".join(self.measure(at).text for at in cited).lower()
        english_text = " ".join(" ".join(self.english.get(at, ())) for at in cited).lower()

        def said(word: str) -> bool:  # 博物馆 is said where the text says 文博场馆
            term = self.synonyms.get(word, word)
            return says(text, word) or says(text, term) or word in english_text

        words = claimed_words(question)
        held = [w for w in words if said(w)]
        # a piece of a word said (博物 of 博物馆) is said with it
        return [w for w in words if not said(w) and not any(w in h for h in held)]

    def whole(self, decision: Decision) -> Answer:
        english = decision.english
        measure = decision.cite[0] if decision.cite else decision.ranked[0]
        indexes = list(range(len(self.measure(key(measure)).sentences)))
        lines = self.corrections(decision.question, [key(measure)], english)
        lead = self.heading(english, "lead.named", key(measure))
        lines.append(
            f"{lead}{' ' if english else ''}{self.sentences(key(measure), english, indexes)}"
        )
        if decision.alternatives:
            titles = [
                (self.corpus.document(d).title_en or self.corpus.document(d).title)
                if english
                else self.corpus.document(d).title
                for d in decision.alternatives
            ]
            others = (
                ", ".join(f'"{t}"' for t in titles)
                if english
                else "、".join(f"《{t}》" for t in titles)
            )
            lines.append(self.say(english, "more.alternatives", documents=others))
        return self.finish(lines, [self.citation(measure, indexes)], decision)

    def rest(self, decision: Decision) -> Answer:
        """The measure's sentences the last answer did not already give."""
        english = decision.english
        measure = decision.cite[0]
        count = len(self.measure(key(measure)).sentences)
        shown = decision.previous_answer
        unseen = [
            i
            for i in range(count)
            if self.sentences(key(measure), False, [i]) not in shown
            and self.sentences(key(measure), True, [i]) not in shown
        ]
        if not unseen:
            lines = [self.say(english, "more.rest_of_measure")]
            indexes = list(range(count))
            lead = self.heading(english, "lead.named", key(measure))
        else:
            indexes = unseen
            lead = self.heading(english, "lead.more", key(measure))
        lines = [] if unseen else lines
        lines.append(
            f"{lead}{' ' if english else ''}{self.sentences(key(measure), english, indexes)}"
        )
        return self.finish(lines, [self.citation(measure, indexes)], decision)

    def plainly(self, decision: Decision) -> Answer:
        english = decision.english
        measure = decision.cite[0] if decision.cite else decision.ranked[0]
        notes = self.document(key(measure)).notes.get(measure.number)
        summary = (notes.summary_en if english else notes.summary_zh) if notes else ""
        if not summary:
            return self.topical(decision)
        indexes = self.evidence_indexes(measure)
        quote = self.sentences(key(measure), english, indexes)
        lines = [
            self.heading(english, "lead.plain", key(measure), summary=summary),
            f"{self.say(english, 'lead.plain_quote')}{' ' if english else ''}{quote}",
        ]
        return self.finish(lines, [self.citation(measure, indexes)], decision)

    def which(self, decision: Decision) -> Answer:
        english = decision.english
        separator = ", " if english else "、"
        labels = separator.join(self.label(key(m), english) for m in decision.cite)
        if english:
            labels = separator.join(f"measure {self.label(key(m), True)}" for m in decision.cite)
            labels = labels.removeprefix("measure ")
        lines = [self.say(english, "lead.which", labels=labels)]
        citations = []
        for measure in decision.cite:
            indexes = self.evidence_indexes(measure, count=1)[:1]
            lead = self.heading(english, "lead.topic", key(measure))
            lines.append(
                f"{lead}{' ' if english else ''}{self.sentences(key(measure), english, indexes)}"
            )
            citations.append(self.citation(measure, indexes))
        return self.finish(lines, citations, decision)

    def listing(self, decision: Decision) -> Answer:
        """Several measures, a line each, in the document's order ("第一个" is the first
        line); cited by relevance."""
        english = decision.english
        shown = sorted(
            decision.cite, key=lambda m: (m.doc_id != decision.cite[0].doc_id, m.doc_id, m.number)
        )
        if decision.shape == "another":
            lines = [self.say(english, "more.another")]
        elif decision.shape == "persona":
            lines = [self.say(english, "listing.persona", count=len(shown))]
        elif decision.shape == "overview":
            keyword = decision.question.text.strip("？?。!！ ")
            # "mention" only when each one says it: a typo (养老床为) is not the text's word
            said = all(keyword.lower() in self.text_of(key(m)).lower() for m in shown)
            template = "listing.overview" if said else "listing.overview_related"
            lines = [self.say(english, template, keyword=keyword, count=len(shown))]
        else:
            lines = [self.say(english, "listing.lead", count=len(shown))]
        lines += self.corrections(decision.question, [key(m) for m in shown], english)
        lines += [
            self.say(english, f"open.{a}") for a in ASPECT_ORDER if a in decision.question.aspects
        ][:2]
        citations: dict[Key, Citation] = {}
        # the words a person's audience goes by: "想学点东西" from a retiree quotes 老年学习
        keywords = [
            k.lower() for a in self.corpus.audiences if a.id in decision.persona for k in a.keywords
        ]
        words = [w for w in tokens(decision.question.text) if len(w) >= 2 and w not in keywords]
        for measure in shown:
            indexes = (
                self.saying(measure, words, keywords) or self.evidence_indexes(measure, count=1)[:1]
            )
            line = self.sentences(key(measure), english, indexes)
            lines.append("- " + self.heading(english, "listing.item", key(measure), line=line))
            citations[key(measure)] = self.citation(measure, indexes)
        if len(shown) > 1:
            lines.append(self.say(english, "listing.pick_hint"))
        return self.finish(lines, [citations[key(m)] for m in decision.cite], decision)

    def beyond(self, decision: Decision) -> Answer:
        """ "第三个" when the last answer listed two: how many there were, and which."""
        english = decision.english
        labels = (", " if english else "、").join(
            self.label(key(m), english) for m in decision.cite
        )
        text = self.say(english, "more.beyond", count=len(decision.cite), labels=labels)
        return Answer(text, (), True, ())

    def none_left(self, decision: Decision) -> Answer:
        english = decision.english
        separator = ", " if english else "、"
        labels = separator.join(self.label(key(m), english) for m in decision.cite)
        return Answer(self.say(english, "more.none_left", labels=labels), (), True, ())

    def finish(self, lines: list[str], citations: list[Citation], decision: Decision) -> Answer:
        replaced = [
            self.corpus.document(d)
            for d in dict.fromkeys(c.doc_id for c in citations)
            if not self.corpus.document(d).current
        ]
        for policy in replaced:  # never cited as current: say what replaced it
            title = policy.title_en or policy.title if decision.english else policy.title
            by = self.replacement(policy, decision.english)
            lines.insert(0, self.say(decision.english, "more.superseded", title=title, by=by))
        return Answer(
            "\n".join(lines), tuple(citations), True, self.suggestions(decision, citations)
        )

    def replacement(self, policy: Policy, english: bool) -> str:
        """What replaced a superseded document: a document of the corpus by its title, else
        the metadata's words."""
        by = policy.superseded_by or ""
        if self.corpus.has(by):
            newer = self.corpus.document(by)
            return (newer.title_en or newer.title) if english else newer.title
        if english:
            return (
                f"a newer version ({by})"
                if re.search(r"[\u4e00-\u9fff]", by)
                else by or ("a newer version")
            )
        return by or "新版本"

    def suggestions(self, decision: Decision, citations: list[Citation]) -> tuple[str, ...]:
        """Next questions about what was just said: the rest of the first measure, in plain
        words, and the nearest measure not cited. Each is one the service answers."""
        english = decision.english
        if not citations:
            return ()
        first = (citations[0].doc_id, citations[0].measure)
        found = [
            self.heading(english, "suggest.more", first),
            self.heading(english, "suggest.plain", first),
        ]
        cited = {(c.doc_id, c.measure) for c in citations}
        scores = {key(m): m.score for m in decision.ranked}
        bar = scores.get(first, 0.0) - NEARBY_GAP  # a measure about as close, not any next one
        nearby = next(
            (key(m) for m in decision.ranked if key(m) not in cited and m.score >= bar), None
        )
        if nearby is not None:
            found.append(self.heading(english, "suggest.measure", nearby))
        return tuple(found)

    # --- declining, and facts about the document -------------------------------------------

    def decline(self, decision: Decision) -> Answer:
        english = decision.english
        policy = self.policy
        count = len(policy.document.measures)
        title = policy.title_en if english else policy.title
        coverage = self.coverage(english)
        examples = self.examples(english)
        if decision.reason == "no_such_measure":
            middle = policy.document.measures[(count - 1) // 2]
            example = self.heading(english, "suggest.measure", (policy.doc_id, middle.number))
            text = self.say(
                english,
                "refusal.no_such_measure",
                count=count,
                last=int_to_chinese(count),
                example=example,
            )
            return Answer(text, (), False, examples)
        if decision.reason == "closing":
            return Answer(self.say(english, "refusal.closing"), (), True, ())
        if decision.reason == "no_previous":
            text = self.say(english, "refusal.no_previous", example=examples[0])
            return Answer(text, (), False, examples)
        if decision.reason == "denied":
            at, word = key(decision.ranked[0]), decision.uncovered[0]
            text = self.heading(english, "refusal.denied", at, word=word)
            return Answer(text, (), False, examples)
        if decision.reason == "elsewhere":
            text = self.say(english, "refusal.elsewhere", place=decision.uncovered[0])
            return Answer(text, (), False, examples)
        if decision.reason == "specific":
            text = self.say(english, "refusal.specific", venue=decision.uncovered[0])
            return Answer(text, (), False, examples)
        if decision.reason in ("greeting", "about_me"):
            template = f"refusal.{decision.reason}"
        else:  # among several documents, none of them covers it
            template = "refusal.not_covered" if len(self.corpus) == 1 else "refusal.none_covers"
        text = self.say(
            english,
            template,
            title=title,
            count=count,
            coverage=coverage,
            documents=len(self.corpus),
        )
        return Answer(text, (), False, examples)

    def examples(self, english: bool) -> tuple[str, ...]:
        """Questions to start with: the metadata's, else one on the first measure of each
        of the first sections, which a lookup always answers."""
        policy = self.policy
        given = policy.suggested_en if english else policy.suggested_zh
        if given:
            return given
        firsts = {m.section: m for m in reversed(policy.document.measures)}
        chosen = sorted(firsts.values(), key=lambda m: m.number)[:3]
        if english:
            return tuple(f"What does measure {m.number} say?" for m in chosen)
        return tuple(f"{spoken_label(m.label)}「{m.title}」讲了什么？" for m in chosen)

    def coverage(self, english: bool) -> str:
        """What the measures are about, in a phrase: the metadata's, else the headings."""
        policy = self.policy
        given = policy.coverage_en if english else policy.coverage_zh
        if given:
            return given
        if english and policy.sections_en:
            return ", ".join(policy.sections_en)
        sections = [s.heading for s in policy.document.sections]
        headings = [re.sub(r"^[一二三四五六七八九十]+、|^第.{1,4}章\s*", "", h) for h in sections]
        named = headings or [m.title for m in policy.document.measures[:6]]
        return (", " if english else "、").join(named)

    def summary(self, english: bool, original: bool = False) -> Answer:
        policy = self.policy
        document = policy.document
        lines = [
            self.say(
                english,
                "summary.lead",
                title=policy.title_en if english else policy.title,
                count=len(document.measures),
                sections=len(document.sections),
            )
        ]
        for index, section in enumerate(document.sections):
            inside = [m.number for m in document.measures if m.section == section]
            if not inside:
                continue
            separator = "; " if english else "、"
            titles = separator.join(self.title((policy.doc_id, n), english) for n in inside)
            heading = (
                policy.sections_en[index]
                if english and index < len(policy.sections_en)
                else section.heading
            )
            if original and heading != section.heading:
                heading = f"{heading} ({section.heading})"
            lines.append(
                self.say(
                    english,
                    "summary.section",
                    heading=heading,
                    first=self.label((policy.doc_id, inside[0]), english),
                    last=self.label((policy.doc_id, inside[-1]), english),
                    titles=titles,
                )
            )
        return Answer("\n".join(lines), (), True, self.examples(english)[:2])

    def facts(self, kinds: tuple[str, ...], aspects: tuple[str, ...], english: bool) -> Answer:
        policy = self.policy
        document = policy.document
        headings = (
            "; ".join(policy.sections_en)
            if english
            else "；".join(s.heading for s in document.sections)
        )
        values: dict[str, dict[str, object]] = {
            "date": {"date": policy.issue_date_iso if english else policy.issue_date},
            "effective": {"date": policy.issue_date_iso if english else policy.issue_date},
            "issuers": {
                "count": len(policy.issuers),
                "bodies": "; ".join(policy.issuers_en) if english else "、".join(policy.issuers),
            },
            "count": {
                "count": len(document.measures),
                "sections": len(document.sections),
                "headings": headings,
            },
            "sections": {"sections": len(document.sections), "headings": headings},
            "title": {"title": policy.title_en if english else policy.title},
            "basis": {"basis": policy.intro_en if english else self.basis()},
            "release": {
                "note": "released to the public on the issuers' initiative"
                if english
                else policy.release_note
            },
        }
        parts = [
            self.say(english, f"meta.{kind}", **values[kind]) for kind in kinds if kind in values
        ]
        if "open" in kinds:
            asked = [a for a in ASPECT_ORDER if a in aspects] or ["amount"]
            parts += [self.say(english, f"open.{aspect}") for aspect in asked]
        lead = self.say(english, "meta.lead", title=policy.title_en if english else policy.title)
        examples = self.examples(english)[:2]
        return Answer(lead + (" " if english else "").join(parts), (), True, examples)

    def basis(self) -> str:
        intro = next(p for p in self.policy.document.passages if p.kind == "intro")
        return next((s.text for s in intro.sentences if "贯彻" in s.text), intro.text)
