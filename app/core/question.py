"""What a message says before any search, read once: its normalized text, the measure it
names (第十二条, 第12条, （十二）, 措施十二, measure 12), whether it asks about the document
itself, and what it asks for: an open aspect (an amount, a fee, a date, how to apply, who
is eligible), a yes or no, a list of measures, confirmation of something heard, or
something about the answer just given (which measure, the second one, more, in plain
words, in English)."""

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from ingest.numerals import chinese_to_int

NUMERAL = r"[零〇一二两三四五六七八九十百\d]+"
REFERENCE_PATTERNS = [
    # 第十二条 / 第12项 / 第（十二）条 / 第十二点 / 第十二个措施 / 第十二条措施
    re.compile(rf"第\s*[（(]?({NUMERAL})[)）]?\s*(?:条|项|点|款|个?措施)"),
    # 措施十二 / 措施（十二） / 措施12 / 第十二 措施
    # (not 措施一共, 措施一些: words that begin with 一)
    re.compile(
        rf"措施\s*(?:第\s*)?[（(]?({NUMERAL})[)）]?"
        r"(?![万千亿元%共起些下般直定样切律体次个批步出旦经年致]|[零〇一二两三四五六七八九十百\d])"
    ),
    # （十二） / (12) standing alone
    re.compile(rf"[（(]\s*({NUMERAL})\s*[)）]"),
    re.compile(r"\b(?:measure|item|article|point|no\.?|number|#)\s*(\d{1,3})\b", re.I),
]
# lone surrogates too: JSON lets "\ud800" through, and UTF-8 encoders downstream reject it
ZERO_WIDTH_AND_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f"
    r"\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u4e00-\u9fff]")

