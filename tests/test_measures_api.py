"""The measures: the list, the audience tags behind "我是…", and one measure by its number."""

import json
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from ingest.source import DATA_DIR


def test_measures_lists_all_sixteen_with_audiences(client: TestClient) -> None:
    response = client.get("/v1/measures")
    assert response.status_code == 200
    measures = response.json()["measures"]
    assert [m["measure"] for m in measures] == list(range(1, 17))
    assert measures[5]["label"] == "（六）"
    assert measures[5]["title"] == "提升家政和银发服务消费品质"
    assert all(m["audiences"] for m in measures)


def test_measures_carry_the_audience_vocabulary(client: TestClient) -> None:
    audiences = client.get("/v1/measures").json()["audiences"]
    elderly = next(a for a in audiences if a["id"] == "elderly")
    assert elderly == {
        "id": "elderly",
        "label": "老年人及家属",
        "label_en": "Older people and their families",
    }


def test_audience_filter_keeps_only_measures_serving_it(client: TestClient) -> None:
    response = client.get("/v1/measures", params={"audience": "elderly"})
    assert response.status_code == 200
    measures = response.json()["measures"]
    assert 6 in [m["measure"] for m in measures]
    assert len(measures) < 16
    assert all("elderly" in m["audiences"] for m in measures)


def test_unknown_audience_is_a_404_in_the_error_shape(client: TestClient) -> None:
    response = client.get("/v1/measures", params={"audience": "astronauts"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert "astronauts" in error["message"]
    assert "elderly" in error["message"]


def test_every_audience_in_the_vocabulary_serves_some_measure() -> None:
    notes = json.loads((DATA_DIR / "measures.json").read_text(encoding="utf-8"))
    vocabulary = {a["id"] for a in notes["audiences"]}
    used = {a for measure in notes["measures"].values() for a in measure["audiences"]}
    assert vocabulary - used == set()
    assert used <= vocabulary


@pytest.mark.parametrize("number", ["1", "6", "16"])
def test_a_measure_is_found_by_its_plain_number(client: TestClient, number: str) -> None:
    response = client.get(f"/v1/measures/{number}")
    assert response.status_code == 200
    assert response.json()["measure"] == int(number)


# each of these parses as an int somewhere (Python, a lax framework, a human reader)
@pytest.mark.parametrize(
    "number",
    ["06", "+6", "6.0", "1_0", "1e1", "六", "６", " 6", "-1", "0", "17", "9" * 5000],
)
def test_any_other_spelling_is_a_404_in_the_error_shape(client: TestClient, number: str) -> None:
    response = client.get(f"/v1/measures/{quote(number)}")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert "measures 1 to 16, written in plain digits" in error["message"]
