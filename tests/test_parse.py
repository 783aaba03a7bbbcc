"""The parser on the real text and on a made-up policy of another shape."""

import pytest

from ingest.parse import parse
from ingest.source import Policy


def test_real_document_has_four_sections_and_sixteen_measures(policy: Policy) -> None:
    document = policy.document
    assert [s.heading for s in document.sections] == [
        "一、丰富高品质服务消费新供给",
        "二、品牌创新激发服务消费新动能",
        "三、深化联动打造融合消费新场景",
        "四、优化环境激发服务消费新增量",
    ]
    assert [m.number for m in document.measures] == list(range(1, 17))
    assert document.measures[5].label == "（六）"
    assert document.measures[5].title == "提升家政和银发服务消费品质"
    assert document.measures[11].title == "加快创新“知识产权（IP）+”新模式"
    assert [m.section.number for m in document.measures if m.section] == (
        [1] * 7 + [2] * 3 + [3] * 4 + [4] * 2
    )


@pytest.mark.parametrize(
    "joined",
    [
        "推进高质量户外运动目的地建设",
        "养老服务领域",
        "等要求",
        "数字技术与绿色低碳技术",
        "生活内容平台",
    ],
)
def test_page_breaks_are_joined(policy: Policy, joined: str) -> None:
    assert sum(joined in m.text for m in policy.document.measures) == 1


def test_offsets_point_into_the_normalized_text(policy: Policy) -> None:
    text = policy.document.text
    for measure in policy.document.measures:
        assert text[measure.start : measure.end] == measure.text
        for sentence in measure.sentences:
            assert text[sentence.start : sentence.end] == sentence.text


def test_front_matter_is_metadata_not_a_measure(policy: Policy) -> None:
    document = policy.document
    assert document.issue_date == "2025年12月25日" == policy.issue_date
    assert document.issuers == policy.issuers
    assert len(policy.issuers) == 16
    assert document.release_note == "此件主动公开发布"
    assert not any("现印发给你们" in m.text for m in document.measures)


def test_introduction_and_closing_are_their_own_passages(policy: Policy) -> None:
    kinds = {p.kind: p for p in policy.document.passages}
    assert kinds["intro"].text.startswith("服务消费是促进民生改善的重要支撑")
    assert kinds["closing"].text.startswith("各有关部门和单位要积极推动各项工作任务落实落细")
    assert "各有关部门" not in policy.document.measures[-1].text


MADE_UP = """
关于促进本市夜间经济发展的实施办法

为繁荣夜间消费，制定本办法。

第一章　总则

第一条　为了规范夜间经济活动，促进消费，根据有关规定，结合本市实际，制定本办法。

第二条　本办法适用于本市行政区域内的夜间经济活动。各区应当

加强组织领导。

第二章　支持措施

第三条　支持商圈延长营业时间。

第四条　鼓励开设夜间市集，丰富夜间消费供给。对符合条件的市集给予场地支持。

第五条　本办法自2026年1月1日起施行。
"""


def test_a_made_up_policy_with_chapters_and_articles() -> None:
    document = parse(MADE_UP)
    assert document.title == "关于促进本市夜间经济发展的实施办法"
    assert [s.heading for s in document.sections] == ["第一章总则", "第二章支持措施"]
    assert [m.label for m in document.measures] == [
        "第一条",
        "第二条",
        "第三条",
        "第四条",
        "第五条",
    ]
    assert "各区应当加强组织领导。" in document.measures[1].text
    assert document.measures[2].title == "支持商圈延长营业时间"
    assert document.measures[3].section is not None
    assert document.measures[3].section.title == "支持措施"
    assert [s.text for s in document.measures[3].sentences] == ["对符合条件的市集给予场地支持。"]
    assert document.passages[0].kind == "intro"


def test_a_made_up_policy_with_bracketed_items_restarting_per_section() -> None:
    text = (
        "一、总体要求\n\n（一）目标。到2027年建成。\n\n二、重点任务\n\n"
        "（一）扩大供给。增加场地。\n\n（二）优化服务。提升效率。\n\n请认真执行。"
    )
    document = parse(text)
    assert [m.number for m in document.measures] == [1, 2, 3]
    assert [m.label for m in document.measures] == ["（一）", "（一）", "（二）"]
    assert document.measures[2].section is not None
    assert document.measures[2].section.number == 2
    assert document.passages[-1].kind == "closing"