META_PATTERNS: dict[str, re.Pattern[str]] = {
    "date": re.compile(
        r"(哪天|哪一天|何时|什么时候|几月|几号|日期|时间|哪年).{0,6}(印发|发布|出台|发的|颁布|公布|制定)"
        r"|(印发|发布|出台|颁布|公布).{0,4}(日期|时间)|落款|(成文|发文)(日期|时间)"
        r"|when (was|were|did)\b.*\b(issued|published|released|adopted)"
        r"|(issue|publication|release) date",
        re.I,
    ),
    "effective": re.compile(
        r"(文件|政策|措施)(什么时候|何时|哪天|从哪天)?(开始)?(生效|施行|实施)|什么时候(开始)?(生效|施行)"
        r"|有效期|\bwhen does (it|this|the (policy|document|measures?))"
        r" (take effect|come into force|expire)|\b(take|took) effect\b"
        r"|how long is (it|this|the (policy|document)) valid"
        r"|valid until",
        re.I,
    ),
    "issuers": re.compile(
        r"是.{1,10}(发|印发|出台|发布)的(吧|吗|嘛)|"
        r"(哪些|哪个|哪几个|什么)(部门|单位|机关|机构).{0,6}(印发|发布|出台|联合|制定|发的)"
        r"|(谁|哪里)(印发|发布|出台|制定|发的)|(发文|印发|发布)(单位|部门|机关)"
        r"|who (issued|published|released|wrote)|which (departments|bodies|agencies)",
        re.I,
    ),
    "count": re.compile(
        r"(一共|总共|共计|共有|总计|全文|文件|政策|这份|该).{0,8}(?<![哪第])(多少|几)(条|项|个措施|点)"
        r"|^(它|这)?(有|包括|包含)?(多少|几)(条|项)(措施|内容)?[？?吗呢]*$|措施.{0,4}(数量|总数)"
        r"|how many (measures|articles|items|points)",
        re.I,
    ),
    "sections": re.compile(
        r"(几|多少)(个)?(部分|方面|板块|章节|大类)|how many (sections|parts|chapters)", re.I
    ),
    "title": re.compile(
        r"(文件|政策|文件的|政策的|这份|该)(标题|名称|全称|名字)|叫什么(名字)?|全称是"
        r"|(title|name) of (the|this) (document|policy)",
        re.I,
    ),
    "basis": re.compile(
        r"(根据|依据|依照|贯彻|落实)[^，。]{0,12}(哪个|哪份|什么|哪些)[^，。]{0,6}(文件|精神|政策|部署)"
        r"|(出台|制定|印发)的?(背景|目的|原因)|为什么(出台|制定|印发)"
        r"|(why|basis|purpose).{0,30}(issued|policy|document|measures)",
        re.I,
    ),
    "release": re.compile(r"(公开|保密|公布).{0,4}(吗|么|发布|文件)|is it public", re.I),
    # what the document says of amounts, applications and dates as a whole
    "open": re.compile(
        r"(这些|这份|文件|政策|措施)[^，。？?]{0,10}(补贴金额|金额|多少钱|补多少|(怎么|如何)(申请|申报)"
        r"|(补贴|支持|资助)标准|申请条件|(去|在|到)?哪(里|儿)?(申请|申报|办理)|(找|归)哪个部门"
        r"|什么时候|截止)"
        r"|(how much|how (do|can) (i|we) apply|when).{0,30}"
        r"(these measures|the policy|the document)",
        re.I,
    ),
}
# a message that is only a hello, a thanks or a goodbye: nothing to look up
GREETING = re.compile(
    r"^(你好|您好|hi|hello|hey|嗨|哈喽|在吗|早上好|下午好|晚上好|你是谁|你是干什么的|你能做什么"
    r"|你会什么|who are you|what can you do|what are you)"
    r"( there| everyone| all)?[呀啊哇呢！!？?。.~～，, ]*$",
    re.I,
)
# a question about the assistant itself: who made it, which model, whether it is a person
ABOUT_ME = re.compile(
    r"你(们)?(是|由)?(谁|哪(家|个|些)[^，。？?]{0,4})[^，。？?]{0,4}(开发|做|研发|训练|制作|出品)的"
    r"|谁(开发|做|训练|制作)(了|的)?你|你们?(背后|后台|底层)?(用|基于|接)?的?(是)?(什么|哪个|哪家|啥)的?(大)?模型"
    r"|你是(不是)?(真人|人工|ai|人工智能|机器人|chatgpt|gpt|deepseek|豆包|文心|通义|kimi)"
    r"|\bwho (made|built|created|developed|trained) you\b|\bwhat (ai )?model (are|is|do) you"
    r"|\bare you (an? )?(ai|bot|robot|human|real person|chatgpt|gpt)\b",
    re.I,
)
CLOSING = re.compile(
    r"^((好的|好|嗯|行|ok|okay|(我们?)?(明白了?|了解了?|知道了|懂了|清楚了)|收到|谢谢(你|您)?|谢(啦|了|咯)"
    r"|没(有)?(别的|其他|其它|什么)?(问题|事|要问的)了?|先这样|就这样|"
    r"|多谢|感谢|"
    r"再见|拜拜|辛苦(了|啦|哈)?|"
    r"thanks?( a lot| so much)?|thank you( very much)?|bye|goodbye|got it|"
    r"great|cool|understood|cheers|see you|3q|thx|tks|ty)[呀啊哇呢啦了吧！!。.~～，, ]*)+$",
    re.I,
)
# words around a question about the document that name nothing ("请问这个是什么时候出台的")
SCAFFOLD = re.compile(
    r"请问|一下|这个|那个|它|是|的|了|吗|呢|啊|呀|吧|上海市?|市里|政府|咱们?|我们?|你们?|想|问|知道"
    r"|\b(the|this|it|is|was|were|please|i|we|you|want|to|know|tell|me)\b|[\W\d_]",
    re.I,
)
# the sections themselves, listed: "各部分的标题", "the section headings"
THE_SECTIONS = re.compile(r"各(个)?部分|几个部分|标题|\b(sections|(section )?headings)\b", re.I)
# a meta pattern only counts when the question is about the document, not a topic in it
DOCUMENT_WORDS = re.compile(r"文件|政策|措施|这份|该文|通知|全文|document|policy|measures", re.I)
SUMMARY = re.compile(
    r"总结|概括|概述|归纳|梳理|主要(讲|说|内容|写)|讲了(些)?(什么|啥)|说了(些)?(什么|啥)|核心内容"
    r"|要点|重点|亮点|\bsummar|\boverview\b|\bmain points\b|\bgist\b|\bin a nutshell\b"
    r"|what is (this|the) (document|policy) about",
    re.I,
)
# how many measures say a topic: "有几条讲体育的", "多少条提到养老"
HOW_MANY_SAY = r"(几|多少)(条|项)(是)?(讲|说|谈|写|提到|说到|讲到|涉及|关于)"
LISTING = re.compile(
    r"哪(几|些)(条(?!件)|项(?!目)|个?措施|政策|文件|规定)|(有|包括)哪些(措施|政策|条款|内容)"
    r"|(措施|政策|条款)(都)?有哪(些|几条)"
    r"|有几条(跟|和|与|关于|是)|(列|数)(一下|出|举)|都有(哪些|什么)(措施|政策)"
    rf"|{HOW_MANY_SAY}"
    r"|(有关|相关|涉及|针对|面向)的[^，。？?]{0,4}?有(些)?(哪些|啥|什么|几条|几项|多少条)(措施|政策|条|内容)?[？?呀啊呢]*$"
    r"|(有关|相关|涉及|针对|面向)的(措施|政策|条款)?(是|在)?(第几条|哪一?条|哪一?项)[？?呀啊呢]*$"
    r"|(涉及|关于|针对|面向|跟|和)[^，。？?]{1,10}的(措施|政策|条款)?有(几|多少)(条|项)[？?呀啊呢]*$"
    r"|(对|给|为)[^，。？?]{1,8}都有(些)?(哪些|啥|什么)(措施|政策|条|内容)?[？?呀啊呢]*$"
    r"|(对|给|为)[^，。？?]{1,8}有(些)?(哪些|啥|什么)新?(措施|政策|举措)[？?呀啊呢]*$"
    r"|\bwhat (does|do|will) (the |this |these )?(policy|measures|document)"
    r" (offer|do|provide|have)\b"
    r"|\b(which|what) (are (the )?|of (the|these) )?(measures|policies|items|articles)\b"
    r"|\blist (the|all|every)"
    r"|\banything (here |in it |in this )?for\b|\bwhat(?:'s| is) (there|in it|in this) for\b"
    r"|有(什么|啥|哪些)(是)?(给|针对|面向)|(有没有|有什么|有啥|有哪些)(是)?[^，。？?]{0,10}(适合|能用|用得上)",
    re.I,
)
# how a listing says what its measures are about: "跟老人有关的", "有几条讲体育的"
LISTED_ABOUT = rf"有关|相关|涉及|跟|关于|给|针对|for|{HOW_MANY_SAY}"
# asking what there is, in force now: "有什么扶持", "有啥相关政策", "what help is there"
WHAT_SERVES = re.compile(
    r"(有|有没有)(什么|啥|哪些)?(相关的?)?(扶持|支持|政策|帮助|好处|措施|优惠)"
    r"|\bwhat\b.*\b(measures|policies|support|help)\b|\bany(thing)? (support|help)\b",
    re.I,
)
# a section of the document by its number: 第二部分, 第2部分, part 2
SECTION = re.compile(
    r"第\s*([一二三四五六七八九十\d]+)\s*(?:部分|板块|大部分)|\bpart\s+(\d+)\b", re.I
)
# aspects of a benefit the document leaves open: they shape an answer, never refuse one
ASPECTS: dict[str, re.Pattern[str]] = {
    "amount": re.compile(
        r"(补贴|资助|奖励|扶持|支持|补助|奖补|给|补|发)[^，。？?]{0,6}(多少|几万|几千|几百|多大)"
        r"|(申请|拿|领)得?到[^，。？?]{0,2}(多少|几万|几千)|(能|可以)(拿|领)(多少|几万|几千)|领多少钱"
        r"|多少[^，。？?]{0,3}(补贴|资助|奖励|补助|资金)|金额|额度|补贴标准|补助标准"
        r"|给钱|发钱|有钱拿|拿钱|有(没有)?补贴|补贴吗|给补贴|发补贴|(什么|哪些|啥)(补贴|奖励|资助)"
        r"|how much (money|support|funding|subsid|grant|is the (support|subsid|grant))"
        r"|how much (can|could|will|would|do|does|might) (i|we|they|you|one|(our|my|the) \w+) "
        r"(get|receive|claim)"
        r"|\bamount\b|subsid",
        re.I,
    ),
    "fee": re.compile(
        r"(?<![到补给发拿领])多少钱|收费|免费|费用|价格|票价|门票|几块钱|贵不贵|贵吗|花钱|要钱|付费|自费"
        r"|(交|掏)钱|交费|缴费|(报名|学|会|手续|服务|培训|挂号)费"
        r"|\b(cost|costs|price|prices|fee|fees|charge|charges|pay|expensive|cheap)\b"
        r"|(?<!-)\bfree\b(?!-)"
        r"|how much (is|are|does|do|will)(?! (i|we|they|you|one|(our|my|the) \w+) (get|receive))",
        re.I,
    ),
    "time": re.compile(
        r"什么时候|啥时候|何时|哪天|几号|几月|哪年|截止|期限|多久|多长时间|几点(开门|关门|结束)?"
        r"|时间表|开到|开放时间|营业时间|闭馆|(周|星期)[一二三四五六日天]"
        r"|opening (hours|times)|\bopen (on|until|till)\b|\bclosed on\b"
        r"|\b(mon|tues|wednes|thurs|fri|satur|sun)days?\b"
        r"|多少天|几天|几个月|多少个工作日"
        r"|还会继续|到期|有效期|\bwhen\b|deadline|how long|what time|until when|start date",
        re.I,
    ),
    "apply": re.compile(
        r"(怎么|如何|怎样|去哪|在哪|到哪)[^，。？?]{0,4}(申请|办理|报名|申报|参加|加入|预约|登记|领)"
        r"|找谁|找哪个部门|哪个部门|流程|手续|材料|报名|申报|咨询电话|电话|网址|入口|窗口"
        r"|名额|(怎么|能不能|好)抢|抢得到|抢不到|摇号|抽签|(好|难)(不(好|难))?报(?!道|告)"
        r"|how (do|can|could|should) (i|we) (apply|get|join|sign up|register)"
        r"|how to (apply|get|join)|where (do|can|could|should) (i|we)"
        r"|\bapply\b|application|sign up|register",
        re.I,
    ),
    "where": re.compile(
        r"哪家|哪几家|哪些(医院|酒店|商场|机构|学校|景区|店|平台|银行|公司|企业|地方|场馆)"
        r"|(在|去)?哪(里|儿)?(能|可以|有)?(做|办|买|看|下载|找|玩|吃|用)|哪里有|地址|名单"
        r"|\bwhich (hospital|hotel|bank|shop|store|company|companies|place|places|venue)s?\b"
        r"|\bwhere (is|are|can)\b",
        re.I,
    ),
    "rule": re.compile(
        r"强制|必须|一定要|硬性|罚款|处罚|会不会罚|罚不罚"
        r"|mandatory|compulsory|obligatory|\bmust\b|required to|penalt|\bfined?\b",
        re.I,
    ),
    "eligibility": re.compile(
        r"(申请|申报|享受|报名)?条件|资格|资质|(什么|哪些|啥)(证书|证照|执照)|门槛|符合|够格|谁(能|可以)|哪些人(能|可以)"
        r"|什么(人|样的企业)(能|可以)|外地[^，。？?]{0,6}(能|可以)|能不能(申请|享受|报名|参加)"
        r"|可以(申请|享受)吗|算不算|适用|eligib|qualif|who can|am i allowed|requirement",
        re.I,
    ),
}
YES_NO = re.compile(
    r"(吗|(?<!什)么|嘛)[？?。！!]*$|是不是|有没有|有木有|有冇|能不能|会不会|可不可以|对不对|是否"
    r"|行不行|能否"
    r"|^(is|are|do|does|did|can|could|will|would|should|has|have)\b",
    re.I,
)
# the words that put what was heard up to be confirmed
CONFIRMING_WORDS = (
    r"对吧|对不对|对吗|是吧|是吗|了吧|的吧|是这样吗|是不是真的|没错吧|是真的吗|真的吗|听说|据说|我看到|网上说"
    r"|有人说|说是"
)
# asking to confirm what the asker has heard: the part before is a claim about the text
CONFIRMING = re.compile(
    rf"{CONFIRMING_WORDS}|(?<!怎么)确认一?下|核实一?下|(那|也)?就是说|(文件|政策|新政|措施|通知)(里|上)?(说|写着?|规定)(了)?"
    r"(?!了?(些|哪些)?(什么|啥|多少))"
    r"|\bright\?|is it true|i heard|i read|correct\?|isn't it|aren't they",
    re.I,
)
# follow-ups about the answer just given, not about a topic of their own
WHICH = re.compile(
    r"第几条|哪一条|哪条|哪个条款|哪一项|哪项|出自哪|哪里(写|说|规定)的|哪个措施|编号"
    r"|which (measure|article|item|one)|what (measure|article|number)",
    re.I,
)
STEP = re.compile(
    r"(下|后|上|前)一(条|项|个措施)|(下|后)面(那|一)条"
    r"|\b(the )?(next|previous) (one|measure|article|item)\b",
    re.I,
)
PICK = re.compile(
    r"第([一二三四五六七八九十\d])个|(头|第)一个|最后(一|那)个|中间(那|的)个?"
    r"|(提到|上面|刚才|列出|你说|里面|其中|这里面|当中)的?第([一二三四五六七八九十\d])(条|项)"
    r"|\b(the )?(first|second|third|fourth|fifth|last|middle)( one)?\b|number (\d)",
    re.I,
)
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "头": 1}
MORE = re.compile(
    r"展开|详细|具体(讲|说|点|些|内容)|多(讲|说)(点|一些|些)|再(说|讲)(说|讲|一下|点)?|细说"
    r"|原文(怎么|是)|tell me more|more (detail|about it|info)|elaborate|expand|go on"
    r"|in detail|full text",
    re.I,
)
ANOTHER = re.compile(
    r"还有(吗|呢|没有|别的|其他|其它|什么)|另外还有|其他(的)?(政策|措施|条)|其它(的)?(政策|措施)"
    r"|别的(政策|措施)|anything else|what else|any other|anything more|more measures|others\?"
    r"|^(any |what )?other (measures|policies|ones)\b",
    re.I,
)
PLAIN = re.compile(
    r"大白话|通俗|简单(点|些|一点)?(说|讲|解释)|(讲|说|解释)得?(简单|通俗)|简单(点|些)"
    r"|说人话|听不懂|看不懂|不太懂|没看懂|啥意思|什么意思"
    r"|[^，。？?\s]{0,6}(也|都)(能|可以)?(听|看)得?懂(的|那种)?"
    r"|explain (it )?(simply|in simple)|simple (terms|words|english)|plain (english|words|language)"
    r"|eli5|simpler|layman",
    re.I,
)
# asking for the answer in a language: "Chinese menus" or "英文标识" asks for nothing
LANGUAGE = {
    "en": re.compile(
        r"(用|说|讲|翻译成|换成|改成)(英文|英语)|(英文|英语)(说|讲|回答|版)"
        r"|(answer|reply|respond|say|explain|write|tell me|put)[^.?!]{0,20}\bin english"
        r"|^in english|in english,? please|english please|translate[^.]{0,30}english"
        r"|^english\W*$",
        re.I,
    ),
    "zh": re.compile(
        r"(用|说|讲|翻译成|换成|改成)(中文|汉语|普通话)|(中文|汉语)(说|讲|回答|版)"
        r"|(answer|reply|respond|say|explain|write|tell me|put)[^.?!]{0,20}\bin chinese"
        r"|^in chinese|in chinese,? please|chinese please|translate[^.]{0,30}chinese"
        r"|^(chinese|中文)\W*$",
        re.I,
    ),
}


