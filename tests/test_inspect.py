"""`inspect`: what someone adding a document reads before ingesting it."""

import json
from pathlib import Path

import pytest

from ingest.inspect import inspect, main
from ingest.source import DATA_DIR

REAL = Path(__file__).parent / "fixtures" / "real"
LEASE = REAL / "sh_lease_business_services_2026_2028.txt"


def test_inspect_reports_the_lease_plan() -> None:
    report = inspect(LEASE)
    assert report["title"].startswith("上海市促进租赁和商务服务业")
    assert (report["issuer"], report["date"], report["doc_number"]) == (
        "上海市人民政府办公厅",
        "2025-12-31",
        None,
    )
    assert [s["label"] for s in report["sections"]] == [
        "一、",
        "二、",
        "三、",
        "四、",
        "五、",
        "六、",
    ]
    assert len(report["measures"]) == 28
    assert report["measures"][7] == {
        "number": 8,
        "label": "8.",
        "title": "打造黄浦江两岸滨江国际商务服务集聚带",
        "section": 3,
        "subsection": {
            "number": 1,
            "label": "（一）",
            "title": "全力打造业态复合、要素聚集的融合型商务空间",
        },
    }
    assert report["problems"] == []


@pytest.mark.parametrize(
    ("path", "sections", "measures"),
    [
        (REAL / "sh_pudong_ip_protection_2021.txt", 0, 16),
        (LEASE, 6, 28),
        (REAL / "sh_elderly_rights_regulation_2016.txt", 9, 64),
        (DATA_DIR / "shanghai-service-consumption-measures-2025.txt", 4, 16),
    ],
)
def test_inspect_counts_match_the_hand_counts(path: Path, sections: int, measures: int) -> None:
    report = inspect(path)
    assert (len(report["sections"]), len(report["measures"])) == (sections, measures)
    assert [m["number"] for m in report["measures"]] == list(range(1, measures + 1))


def test_inspect_finds_the_bundled_title_without_being_told() -> None:
    report = inspect(DATA_DIR / "shanghai-service-consumption-measures-2025.txt")
    assert report["title"] == "关于进一步扩大上海服务消费的若干措施"
    assert report["date"] == "2025-12-25"
    assert len(report["issuers"]) == 16
    assert report["measures"][5]["title"] == "提升家政和银发服务消费品质"


def test_inspect_shows_a_broken_text_with_its_problems(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_text("某某规定\n\n第一条 为了规范管理。\n\n第三条 自发布之日起施行。\n", "utf-8")
    report = inspect(path)
    assert [m["label"] for m in report["measures"]] == ["第一条", "第三条"]
    assert report["problems"] == ["第二条 is missing: 第三条「自发布之日起施行。」 follows 第一条"]


def test_the_command_prints_json_and_fails_on_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(LEASE)]) == 0
    printed = capsys.readouterr().out
    assert "“产业聚集" in printed  # ensure_ascii=False: the Chinese is readable
    assert json.loads(printed)["measures"][-1]["label"] == "28."
    broken = tmp_path / "broken.txt"
    broken.write_text("第一条 为了规范管理。\n\n第一条 自发布之日起施行。\n", "utf-8")
    assert main([str(broken)]) == 1


def test_the_command_says_what_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "missing.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err
