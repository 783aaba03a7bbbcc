"""Extractive answers: the words of the cited measures in a fixed frame.

Everything but the framing is quoted from the document, so an extractive answer cannot
state an amount, a date or a promise the text does not hold. Which measures to cite is
decided by score gaps: the best one always, the next ones only while they score close.
"""

import re

from app.core.grounding import unsupported_claims
from app.core.question import Question
from app.core.retrieve import RankedMeasure
from app.core.scope import Decision
from app.core.turn import Answer, Citation, Event, Reply, replay
from ingest.parse import int_to_chinese
from ingest.source import Policy

# amounts and rates a question may claim the text grants ("每月发5000元", "补贴30%");
# durations are left alone: "玩两天" in a question is a plan, not a claim about the text
BENEFIT = re.compile(r"[元块%％万亿]|yuan|rmb|percent", re.I)
# a measure is cited beside the best one only when it scores this close to it
CITE_GAP = 0.004
MAX_CITED = 3
# a second evidence sentence is quoted when it scores this close to the first
QUOTE_GAP = 0.015

EXAMPLES_ZH = (
    "我家老人需要长期护理，有什么政策？",
    "我们公司有动漫IP，政府对IP授权合作有什么支持？",
    "外国游客来上海，有哪些多语种服务？",
    "开一家主打海外美食的餐厅，有什么鼓励政策？",
)
EXAMPLES_EN = (
    "Is there support for eldercare services?",
    "What support is there for companies that own IP?",
    "Are there multilingual services for foreign visitors?",
)
COVERAGE_ZH = (
    "文旅、体育、教育培训、健康医疗、餐饮、家政养老、服务业开放、服务品牌与标准、"
    "知识产权、融合消费场景、数字消费、信用体系和境外游客便利"
)
COVERAGE_EN = (
    "culture and tourism, sports, education, health, dining, domestic and eldercare "
    "services, opening up, brands and standards, IP, blended and digital consumption, "
    "credit, and convenience for foreign visitors"
)


def select_measures(ranked: tuple[RankedMeasure, ...]) -> list[RankedMeasure]:
    if not ranked:
        return []
    if ranked[0].named:
        return [ranked[0]]
    best = ranked[0].score
    return [m for m in ranked[:MAX_CITED] if best - m.score <= CITE_GAP]


def quote_for(measure: RankedMeasure, policy: Policy, whole: bool = False) -> str:
    if whole or not measure.evidence:
        return "".join(s.text for s in policy.measure(measure.number).sentences)
    best = measure.evidence[0]
    quoted = [e for e in measure.evidence[:2] if best.score - e.score <= QUOTE_GAP]
    # keep the document's order, so two quoted sentences read as the text does
    return "".join(e.text for e in sorted(quoted, key=lambda e: e.start))


def citation(measure: RankedMeasure, policy: Policy) -> Citation:
    parsed = policy.measure(measure.number)
    return Citation(
        measure=measure.number,
        label=parsed.label,
        title=parsed.title,
        title_en=policy.notes[measure.number].title_en if measure.number in policy.notes else "",
        section=parsed.section.heading if parsed.section else "",
        quote=quote_for(measure, policy, whole=measure.named),
        doc_id=policy.doc_id,
        doc_title=policy.title,
    )


def compose(decision: Decision, policy: Policy) -> Answer:
    question = decision.question
    english = question.english
    cited = [citation(m, policy) for m in select_measures(decision.ranked)]
    lines = []
    claimed = unsupported_claims(question.text, [c.measure for c in cited], policy)
    if any(BENEFIT.search(claim) for claim in claimed):
        lines.append(
            "Note: the original text does not contain the figure or promise in your question. "
            "Here is what it does say."
            if english
            else "需要说明：文件原文里没有您提到的数字或承诺，以下是原文的规定。"
        )
    for index, c in enumerate(cited):
        if english:
            says = "says" if index == 0 else "also says"
            lines.append(f'Measure ({c.measure}) "{c.title_en}" {says}: 「{c.quote}」')
        elif index == 0:
            lines.append(f"根据第{c.label}条「{c.title}」：{c.quote}")
        else:
            lines.append(f"另外，第{c.label}条「{c.title}」提到：{c.quote}")
    if english:
        lines.append(
            f'(Quoted from the Chinese original of "{policy.title_en}", issued on '
            f"{policy.issue_date_iso}.)"
        )
    else:
        lines.append("具体办理条件和流程，请以相关主管部门发布的细则为准。")
    suggestions = suggestions_after(decision, cited, policy)
    return Answer("\n".join(lines), tuple(cited), True, suggestions)