@dataclass(frozen=True)
class Question:
    raw: str
    text: str  # normalized: simplified Chinese, no control or zero-width characters
    english: bool  # written in English
    measure_reference: int | None  # the measure number it names, as written (may be 20)
    meta: tuple[str, ...]  # facts about the document it asks for; "summary": the whole of it
    # "greeting" | "about_me" | "closing": nothing to look up
    social: str | None = None
    aspects: tuple[str, ...] = ()  # open aspects it asks about: amount, fee, time, apply…
    yes_no: bool = False
    listing: bool = False  # asks which measures serve someone or something
    confirming: bool = False  # asks to confirm something heard ("…对吧？", "I heard …")
    # about the answer just given: which (measure), pick (one of a list), more, another, plain
    follow: str | None = None
    pick: int | None = None  # the position picked: 1-based, -1 the last, 0 the middle one
    language: str | None = None  # "en" | "zh": asks for the answer in that language
    elsewhere: str | None = None  # the place other than Shanghai it is set in (core/place.py)
    venue: str | None = None  # a venue or event it names that the documents do not

    @property
    def greeting(self) -> bool:
        return self.social == "greeting"

    @property
    def answer_in_english(self) -> bool:
        return self.language == "en" or (self.language is None and self.english)

    def after(self, earlier: "Question") -> "Question":
        """This question read together with an earlier one, for searching a follow-up."""
        reference = self.measure_reference or earlier.measure_reference
        return dataclasses.replace(
            self, text=f"{earlier.text} {self.text}", measure_reference=reference
        )


