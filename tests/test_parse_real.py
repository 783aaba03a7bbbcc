"""The parser on three real Shanghai texts, against the structure counted by hand in
tests/fixtures/real/README.md, one for each numbering family the bundled text lacks."""

from pathlib import Path

import pytest

from ingest.headings import spell
from ingest.parse import Document, parse

REAL = Path(__file__).parent / "fixtures" / "real"


@pytest.fixture(scope="module")
def pudong() -> Document:
    return parse((REAL / "sh_pudong_ip_protection_2021.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lease() -> Document:
    return parse((REAL / "sh_lease_business_services_2026_2028.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def elderly() -> Document:
    return parse((REAL / "sh_elderly_rights_regulation_2016.txt").read_text(encoding="utf-8"))


# 上海市浦东新区建立高水平知识产权保护制度若干规定: 16 articles, no chapters


def test_pudong_has_sixteen_articles_and_no_chapters(pudong: Document) -> None:
    assert [m.label for m in pudong.measures] == [spell("article", n) for n in range(1, 17)]
    assert pudong.sections == ()
    assert all(m.section is None for m in pudong.measures)


def test_pudong_title_issuer_and_date_come_from_its_adoption_line(pudong: Document) -> None:
    assert pudong.title == "上海市浦东新区建立高水平知识产权保护制度若干规定"
    assert pudong.issuers == ("上海市第十五届人民代表大会常务委员会",)
    assert pudong.issue_date == "2021年10月28日"
    assert pudong.doc_number is None
    assert pudong.adoption_note == (
        "2021年10月28日上海市第十五届人民代表大会常务委员会第三十六次会议通过"
    )


def test_pudong_adoption_line_is_no_body_text(pudong: Document) -> None:
    assert pudong.passages == ()
    assert not any("会议通过" in m.text for m in pudong.measures)


def test_pudong_first_and_last_articles(pudong: Document) -> None:
    assert pudong.measures[0].text.startswith("第一条为了贯彻落实在浦东新区建立高水平知识产权")
    assert pudong.measures[-1].label == "第十六条"
    assert pudong.measures[-1].title == "本规定自2021年12月1日起施行"


def test_pudong_items_and_later_paragraphs_belong_to_their_article(pudong: Document) -> None:
    article_seven = pudong.measures[6]
    assert article_seven.label == "第七条"
    assert "（五）销售上述产品的。" in article_seven.text
    assert article_seven.text.endswith("并处违法经营额五倍以下的罚款。") or (
        "违反前款规定的" in article_seven.text
    )
    second = pudong.measures[1]
    assert "浦东新区知识产权保护中心建立健全知识产权事务" in second.text


# 上海市促进租赁和商务服务业…三年行动计划: a covering notice, 6 sections, 28 measures 1.–28.


def test_lease_has_twenty_eight_measures_across_six_sections(lease: Document) -> None:
    assert [m.label for m in lease.measures] == [f"{n}." for n in range(1, 29)]
    assert [s.label for s in lease.sections] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    per_section = [sum(m.section is s for m in lease.measures) for s in lease.sections]
    assert per_section == [0, 7, 8, 6, 3, 4]


def test_lease_title_is_the_plans_not_the_notices(lease: Document) -> None:
    plan = "上海市促进租赁和商务服务业“产业聚集、空间聚集、要素聚集”三年行动计划（2026—2028年）"
    assert lease.title == plan
    assert lease.notice_title == f"上海市人民政府办公厅关于印发《{plan}》的通知"
    assert lease.issuers == ("上海市人民政府办公厅",)
    assert lease.issue_date == "2025年12月31日"


def test_lease_doc_number_is_none_because_the_text_does_not_state_it(lease: Document) -> None:
    # the README gives 沪府办发〔2025〕23号 from the web page; the text itself lacks it
    assert "沪府办发" not in lease.text
    assert lease.doc_number is None


def test_lease_notice_is_front_matter(lease: Document) -> None:
    intro = lease.passages[0]
    assert intro.kind == "intro"
    assert intro.text.startswith("为加快租赁和商务服务业优势细分行业向重点区聚集")
    assert not any("现印发给你们" in p.text for p in lease.passages)


def test_lease_eight_sub_headings_are_not_measures(lease: Document) -> None:
    subsections = {m.subsection for m in lease.measures if m.subsection}
    assert len(subsections) == 8
    assert sorted(s.label for s in subsections) == sorted(
        ["（一）", "（二）", "（三）"] * 2 + ["（一）", "（二）"]
    )
    assert not any(m.label.startswith("（") for m in lease.measures)


def test_lease_measures_record_the_sub_heading_they_sit_under(lease: Document) -> None:
    eighth, fifteenth, twenty_second = lease.measures[7], lease.measures[14], lease.measures[21]
    assert eighth.subsection is not None
    assert eighth.subsection.heading == "（一）全力打造业态复合、要素聚集的融合型商务空间"
    assert fifteenth.subsection is not None
    assert fifteenth.subsection.heading == "（三）完善空间载体支持政策"
    assert twenty_second.section is not None and twenty_second.section.label == "五、"
    assert twenty_second.subsection is None


def test_lease_first_and_last_measures(lease: Document) -> None:
    assert (lease.measures[0].label, lease.measures[0].title) == ("1.", "加快建设国际数字广告之都")
    assert (lease.measures[-1].label, lease.measures[-1].title) == ("28.", "促进品牌化国际化发展")


def test_lease_section_without_measures_keeps_its_text(lease: Document) -> None:
    goals = next(p for p in lease.passages if p.kind == "section")
    assert goals.section is not None and goals.section.heading == "一、明确发展目标"
    assert goals.text.startswith("强化各区主体责任")


# 上海市老年人权益保障条例: 9 chapters, 64 articles, items inside articles


def test_elderly_has_sixty_four_articles_in_nine_chapters(elderly: Document) -> None:
    assert [m.label for m in elderly.measures] == [spell("article", n) for n in range(1, 65)]
    assert [s.label for s in elderly.sections] == [spell("chapter", n) for n in range(1, 10)]
    assert elderly.sections[8].heading == "第九章附则"


def test_elderly_items_are_not_measures(elderly: Document) -> None:
    article = elderly.measures[26]
    assert article.label == "第二十七条"
    assert "（四）市和区、县人民政府规定的其他特殊困难人员。" in article.text
    assert not any(m.label.startswith("（") for m in elderly.measures)


def test_elderly_articles_sit_in_their_chapters(elderly: Document) -> None:
    chapter_of = {m.label: m.section.label for m in elderly.measures if m.section}
    assert chapter_of["第十条"] == "第一章"
    assert chapter_of["第十一条"] == "第二章"
    assert chapter_of["第六十四条"] == "第九章"


def test_elderly_title_and_what_the_text_does_not_say(elderly: Document) -> None:
    assert elderly.title == "上海市老年人权益保障条例"
    # the README's issuer and date (上海市人大, 2016-01-29) are not in this text; the
    # dates in article 64 are of the regulation it repeals, not of this one
    assert elderly.issuers == ()
    assert elderly.issue_date is None
    assert elderly.doc_number is None


def test_elderly_first_and_last_articles(elderly: Document) -> None:
    assert elderly.measures[0].title == "为了保障老年人合法权益"
    assert elderly.measures[-1].title == "本条例自2016年5月1日起施行"
