"""The parser on small made-up texts: one for each numbering family, one for each edge a
real text brings (covering notice, adoption note, full-width spaces, page breaks), and
texts whose own numbering is broken."""

import pytest

from ingest.parse import Document, ParseError, parse


def text(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


def labels(document: Document) -> list[str]:
    return [m.label for m in document.measures]


# the families


def test_chapters_articles_and_items_inside_an_article() -> None:
    document = parse(
        text(
            "上海市促进夜间经济条例",
            "第一章 总则",
            "第一条 为了繁荣夜间经济，制定本条例。",
            "第二章 支持措施",
            "第二条 本市对下列活动给予支持：",
            "（一）夜间市集；",
            "（二）深夜食堂。",
            "前款活动由商务部门组织。",
            "第三条 本条例自2026年1月1日起施行。",
        )
    )
    assert labels(document) == ["第一条", "第二条", "第三条"]
    assert [s.heading for s in document.sections] == ["第一章总则", "第二章支持措施"]
    article = document.measures[1]
    assert article.text.split("\n\n") == [
        "第二条本市对下列活动给予支持：",
        "（一）夜间市集；",
        "（二）深夜食堂。",
        "前款活动由商务部门组织。",
    ]
    assert [s.text for s in article.sentences][-1] == "前款活动由商务部门组织。"
    assert article.section is not None and article.section.label == "第二章"


def test_articles_without_chapters() -> None:
    document = parse(
        text(
            "上海市某某规定", "第一条 为了规范管理，制定本规定。", "第二条 本规定自发布之日起施行。"
        )
    )
    assert labels(document) == ["第一条", "第二条"]
    assert document.sections == ()
    assert document.measures[1].title == "本规定自发布之日起施行"


def test_sections_with_bracketed_measures_and_arabic_items_inside_them() -> None:
    document = parse(
        text(
            "关于促进消费的若干措施",
            "一、扩大供给",
            "（一）发展夜间经济。支持以下场景：",
            "1.夜间市集；",
            "2.深夜食堂。",
            "（二）提升服务品质。推进标准化。",
            "二、优化环境",
            "（三）改善消费环境。加强监管。",
        )
    )
    assert labels(document) == ["（一）", "（二）", "（三）"]
    assert document.measures[0].text.endswith("1.夜间市集；\n\n2.深夜食堂。")
    assert [s.title for s in document.sections] == ["扩大供给", "优化环境"]


def test_sections_with_arabic_measures_under_bracketed_sub_headings() -> None:
    document = parse(
        text(
            "上海市某某行动方案",
            "一、总体目标",
            "到2028年，建成国际消费中心城市。",
            "二、重点任务",
            "（一）扩大供给",
            "1.发展夜间经济。支持夜间市集。",
            "2.提升服务品质。推进标准化。",
            "（二）优化环境",
            "3.改善消费环境。加强监管。",
            "三、保障措施",
            "4.加强组织领导。建立工作机制。",
        )
    )
    assert labels(document) == ["1.", "2.", "3.", "4."]
    assert [m.section.number if m.section else None for m in document.measures] == [2, 2, 2, 3]
    subheadings = [m.subsection.heading if m.subsection else None for m in document.measures]
    assert subheadings == ["（一）扩大供给", "（一）扩大供给", "（二）优化环境", None]
    goals = next(p for p in document.passages if p.kind == "section")
    assert goals.text == "到2028年，建成国际消费中心城市。"


def test_a_paragraph_after_the_last_measure_is_the_closing() -> None:
    document = parse(text("一、任务", "1.扩大供给。增加场地。", "各区要抓好落实。"))
    assert document.measures[-1].text == "1.扩大供给。增加场地。"
    assert [(p.kind, p.text) for p in document.passages] == [("closing", "各区要抓好落实。")]


# what stands before the text


NOTICE = (
    "上海市人民政府办公厅关于印发《上海市夜间经济行动方案》的通知",
    "沪府办发〔2025〕7号",
    "各区人民政府，市政府各委、办、局：",
    "《上海市夜间经济行动方案》已经市政府同意，现印发给你们，请认真按照执行。",
    "上海市人民政府办公厅",
    "二〇二五年十二月三十一日",
    "（此件公开发布）",
)


def test_a_covering_notice_is_front_matter_and_its_title_is_not_the_documents() -> None:
    document = parse(
        text(*NOTICE, "上海市夜间经济行动方案", "一、重点任务", "1.发展夜间市集。支持夜市。")
    )
    assert document.title == "上海市夜间经济行动方案"
    assert document.notice_title == NOTICE[0]
    assert document.doc_number == "沪府办发〔2025〕7号"
    assert document.issuers == ("上海市人民政府办公厅",)
    assert document.issue_date == "2025年12月31日"
    assert document.release_note == "此件公开发布"
    assert document.passages == ()


def test_a_doc_number_at_the_end_of_the_notice_title_is_found() -> None:
    notice = "上海市商务委员会关于印发《夜间经济办法》的通知（沪商规〔2024〕3号）"
    document = parse(text(notice, "夜间经济办法", "第一条 为了繁荣夜间经济，制定本办法。"))
    assert document.doc_number == "沪商规〔2024〕3号"
    assert document.title == "夜间经济办法"


def test_a_doc_number_quoted_in_the_text_is_not_the_documents() -> None:
    document = parse(text("某某办法", "第一条 根据《某某通知》（国办发〔2024〕1号），制定本办法。"))
    assert document.doc_number is None


def test_an_adoption_and_amendment_note_is_metadata() -> None:
    document = parse(
        text(
            "上海市某某条例",
            "（2020年4月10日上海市第十五届人民代表大会常务委员会第二十次会议通过",
            "根据2022年10月28日上海市第十五届人民代表大会常务委员会第四十六次会议"
            "《关于修改〈上海市某某条例〉的决定》修正）",
            "第一条 为了规范管理，制定本条例。",
        )
    )
    assert document.adoption_note is not None
    assert document.adoption_note.endswith("的决定》修正）")
    assert document.issue_date == "2020年4月10日"
    assert document.issuers == ("上海市第十五届人民代表大会常务委员会",)
    assert document.passages == ()
    assert document.measures[0].text == "第一条为了规范管理，制定本条例。"


def test_a_one_line_adoption_note_in_brackets() -> None:
    document = parse(
        text(
            "上海市某某办法",
            "（2021年3月1日上海市人民政府第一百次常务会议通过 2023年5月2日修正）",
            "第一条 为了规范管理，制定本办法。",
        )
    )
    assert document.issuers == ("上海市人民政府",)
    assert document.issue_date == "2021年3月1日"


def test_a_notices_attachment_line_naming_the_document_is_not_its_title() -> None:
    document = parse(
        text(
            "上海市商务委员会关于印发《夜间经济方案》的通知",
            "各区商务主管部门：",
            "现将《夜间经济方案》印发给你们，请认真执行。",
            "附件：夜间经济方案",
            "上海市商务委员会",
            "2025年3月1日",
            "夜间经济方案",
            "为繁荣夜间经济，制定本方案。",
            "一、重点任务",
            "（一）发展夜间市集。支持夜市。",
        )
    )
    assert document.title == "夜间经济方案"
    assert document.issuers == ("上海市商务委员会",)
    assert [p.text for p in document.passages] == ["为繁荣夜间经济，制定本方案。"]


def test_a_table_of_contents_is_skipped() -> None:
    document = parse(
        text(
            "上海市某某条例",
            "目　录",
            "第一章　总则",
            "第二章　附则",
            "第一章　总则",
            "第一条　为了规范管理，制定本条例。",
            "第二章　附则",
            "第二条　本条例自发布之日起施行。",
        )
    )
    assert [s.heading for s in document.sections] == ["第一章总则", "第二章附则"]
    assert labels(document) == ["第一条", "第二条"]
    assert document.passages == ()


def test_an_articles_bracketed_subject_is_its_title() -> None:
    document = parse(
        text("上海市某某办法", "第一条（目的和依据）", "为了规范管理，根据有关法律，制定本办法。")
    )
    article = document.measures[0]
    assert article.title == "目的和依据"
    assert [s.text for s in article.sentences] == ["为了规范管理，根据有关法律，制定本办法。"]


def test_parts_above_sections_are_the_sections() -> None:
    document = parse(
        text(
            "第一部分　总体要求",
            "一、指导思想。坚持问题导向。",
            "第二部分　重点任务",
            "二、扩大供给。增加场地。",
        )
    )
    assert [s.heading for s in document.sections] == ["第一部分总体要求", "第二部分重点任务"]
    assert labels(document) == ["一、", "二、"]


def test_a_signature_under_the_text_gives_issuer_and_date() -> None:
    document = parse(
        text(
            "关于做好夜间经济工作的通知",
            "一、加强领导。建立机制。",
            "二、抓好落实。按时报送。",
            "上海市商务委员会",
            "2025年6月1日",
        )
    )
    assert document.title == "关于做好夜间经济工作的通知"
    assert document.issuers == ("上海市商务委员会",)
    assert document.issue_date == "2025年6月1日"
    assert document.measures[-1].text == "二、抓好落实。按时报送。"
    assert document.passages == ()


def test_a_document_that_is_its_own_notice() -> None:
    document = parse(
        text(
            "上海市人民政府关于推进夜间经济的若干意见",
            "沪府发〔2024〕9号",
            "各区人民政府，市政府各委、办、局：",
            "为推进夜间经济，现提出如下意见：",
            "一、加强领导。建立机制。",
            "上海市人民政府",
            "2024年3月1日",
            "（此件公开发布）",
        )
    )
    assert document.doc_number == "沪府发〔2024〕9号"
    assert [p.text for p in document.passages] == ["为推进夜间经济，现提出如下意见："]
    assert (document.issuers, document.issue_date) == (("上海市人民政府",), "2024年3月1日")
    assert document.release_note == "此件公开发布"


def test_attachments_after_the_text_are_kept_whole_and_not_parsed() -> None:
    document = parse(
        text(
            "某某方案",
            "一、重点任务",
            "1.发展夜市。支持。",
            "2.提升品质。推进。",
            "附件：重点商圈名单",
            "1.南京路",
            "2.淮海路",
        )
    )
    assert labels(document) == ["1.", "2."]
    assert document.appendix == "附件：重点商圈名单\n\n1.南京路\n\n2.淮海路"
    assert document.measures[-1].text == "2.提升品质。推进。"


def test_a_date_in_brackets_under_the_title_is_metadata() -> None:
    document = parse(text("某某规定", "（2024年5月6日）", "第一条 为了规范管理，制定本规定。"))
    assert document.issue_date == "2024年5月6日"
    assert document.passages == ()


def test_an_introduction_that_opens_with_a_date_is_text_not_an_adoption_note() -> None:
    intro = "2024年1月1日起施行的《某某条例》要求加强管理，为此制定本方案。"
    document = parse(text("某某方案", intro, "一、加强领导。建立机制。"))
    assert document.adoption_note is None
    assert [p.text for p in document.passages] == [intro]


def test_a_notice_about_a_named_law_is_no_covering_notice() -> None:
    title = "关于贯彻落实《上海市某某条例》的通知"
    document = parse(text(title, "一、加强领导。建立机制。"))
    assert (document.title, document.notice_title) == (title, None)


# spacing and page breaks


def test_full_width_spaces_anywhere_are_dropped() -> None:
    document = parse(
        text(
            "上海市某某　规定",
            "第一章　总　则",
            "第　一　条　为了规范管理，　制定本规定。",
            "第二条　本规定适用于　AI　platform。",
        )
    )
    assert document.title == "上海市某某规定"
    assert document.sections[0].heading == "第一章总则"
    assert labels(document) == ["第一条", "第二条"]
    assert document.measures[0].title == "为了规范管理，制定本规定"
    assert document.measures[1].title == "本规定适用于AI platform"


def test_a_page_break_inside_an_article_is_joined() -> None:
    document = parse(
        text(
            "某某规定",
            "第一条 本市支持发展夜间经济，各区应当加强",
            "组织领导。",
            "第二条 对下列活动给予支持：",
            "（一）夜间",
            "市集；",
            "（二）深夜食堂。",
        )
    )
    assert document.measures[0].text == "第一条本市支持发展夜间经济，各区应当加强组织领导。"
    assert document.measures[1].text.endswith("（一）夜间市集；\n\n（二）深夜食堂。")


def test_a_page_break_never_joins_across_a_heading() -> None:
    document = parse(text("某某方案", "一、重点任务", "（一）扩大供给", "1.发展夜间经济。支持。"))
    assert document.sections[0].heading == "一、重点任务"
    assert document.measures[0].subsection is not None
    assert document.measures[0].subsection.heading == "（一）扩大供给"


def test_paragraphs_one_per_line_without_blank_lines() -> None:
    document = parse(
        "某某规定\n第一条 为了规范管理，\n制定本规定。\n第二条 本规定自发布之日起施行。\n"
    )
    assert labels(document) == ["第一条", "第二条"]
    assert document.measures[0].text == "第一条为了规范管理，制定本规定。"


# broken numbering is reported, never parsed silently


def test_a_skipped_article_is_reported_with_its_place() -> None:
    with pytest.raises(ParseError) as raised:
        parse(
            text(
                "某某条例",
                "第一章 总则",
                "第一条 为了规范管理，制定本条例。",
                "第二条 本条例适用于本市。",
                "第四条 本条例自发布之日起施行。",
            )
        )
    assert raised.value.problems == (
        "第三条 is missing (in 第一章总则): 第四条「本条例自发布之日起施行。」 follows 第二条",
    )
    assert isinstance(raised.value, ValueError)
    assert len(raised.value.document.measures) == 3


def test_a_repeated_measure_is_reported_with_its_place() -> None:
    with pytest.raises(ParseError) as raised:
        parse(
            text(
                "某某措施",
                "一、扩大供给",
                "（一）发展夜间经济。支持夜市。",
                "（二）提升服务品质。推进标准化。",
                "（二）改善消费环境。加强监管。",
            )
        )
    assert raised.value.problems == (
        "（二） comes twice (in 一、扩大供给): （二）「改善消费环境。加强监管。」 repeats （二）",
    )


def test_a_skipped_arabic_measure_under_a_sub_heading_is_reported() -> None:
    with pytest.raises(ParseError, match=r"3\. is missing \(in （一）扩大供给\): 4\."):
        parse(
            text(
                "一、重点任务",
                "（一）扩大供给",
                "1.发展夜市。支持。",
                "2.提升品质。推进。",
                "4.改善环境。监管。",
            )
        )


def test_numbering_that_restarts_in_one_section_but_runs_on_in_another_is_reported() -> None:
    with pytest.raises(ParseError, match=r"（一）.*follows （二）: expected （三）"):
        parse(
            text(
                "一、扩大供给",
                "（一）发展夜市。支持。",
                "二、优化环境",
                "（二）改善环境。监管。",
                "三、保障措施",
                "（一）加强领导。落实。",
            )
        )


def test_a_skipped_section_is_reported() -> None:
    with pytest.raises(ParseError, match="二、 is missing"):
        parse(
            text("一、扩大供给", "（一）发展夜市。支持。", "三、保障措施", "（二）加强领导。落实。")
        )


def test_a_skipped_item_inside_an_article_is_reported() -> None:
    with pytest.raises(ParseError, match=r"（二） is missing \(in 第一条\)"):
        parse(text("第一条 支持下列活动：", "（一）夜间市集；", "（三）深夜食堂。"))


def test_items_may_start_again_in_a_later_paragraph_of_an_article() -> None:
    document = parse(
        text(
            "第一条 支持下列活动：",
            "（一）夜间市集；",
            "（二）深夜食堂。",
            "禁止下列行为：",
            "（一）占道经营；",
            "（二）噪声扰民。",
        )
    )
    assert labels(document) == ["第一条"]


def test_a_text_with_no_numbering_is_reported() -> None:
    with pytest.raises(ParseError, match="no measures found"):
        parse(text("某某通知", "请各单位认真执行。"))


def test_a_page_break_before_a_reference_to_an_article_is_reported_not_parsed() -> None:
    with pytest.raises(ParseError) as raised:
        parse(
            text(
                "第一条 为了规范管理，制定本条例。",
                "第二条 本市支持夜间经济。",
                "第三条 违反本条例",
                "第一条规定的，责令改正。",
                "第四条 本条例自发布之日起施行。",
            )
        )
    # one problem, at the false article; 第四条 is still held to 第三条
    assert raised.value.problems == (
        "第一条「规定的，责令改正。」 follows 第三条: expected 第四条",
    )