@cache
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def clean(text: str) -> str:
    """Control and zero-width characters out, full-width ASCII folded, spaces collapsed."""
    text = ZERO_WIDTH_AND_CONTROL.sub("", text)
    # fold full-width letters and digits, keep full-width CJK punctuation （），。
    text = "".join(
        unicodedata.normalize("NFKC", ch) if ("０" <= ch <= "９" or "Ａ" <= ch <= "ｚ") else ch
        for ch in text
    )
    return re.sub(r"\s+", " ", text).strip()


def to_simplified(text: str) -> str:
    """Traditional → simplified. Text that had traditional characters is converted with
    Taiwan phrases too (智慧財產權 → 知识产权, 軟體 → 软件); text that had none is left
    alone, so mainland wording is never "corrected"."""
    simplified = str(_opencc("t2s").convert(text))
    if simplified == text:
        return text
    return str(_opencc("tw2sp").convert(text))


# Shanghainese as older residents type it, in Mandarin: the model and the word matching
# know Mandarin ("阿拉屋里厢老头子想寻个人陪伊去看毛病，有伐" asks for 陪诊)
SHANGHAINESE = (
    (r"阿拉", "我们"),
    (r"伊拉", "他们"),
    (r"侬", "你"),
    (r"屋里厢", "家里"),
    (r"看毛病", "看病"),
    (r"啥辰光", "什么时候"),
    (r"辰光", "时候"),
    (r"哪能", "怎么"),
    (r"晓得", "知道"),
    (r"欢喜", "喜欢"),
    (r"(?<![寻追])寻(?=[个只人点地方一])", "找"),
    (r"(?<=[陪帮叫让跟搭拨给请同带])伊", "他"),
    (r"伐(?=[？?。！!，,~～]*$)", "吗"),
)


