"""What the conversation so far says, read from the history the client sends (nothing is
kept on the server): the last answer's measures, in the order it cited them, recovered
from the labels in its text, so a client that sends only text works; the question that
answer was about; its language; and who the person said they are.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.core.question import (
    ANOTHER,
    ASPECTS,
    LANGUAGE,
    MORE,
    PICK,
    PLAIN,
    STEP,
    WHICH,
    Question,
    is_english,
    understand,
)
from app.core.retrieve import Key, tokens
from app.core.turn import Turn
from ingest.numerals import chinese_to_int
from ingest.source import Corpus, Policy

# this many characters of a document's title in a question name that document
DOC_NAME_RUN = 5
# a document named by its kind: 条例里, 这个计划, 该规定中
DOCUMENT_KIND = re.compile(
    r"(?:这个|那个|这份|那份|这部|该|本)(?P<kind>条例|行动计划|计划|规定|办法|方案)"
    r"|(?P<after>条例|行动计划|计划)(?=里|中|上|说|提到|规定|对|有没有|有什么)"
)
# "这个文件里…" among several documents: the one under discussion, else the default one
THIS_DOCUMENT = re.compile(
    r"(这|该|本|此)(个|份|篇)?(文件|文)(?!化)|文件(里|中|上|内)|\b(this|the) (document|policy)\b",
    re.I,
)
# the document pointed at, and what it says, in a question about a topic of it
THE_DOCUMENT_SAYS = re.compile(
    r"(这份|这个|该|本|此|这次的?|这些|新出的?|最新的?)(文件|政策|措施|通知|新政)(里面?|中|上|当中)?"
    r"(对于|对|关于)?|(文件|政策|措施|通知)((里面?|中|上|当中)(对于|对|关于)?|对于|对|关于)"
    r"|(有什么|有啥|有哪些|怎么)(说法|规定)|(说|讲|写|提)了?(些|哪些)?(什么|啥)"
    r"|\b(does |do )?(this|the|these) (document|policy|measures)( says?)?\b",
    re.I,
)
POINTING = (STEP, PICK, WHICH, MORE, ANOTHER, PLAIN, *LANGUAGE.values(), *ASPECTS.values())
# a measure as answers name it: 第（六）条, 第十二条, 第12条, measure (6), with the document's
# title before it (《…》第12条) or after it (measure (12) of "…") when there are several
CITED_LABEL = re.compile(
    r"(?:《([^》]{2,80})》)?第[（(]?([零一二两三四五六七八九十百\d]+)[)）]?条"
    r"|[Mm]easures? \((\d+)\)(?: of \"([^\"]{2,120})\")?"
)
# "我是开健身房的", "我们是旅行社", "I run a restaurant", "my mom is 80"
PERSONA = re.compile(
    r"^(我|我们|咱们?|本人)(家|公司|单位|店)?(是|开|做|经营|搞|在|办(?!的)|有)"
    r"|^(我|本人)(?![爸妈父母奶爷外老家])[^。？?]{0,8}?(已经|刚|刚刚)?退(休|了休)"
    r"|^(我|我们)(家里?)?(妈|爸|爸妈|父母|老人|老两口|老爷子|老太太|长辈|奶奶|爷爷|外婆|外公)"
    r"|^(i|we)( am|'m| are|'re)? (a|an|the)?\s*\w+|^(i|we) (run|own|manage|operate|work)"
    r"|^my (mom|mother|dad|father|parents|grandma|grandpa|grandmother|grandfather)",
    re.I,
)
# words that name no topic: "第二个呢，具体讲讲" and "有啥政策能用上" have none of their own
FOLLOW_WORDS = frozenset(
    (
        "展开 说说 讲讲 说下 讲下 详细 详细点 具体 具体点 细说 再说 多说 一点 点 些 原文 "
        "怎么 怎么说 "
        "这是 那是 第几条 哪一条 哪条 一条 几条 第几 出自 规定 写的 写 第一个 第二个 第三个 第四个 "
        "第五个 最后 最后一个 中间 那个 那种 这种 头一个 一个 个 还有 别的 其他 其它 另外 "
        "没 没有 不能 多少 是多少 关注 用 大白话 "
        "白话 通俗 简单 简单点 意思 啥 啥意思 什么 什么意思 人话 听不懂 看不懂 英文 英语 中文 "
        "汉语 回答 翻译 一遍 再 请 呢 吧 好 好的 ok 有啥 用上 用得上 用得着 能用 有用 用处 啥用 "
        "帮助 帮到 好处 适合 相关 有关 关系 哪些 可以 享受 我们 咱们 我家 这个 那个 文件 政策 "
        "措施 东西 方面 一下 要求 支持 规定 解释 利好 做法 编号 条款 这方面 这方 那方面 这块 "
        "鼓励 扶持 情况 这样 那样 这种情况 公司 企业 行业 老百姓 百姓 普通人 普通 一般人 大众 "
        "列表 清单 名单 上面 里面 刚才 刚刚 方才 前面 "
        "help helpful useful benefit benefits relevant apply applies "
        "there me us my our whats what's any anything something for "
        "tell more detail details elaborate expand go on simply simple explain plain words "
        "english chinese please translate that into answer again one first second third last "
        "middle else other anything which measure article number say says said helps offer "
        "offers available like someone somebody people person situation case ordinary "
        "industry industries sector company companies business relate relates related relating"
    ).split()
)


@dataclass(frozen=True)
class Context:
    topic: Question | None  # the last question with a topic of its own
    cited: tuple[Key, ...]  # the measures the last answer cited, in order
    answered: str  # the last answer's text
    english: bool  # the last answer was in English
    persona: tuple[str, ...]  # audience ids the person said they belong to
    persona_text: str  # what they said about themselves


def has_topic(question: Question) -> bool:
    """Whether a message names something of its own, beyond pointing at the last answer
    ("第二个呢，具体讲讲"), asking an open aspect of it ("给钱吗，给多少") or asking what is
    there for the asker ("有啥政策能用上")."""
    return bool(topic_words(question))


def topic_words(question: Question) -> list[str]:
    """The words of a message that name something, beyond pointing and asking."""
    rest = question.text
    for pattern in POINTING:
        rest = pattern.sub(" ", rest)
    return [word for word in tokens(rest) if len(word) >= 2 and word not in FOLLOW_WORDS]


def cited_in(text: str, corpus: Corpus) -> tuple[Key, ...]:
    """The measures a text names, as (doc_id, number), in order of first mention."""
    found = []
    for title, numeral, number, title_en in CITED_LABEL.findall(text):
        named = title or title_en
        policy = next(
            (p for p in corpus.documents if named and named in (p.title, p.title_en)),
            corpus.default,
        )
        value = chinese_to_int(numeral or number)
        if 1 <= value <= len(policy.document.measures):
            found.append((policy.doc_id, value))
    return tuple(dict.fromkeys(found))


def said_of_self(text: str) -> str:
    """The sentence in which a person says who they are: the first. "I'm a tourist from
    Germany. Most restaurant menus here…" is a tourist's, not a restaurant's."""
    return re.split(r"(?<=[。！？!?；;])|(?<=\.)\s", text, maxsplit=1)[0]