def suggestions_after(decision: Decision, cited: list[Citation], policy: Policy) -> tuple[str, ...]:
    cited_numbers = {c.measure for c in cited}
    nearby = [m.number for m in decision.ranked if m.number not in cited_numbers][:2]
    if decision.question.english:
        return tuple(f'What does measure ({n}) "{policy.notes[n].title_en}" say?' for n in nearby)
    return tuple(
        f"第{policy.measure(n).label}条「{policy.measure(n).title}」讲了什么？" for n in nearby
    )


def refuse(question: Question, policy: Policy) -> Answer:
    english = question.english
    named = question.measure_reference
    count = len(policy.document.measures)
    last = int_to_chinese(count)
    if named is not None and not 1 <= named <= count:
        text = (
            f"The document has {count} measures, numbered (1) to ({count}); there is no "
            'measure with the number you gave. Ask about any of them, e.g. "What does '
            'measure 6 say?"'
            if english
            else f"这份文件共有{count}条措施，编号从（一）到（{last}），没有您说的这一条。"
            "您可以问其中任意一条，比如「第（六）条讲了什么？」"
        )
    elif question.greeting:
        text = (
            f'Hello! I answer questions about "{policy.title_en}" ({count} measures on '
            f"{COVERAGE_EN}). You could ask:"
            if english
            else f"您好！我可以解答《{policy.title}》的相关问题，它的{count}条措施涉及{COVERAGE_ZH}"
            "等方面。您可以这样问："
        )
    elif english:
        text = (
            f'Sorry, "{policy.title_en}" does not cover this, and I only answer from that '
            f"document. Its {count} measures cover {COVERAGE_EN}. You could ask:"
        )
    else:
        text = (
            f"抱歉，《{policy.title}》没有涉及这个问题，我只根据这份文件回答。"
            f"它的{count}条措施涉及{COVERAGE_ZH}等方面。您可以这样问："
        )
    return Answer(text, (), False, EXAMPLES_EN if english else EXAMPLES_ZH)


def meta_answer(question: Question, policy: Policy) -> Answer:
    english = question.english
    document = policy.document
    sections = "；".join(s.heading for s in document.sections)
    section_count = len(document.sections)
    parts = []
    for kind in question.meta:
        if kind == "date":
            parts.append(
                f"It was issued on {policy.issue_date_iso} ({policy.issue_date})."
                if english
                else f"这份文件于{policy.issue_date}印发。"
            )
        elif kind == "issuers":
            bodies = "、".join(policy.issuers)
            parts.append(
                f"It was issued jointly by {len(policy.issuers)} bodies: {bodies}."
                if english
                else f"由{len(policy.issuers)}个部门联合印发：{bodies}。"
            )
        elif kind == "count":
            parts.append(
                f"It has {len(document.measures)} measures in {section_count} sections."
                if english
                else f"文件共有{len(document.measures)}条措施，"
                f"分为{section_count}个部分：{sections}。"
            )
        elif kind == "sections":
            parts.append(
                f"It has {section_count} sections: {sections}."
                if english
                else f"文件分为{section_count}个部分：{sections}。"
            )
        elif kind == "title":
            parts.append(
                f'Its title is 《{policy.title}》 ("{policy.title_en}").'
                if english
                else f"文件全称是《{policy.title}》。"
            )
        elif kind == "basis":
            intro = next(p for p in document.passages if p.kind == "intro")
            basis = next((s.text for s in intro.sentences if "贯彻" in s.text), intro.text)
            parts.append(
                f"Its introduction says: 「{basis}」" if english else f"文件开头写明：{basis}"
            )
        elif kind == "release":
            parts.append(
                "It is a public document (此件主动公开发布)."
                if english
                else f"是公开文件，原文注明“{policy.release_note}”。"
            )
    lead = f'About "{policy.title_en}": ' if english else f"关于《{policy.title}》："
    return Answer(lead + "".join(parts), (), True, EXAMPLES_EN[:2] if english else EXAMPLES_ZH[:2])


class Composer:
    """The extractive answerer: everything it says is the document's own words in a frame."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def answer(self, decision: Decision) -> Reply:
        question = decision.question
        if decision.in_scope:
            return Reply(compose(decision, self.policy), question.english)
        return Reply(refuse(question, self.policy), question.english)

    def about_document(self, question: Question) -> Reply:
        return Reply(meta_answer(question, self.policy), question.english)

    def stream(self, decision: Decision) -> list[Event]:
        return replay(self.answer(decision))

    def stream_about_document(self, question: Question) -> list[Event]:
        return replay(self.about_document(question))