def mandarin(text: str) -> str:
    for said, meant in SHANGHAINESE:
        text = re.sub(said, meant, text)
    return text


def measure_reference(text: str) -> int | None:
    for pattern in REFERENCE_PATTERNS:
        match = pattern.search(text)
        if match:
            try:
                return chinese_to_int(match.group(1))
            except ValueError:
                continue
    return None


def without_aspects(text: str) -> str:
    """The question with what it asks about an open aspect taken out: "助浴上门一次多少钱，
    政府有补贴吗" is about 助浴. Those words are what most resembles the questions the
    document leaves open, so they must not decide the topic."""
    for name in ("fee", *ASPECTS):  # 多少钱 whole, before 补贴多少 leaves 钱 behind
        text = ASPECTS[name].sub(" ", text)
    # and who is asked: "政府能 钱" says nothing of the topic
    text = re.sub(
        r"(政府|国家|市里|有关部门)(会|能|可以|给|有)*|能不能|会不会|补贴|补助|资助|奖补|多少",
        " ",
        text,
    )
    return re.sub(r"\s+", " ", text).strip()


def is_english(text: str) -> bool:
    return len(LATIN.findall(text)) > 2 * len(CJK.findall(text)) and bool(LATIN.search(text))


def meta_kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(kind for kind, pattern in META_PATTERNS.items() if pattern.search(text))
    if not kinds or DOCUMENT_WORDS.search(text):
        return kinds
    if len(kinds) == 1 and not own_subject(text, META_PATTERNS[kinds[0]]):
        return kinds  # "什么时候发布的？", "一共多少条": the document is understood
    if kinds == ("issuers",) and not own_subject(BODIES.sub("", text), META_PATTERNS["issuers"]):
        return kinds  # "发文单位里有没有市体育局？": the bodies named are what it asks about
    return ()