def without_words(text: str, words: list[str]) -> str:
    """The text with these words taken out, the longest first ("外国游客" before "游客")."""
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, " ")
    return text


def audiences_of(text: str, corpus: Corpus) -> tuple[str, ...]:
    """The audiences a text names. A word inside a longer one of another audience is that
    one's: "外国游客" names foreign visitors, not tourists at large; "养老院" a care home."""
    lowered = text.lower()
    found = [
        (a.id, match.span())
        for a in corpus.audiences
        for k in a.keywords
        # English ones in the plural too: tourists, seniors, foreign visitors
        for match in re.finditer(rf"(?<![a-z]){re.escape(k)}s?(?![a-z])", lowered)
    ]
    kept = {
        audience
        for audience, (start, end) in found
        if not any(
            other != audience and s <= start and end <= e and e - s > end - start
            for other, (s, e) in found
        )
    }
    return tuple(a.id for a in corpus.audiences if a.id in kept)


def read(history: list[Turn], corpus: Corpus, understand: Callable[[str], Question]) -> Context:
    # the last answer to a question: a reply to "嗯嗯" or "谢谢" is not what "还有吗" goes past
    answered = ""
    topic = None
    persona: tuple[str, ...] = ()
    persona_text = ""
    question = None
    for turn in history:
        if turn.role != "user":
            if question is None or question.social is None:
                answered = turn.content
            continue
        question = understand(turn.content)
        if question.social is None and has_topic(question):
            topic = question
        if PERSONA.search(question.text):
            found = audiences_of(said_of_self(question.text), corpus)
            if found:
                persona, persona_text = found, question.text
    english = bool(answered) and is_english(answered)
    return Context(topic, cited_in(answered, corpus), answered, english, persona, persona_text)


