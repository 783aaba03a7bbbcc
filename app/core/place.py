"""Whether a question is set somewhere other than Shanghai: "北京的市民夜校怎么报名" asks
about Beijing's night schools, which no Shanghai measure answers however well the words
match. A place counts only where the text sets the question there or takes someone there
("去日本玩"); where someone comes
from ("从北京来", "我们是深圳的公司"), a kind of food ("四川菜", "日本拉面"), a Shanghai
street (南京路, 四川北路, 苏州河) and a question that names Shanghai as well ("北京有市民
夜校，上海也有吗") are about Shanghai; one that names Shanghai only to compare ("深圳的补贴
听说比上海多") is not. The names are data: ingest/data/places.txt."""

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

PLACES_FILE = Path(__file__).resolve().parents[2] / "ingest" / "data" / "places.txt"

# where the question is set: "北京的…", "深圳出台…", "那杭州呢", "在广州", "in Hangzhou"
SET_AFTER = (
    r"(最近|今年|现在|目前|近期|去年|新)?"
    r"((的(?!(人|朋友|亲戚|客户|客人|游客|家人|同事|老乡|企业|公司|品牌|团队)))"
    r"|市(?!场|民)|省|那边|这边|那儿|那里|当地|本地|地区|也|有没有|有(?!人|家)|对(?!面)|出台|发布"
    r"|推出|发的|发了|出的|出了|给(?!我)"
    r"|搞|能不能|可以|是否|呢|'s\b"
    r"|\s+(have|has|got|(offer|give|provide|pay|fund|support|subsidi[sz]e)s?)\b)"
)
# or travelled to: "去日本玩", "赴港旅游", "a trip to Tokyo"
SET_BEFORE = r"(在|去|赴)$|\b(in|at|(trip|travel\w*|go|going|fly\w*|holiday|vacation) to)\s+$"
# not a place at all: a street, a river, a dish
NOT_A_PLACE = r"^([东西南北中]?路|大道|步行街|街|河|湾|菜|帮|风味|烤鸭|小吃|拉面|料理|口味|特色)"
# where someone comes from
ORIGIN_BEFORE = r"(从|来自|自|老家|是|我|我们|咱)$|\b(from|of)\s+$|\blives? in\s+$"
ORIGIN_AFTER = r"^(来|过来|人|籍|游客|客人|朋友|亲戚|客户|老乡|-based)"
# Shanghai named only to compare with: "听说比上海给得多", "跟上海比哪个力度大"
COMPARED = (
    r"(比起?|(跟|和|与|同)(?=HOME(比|相比|比较|一样|差不多)))HOME"
    r"|\b(than|compared (to|with)|vs\.?|versus)\s+HOME"
)
# going there from here: "想在新加坡设个分所", "去东京开分店" (a Shanghai firm's move abroad)
EXPANDING = (
    r"^[^，。？?]{0,2}(设|开|建|办|注册|成立|拓展)[^，。？?]{0,4}"
    r"(分所|分店|分公司|分支|办事处|子公司|门店|店)"
)
# coming to the city the bot serves: "深圳的连锁餐厅想入驻国际美食集聚区"
COMING = re.compile(
    r"(?<![未原看后近])来(?![源说自])|入驻|落户|进驻|开到|搬到"
    r"|\b(visit|visiting|come to|coming to|move to)\b"
)


# one venue or event by its name: 上海博物馆, 上海迪士尼, 上海马拉松, "Shanghai Museum". A
# policy names kinds of places (文博场馆, 主题乐园), never one's prices, hours or entry rules
NAMED_VENUE = re.compile(
    r"(上海|浦东|申城)(?:(?![的哪些开设立要搞所各读家这那几个去到在])[\u4e00-\u9fff]){0,3}?"
    r"(博物馆|美术馆|科技馆|天文馆|图书馆|大剧院|歌剧院|音乐厅|乐园|公园|动物园|植物园|海洋馆"
    r"|水族馆|体育场|体育馆|马拉松|大奖赛|电影节|艺术节|书展|车展|迪士尼|度假区)"
    r"|迪士尼|环球影城|乐高乐园|(?<![a-z0-9])f1(?![a-z0-9])|\bdisney\w*|\bnyu shanghai\b"
    r"|\b(shanghai|pudong) (museum|marathon|disney\w*|grand prix|opera house|zoo|library"
    r"|tower|science (and technology )?museum|ocean aquarium|film festival)\b(?!s)",
    re.I,
)


@dataclass(frozen=True)
class Places:
    home: tuple[str, ...]
    other: tuple[str, ...]
    known: str = ""  # the documents' text, lowercased: a venue they name is theirs to answer

    @classmethod
    def load(cls, path: Path = PLACES_FILE) -> "Places":
        home: list[str] = []
        other: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            names, into = (line[5:], home) if line.startswith("home:") else (line, other)
            into.extend(n.strip().lower() for n in names.split("、") if n.strip())
        return cls(tuple(home), tuple(other))

    @cached_property
    def _other(self) -> re.Pattern[str]:
        names = sorted(self.other, key=len, reverse=True)
        return re.compile(r"(?<![a-z])(" + "|".join(map(re.escape, names)) + r")(?![a-z])")

    @cached_property
    def _home(self) -> re.Pattern[str]:
        return re.compile(r"(?<![a-z])(" + "|".join(map(re.escape, self.home)) + r")(?![a-z])")

    @cached_property
    def _compared(self) -> re.Pattern[str]:
        names = "(" + "|".join(map(re.escape, self.home)) + ")"
        return re.compile(COMPARED.replace("HOME", names))

    def venue(self, text: str) -> str | None:
        """The one venue or event the question names that the documents do not."""
        for found in NAMED_VENUE.finditer(text.lower()):
            if found.group(0) not in self.known:
                return text[found.start() : found.end()]
        return None

    def elsewhere(self, text: str) -> str | None:
        """The place other than Shanghai that the question is set in, or None."""
        lowered = text.lower()
        named = self._compared.sub(" ", lowered)  # Shanghai as the measure of comparison
        if self._home.search(named) or COMING.search(lowered):
            return None
        for found in self._other.finditer(lowered):
            before, after = lowered[: found.start()], lowered[found.end() :]
            if re.search(NOT_A_PLACE, after) or re.search(ORIGIN_AFTER, after):
                continue
            if re.search(ORIGIN_BEFORE, before) or re.search(EXPANDING, after):
                continue
            if re.search(SET_BEFORE, before) or re.match(SET_AFTER, after):
                return text[found.start() : found.end()]
        return None