# public bodies and the words that ask whether they are among the issuers
BODIES = re.compile(
    r"(市|区)?[\u4e00-\u9fff]{1,6}?(局|委员会|委|办公室|办|厅|部)|有没有|包括|包含|里|和|及|与"
)


def own_subject(text: str, asked: re.Pattern[str]) -> bool:
    """Whether a question names something of its own beside what it asks: "理疗的团体标准
    什么时候出台" asks about the standard, not about the document."""
    rest = SCAFFOLD.sub("", asked.sub("", text))
    return len(CJK.findall(rest)) + 2 * len(re.findall(r"[a-z]{3,}", rest, re.I)) > 3


def social_kind(text: str) -> str | None:
    """A hello or a thanks, with or without emoji ("👌 多谢", "谢谢🙏"); a thumbs-up alone
    is a thanks too."""
    words = "".join(ch for ch in text if not unicodedata.category(ch).startswith("S"))
    words = words.replace("\ufe0f", "").strip()
    if not words:
        return "closing" if words != text.strip() else None
    if GREETING.match(words):
        return "greeting"
    if ABOUT_ME.search(words):
        return "about_me"
    return "closing" if CLOSING.match(words) else None


def follow_up(text: str) -> tuple[str | None, int | None]:
    """What a message asks about the answer just given, and which item it picks; "step"
    moves from the measure just given to the next (1) or the one before (-1)."""
    stepped = STEP.search(text)
    if stepped:
        return "step", -1 if re.search(r"上|前|previous|before", stepped.group(0), re.I) else 1
    picked = PICK.search(text)
    if picked:
        said = picked.group(0).lower()
        digits = "一二三四五六七八九十0123456789"
        numeral = next((g for g in picked.groups() if g and g[0] in digits), "")
        word = next((w for w in ORDINALS if w in said), None)
        if "最后" in said or "last" in said:
            position = -1
        elif "中间" in said or "middle" in said:
            position = 0
        elif word is not None:
            position = ORDINALS[word]
        else:
            position = chinese_to_int(numeral) if numeral else 1
        return "pick", position
    for name, pattern in (("which", WHICH), ("plain", PLAIN), ("another", ANOTHER), ("more", MORE)):
        if pattern.search(text):
            return name, None
    return None, None