def document_named(text: str, corpus: Corpus) -> str | None:
    """The document a question names: by one of its short names, by its kind ("这个行动
    计划"), or by a long enough piece of its title."""
    if len(corpus) < 2:
        return None
    # "这个行动计划" says which document more surely than a short name that is also a
    # place ("在浦东租房")
    for found in DOCUMENT_KIND.finditer(text):
        pointed = found.group("kind") and of_kind(found.group("kind"), corpus)
        if pointed:
            return pointed
    lowered = text.lower()
    for policy in corpus.documents:
        if any(alias.lower() in lowered for alias in policy.aliases):
            return policy.doc_id
    best, length = None, 0
    for policy in corpus.documents:
        shared = len(common_run(text, policy.title.removeprefix("上海市")))
        if shared >= DOC_NAME_RUN and shared > length:
            best, length = policy.doc_id, shared
    return best or by_kind(text, corpus)


def pointed_at(text: str, history: list[Turn], corpus: Corpus) -> str | None:
    """Among several documents, the one "这个文件" means: the one under discussion, else
    the default one, unless the question names another."""
    if len(corpus) < 2 or not THIS_DOCUMENT.search(text) or document_named(text, corpus):
        return None
    cited = read(history, corpus, understand).cited if history else ()
    return cited[0][0] if cited else corpus.default.doc_id


def by_kind(text: str, corpus: Corpus) -> str | None:
    """The one document of its kind a question points at: "条例里怎么说", "这个计划对总部
    企业有什么举措" (a title ends in its kind: …条例, …行动计划, …若干措施)."""
    for found in DOCUMENT_KIND.finditer(text):
        chosen = of_kind(found.group("kind") or found.group("after"), corpus)
        if chosen:
            return chosen
    return None


def of_kind(kind: str, corpus: Corpus) -> str | None:
    """The one document whose title ends in this kind (…条例, …行动计划), if one does."""
    having = [p for p in corpus.documents if p.title.rstrip("）)0123456789—年（(").endswith(kind)]
    return having[0].doc_id if len(having) == 1 else None


def common_run(a: str, b: str) -> str:
    """The longest piece of `a` that is also in `b`."""
    found = ""
    for start in range(len(a)):
        for end in range(start + len(found) + 1, len(a) + 1):
            if a[start:end] not in b:
                break
            found = a[start:end]
    return found


def without_the_document(text: str) -> str:
    """The question without the words that point at the document: "这份文件对社会办医有
    什么说法" asks about 社会办医, and those words would match any measure alike."""
    return re.sub(r"\s+", " ", THE_DOCUMENT_SAYS.sub(" ", text)).strip()


def unnamed(text: str, policy: Policy) -> str:
    """The question without the document's name: "老年人权益保障条例对监护怎么规定" is
    about guardianship, and the name would match the measure that repeats it."""
    for alias in sorted(policy.aliases, key=len, reverse=True):
        text = re.sub(re.escape(alias), " ", text, flags=re.I)
    run = common_run(text, policy.title.removeprefix("上海市"))
    if len(run) >= DOC_NAME_RUN:
        text = text.replace(run, " ")
    return re.sub(r"\s+", " ", text).strip()