def understand(raw: str) -> Question:
    text = mandarin(to_simplified(clean(raw)))
    reference = measure_reference(text)
    meta = meta_kinds(text)
    listing = bool(LISTING.search(text))
    if listing and meta == ("count",) and re.search(LISTED_ABOUT, text):
        meta = ()  # "跟老人有关的政策一共有哪几条" lists, it does not count the document
    if meta == ("count",) and SECTION.search(text):
        meta = ()  # "第二部分一共有几条": that section's measures
    about_whole = SUMMARY.search(text) and DOCUMENT_WORDS.search(text)
    # "总结一下，列出各部分的标题": the sections listed are the summary, not one section's
    listing_sections = listing and THE_SECTIONS.search(text) and not SECTION.search(text)
    if not meta and reference is None and (not listing or listing_sections) and about_whole:
        meta = ("summary",)
    social = social_kind(text)
    follow, pick = follow_up(text)
    if follow == "pick":
        reference = None  # "提到的第一条" picks from the list just given, not measure (一)
    language = next((code for code, pattern in LANGUAGE.items() if pattern.search(text)), None)
    return Question(
        raw=raw,
        text=text,
        english=is_english(text),
        measure_reference=reference,
        meta=meta,
        social=social,
        aspects=tuple(name for name, pattern in ASPECTS.items() if pattern.search(text)),
        yes_no=bool(YES_NO.search(text)),
        listing=listing,
        confirming=bool(CONFIRMING.search(text)),
        follow=follow,
        pick=pick,
        language=language,
    )
