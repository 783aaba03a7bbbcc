"""The chat API through the HTTP layer, on the real store and embedder."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingest.source import Policy
from tests.conftest import quoted_from


def ask(
    client: TestClient, message: str, history: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    response = client.post("/v1/chat", json={"message": message, "history": history or []})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_contract(client: TestClient, policy: Policy) -> None:
    body = ask(client, "我家老人需要长期护理，有什么养老服务？")
    assert set(body) >= {"answer", "citations", "grounded", "mode", "suggestions", "request_id"}
    first = body["citations"][0]
    assert first["measure"] == 6 and first["label"] == "（六）"
    assert first["title"] == "提升家政和银发服务消费品质"
    assert first["section"] == "一、丰富高品质服务消费新供给"
    assert first["doc_title"] == policy.title and first["doc_id"] == policy.doc_id
    assert quoted_from(first["quote"], policy.measure(6).text)
    assert body["grounded"] is True and body["mode"] == "extractive"
    assert "第（六）条「提升家政和银发服务消费品质」有相关规定" in body["answer"]
    assert body["suggestions"]


def test_every_quote_and_label_comes_from_a_cited_measure(
    client: TestClient, policy: Policy
) -> None:
    body = ask(client, "外国游客在酒店能得到多语种服务吗？")
    cited = {c["measure"] for c in body["citations"]}
    for citation in body["citations"]:
        assert citation["quote"] in body["answer"]
        assert quoted_from(citation["quote"], policy.measure(citation["measure"]).text)
    labels = {
        policy.measure(n).label for n in range(1, 17) if policy.measure(n).label in body["answer"]
    }
    assert labels == {policy.measure(n).label for n in cited}


@pytest.mark.parametrize(
    ("question", "measure"),
    [("第十二条讲的是什么？", 12), ("措施（六）的内容是什么", 6), ("第3条是关于什么的？", 3)],
)
def test_lookups_quote_the_whole_measure(
    client: TestClient, policy: Policy, question: str, measure: int
) -> None:
    body = ask(client, question)
    assert [c["measure"] for c in body["citations"]] == [measure]
    assert body["citations"][0]["quote"] == "".join(
        s.text for s in policy.measure(measure).sentences
    )


@pytest.mark.parametrize(
    "question", ["上海明天会下雨吗？", "公积金贷款怎么申请？", "帮我写一首关于春天的诗", "你好"]
)
def test_uncovered_questions_are_refused_kindly(client: TestClient, question: str) -> None:
    body = ask(client, question)
    assert body["grounded"] is False and body["citations"] == []
    assert "16条措施涉及" in body["answer"]  # says what the document does cover
    assert len(body["suggestions"]) >= 3


def test_a_false_benefit_gets_the_real_text_not_a_yes(client: TestClient, policy: Policy) -> None:
    body = ask(client, "第（六）条规定每月发5000元，对吧？")
    assert [c["measure"] for c in body["citations"]] == [6]
    assert "5000" not in body["answer"]
    assert not body["answer"].startswith(("是", "对"))
    assert "原文没有您提到的这个数字" in body["answer"]


def test_a_measure_that_does_not_exist(client: TestClient) -> None:
    body = ask(client, "第二十条规定每人补贴一万元")
    assert body["grounded"] is False and body["citations"] == []
    assert "16条措施" in body["answer"] and "一万元" not in body["answer"]


def test_english_question_gets_english_framing(client: TestClient) -> None:
    body = ask(client, "Are there multilingual menus and guide maps for foreign visitors?")
    assert body["citations"][0]["measure"] == 16
    assert 'measure (16) "Making service consumption more convenient"' in body["answer"]
    assert "multilingual menus" in body["answer"]  # the reviewed English rendering
    assert not re.search(r"[\u4e00-\u9fff]", body["answer"])
    assert "多语种菜单" in body["citations"][0]["quote"]  # the citation keeps the original


@pytest.mark.parametrize(
    ("first", "follow_up", "measure"),
    [
        ("第十二条讲的是什么？", "它对游戏公司有用吗", 12),
        ("我家老人需要长期护理", "那企业呢？", 6),
        ("我想开餐厅", "有补贴吗", 5),
        # a follow-up that names a topic of its own moves to it
        ("养老有什么政策", "那餐饮呢？", 5),
        ("信用体系有什么措施", "那商标呢", 10),
    ],
)
def test_follow_ups_stay_on_the_topic(
    client: TestClient, first: str, follow_up: str, measure: int
) -> None:
    previous = ask(client, first)
    history = [
        {"role": "user", "content": first},
        {"role": "assistant", "content": previous["answer"]},
    ]
    assert ask(client, follow_up, history)["citations"][0]["measure"] == measure


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("这份文件是哪天印发的？", "2025年12月25日"),
        ("一共有多少条措施？", "16条措施"),
        ("这份文件是哪些部门发布的", "上海市知识产权局"),
        ("How many measures are there?", "16 measures"),
    ],
)
def test_questions_about_the_document(client: TestClient, question: str, expected: str) -> None:
    body = ask(client, question)
    assert expected in body["answer"] and body["grounded"] and body["citations"] == []


def test_measures_browse_and_detail(client: TestClient) -> None:
    listing = client.get("/v1/measures").json()["measures"]
    assert [m["measure"] for m in listing] == list(range(1, 17))
    detail = client.get("/v1/measures/6").json()
    assert detail["label"] == "（六）" and "认知障碍照护床位" in detail["text"]


@pytest.mark.parametrize("number", [0, 17])
def test_measures_out_of_range_are_404_in_the_error_shape(client: TestClient, number: int) -> None:
    response = client.get(f"/v1/measures/{number}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_search_ranks_measures_with_evidence(client: TestClient) -> None:
    body = client.post("/v1/search", json={"query": "商标快速审查", "limit": 3}).json()
    assert body["in_scope"] and len(body["results"]) == 3
    assert body["results"][0]["measure"] == 10
    assert "商标快速审查" in body["results"][0]["evidence"][0]["text"]


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["chunks"] > 100


def test_openapi_docs_carry_chinese_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").text
    assert "我家老人需要长期护理" in schema
    assert client.get("/docs").status_code == 200


ERROR_CASES = [
    ({"message": ""}, 422, "empty_message"),
    ({"message": "   \n\t "}, 422, "empty_message"),
    ({"message": "问" * 501}, 422, "message_too_long"),
    (
        {"message": "你好", "history": [{"role": "user", "content": "x"}] * 21},
        422,
        "history_too_long",
    ),
    ({"message": 42}, 422, "invalid_request"),
    ({"history": []}, 422, "invalid_request"),
    ({"message": "hi", "history": [{"role": "system", "content": "x"}]}, 422, "invalid_request"),
    ({"message": "hi", "history": "not a list"}, 422, "invalid_request"),
]


@pytest.mark.parametrize(("body", "status", "code"), ERROR_CASES)
def test_bad_input_gets_the_one_error_shape(
    client: TestClient, body: Any, status: int, code: str
) -> None:
    response = client.post("/v1/chat", json=body)
    assert response.status_code == status
    assert set(response.json()) == {"error"}
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_the_error_body_is_pinned(client: TestClient) -> None:
    response = client.post(
        "/v1/chat", content=b'{"message": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "malformed_json",
            "message": 'the body is not valid JSON: send {"message": "…"} as UTF-8 JSON',
        }
    }


def test_unknown_routes_and_methods_use_the_error_shape(client: TestClient) -> None:
    assert client.get("/v1/nope").json()["error"]["code"] == "not_found"
    assert client.get("/v1/chat").json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/v1/measures/6/", "/v1/suggestions/", "/healthz/"])
def test_a_trailing_slash_is_404_with_no_redirect_built_from_the_host(
    client: TestClient, path: str
) -> None:
    response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "location" not in response.headers
    assert "evil.example" not in response.text


def test_a_duration_in_a_question_is_no_claim(client: TestClient) -> None:
    body = ask(client, "想带爸妈来上海玩两天，有适合老人的旅游项目吗？")
    assert body["grounded"] and "数字" not in body["answer"]


def test_a_span_of_ones_own_life_is_no_claim_but_a_turnaround_is(client: TestClient) -> None:
    own = ask(client, "我家小饭馆开了快八年，排队等了半年多也没人来评，上海品牌认证咋申请")
    assert [c["measure"] for c in own["citations"]][:1] == [8]
    assert "数字" not in own["answer"]
    turnaround = ask(client, "商标快速审查十天就能下证吗")
    assert [c["measure"] for c in turnaround["citations"]][:1] == [10]
    assert "原文没有您提到的这个数字" in turnaround["answer"] and "十天" not in turnaround["answer"]


def test_a_mixed_question_answers_the_covered_part_and_names_the_rest(client: TestClient) -> None:
    body = ask(client, "我们想拿原创IP和商场做联名活动，另外发明专利申请费能减免吗？")
    assert body["grounded"] is True and body["citations"][0]["measure"] == 12
    assert "文件没有专门提到专利" in body["answer"]


def test_an_english_question_that_mentions_chinese_is_answered_in_english(
    client: TestClient,
) -> None:
    body = ask(
        client, "The menus are all in Chinese. Will restaurants offer menus in other languages?"
    )
    assert body["citations"][0]["measure"] == 16
    assert not re.search(r"[\u4e00-\u9fff]", body["answer"])


def test_a_listing_that_says_how_many_is_still_a_listing(client: TestClient) -> None:
    body = ask(client, "跟老年人有关的措施一共有哪几条？")
    assert {3, 6} <= {c["measure"] for c in body["citations"]}


def test_a_persons_own_figures_are_no_claim_and_no_persona(client: TestClient) -> None:
    body = ask(client, "我外公82了，自己住，去医院看病排队挂号都弄不来，有木有陪诊的服务")
    assert [c["measure"] for c in body["citations"]][:1] == [6]
    assert "数字" not in body["answer"]  # "原文没有您提到的这个数字" would be wrong here
    assert not body["answer"].startswith("和您相关的措施")


def test_a_bare_large_figure_in_a_claim_is_corrected(client: TestClient) -> None:
    body = ask(client, "第六条说每人补贴3000对吧？")
    assert "原文没有您提到的这个数字" in body["answer"] and "3000" not in body["answer"]


def test_when_something_in_a_measure_comes_is_not_the_documents_date(client: TestClient) -> None:
    body = ask(client, "推拿理疗的团体标准什么时候出台？")
    assert [c["measure"] for c in body["citations"]][:1] == [9]
    assert "文件没有规定具体的时间" in body["answer"]


def test_a_listing_by_word_names_every_measure_that_says_it(client: TestClient) -> None:
    body = ask(client, "我们是做手机游戏的，文件里哪几条提到了游戏？")
    assert {9, 12} <= {c["measure"] for c in body["citations"]}


def test_the_welcome_questions_come_in_both_languages(client: TestClient) -> None:
    body = client.get("/v1/suggestions").json()
    assert body["suggestions"] and body["suggestions_en"]
    for question in body["suggestions"][:2] + body["suggestions_en"][:2]:
        assert ask(client, question)["grounded"] is True, question


def test_a_mixed_question_is_answered_on_its_covered_part(client: TestClient) -> None:
    body = ask(client, "我爸想报个老年大学，顺便问下他的养老金啥时候涨？")
    assert [c["measure"] for c in body["citations"]][:1] == [3]
    assert "养老金" in body["answer"] and "没有专门提到" in body["answer"]


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("票根联动平台在哪下载？", "文件没有列出具体的机构、地点或名单"),
        ("多语种导览图是强制要求吗？", "文件没有规定这是强制要求"),
    ],
)
def test_where_and_must_are_open_aspects(client: TestClient, question: str, said: str) -> None:
    assert said in ask(client, question)["answer"]


def test_visa_free_is_not_a_question_of_price(client: TestClient) -> None:
    body = ask(client, "Does the policy mention visa-free transit passengers?")
    assert [c["measure"] for c in body["citations"]][:1] == [11]
    assert "fees, prices" not in body["answer"]


def test_a_word_the_text_only_negates_is_not_in_it(client: TestClient) -> None:
    # （三） is about 非学科类 training: "学科类" is a claim the text does not hold
    body = ask(client, "第三条说学科类培训也放开了对吗？")
    assert "原文没有这样的说法" in body["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "成都的市民夜校一学期多少钱？",
        "成都对知识产权侵权怎么罚",
        "南京今年出台的服务消费政策有哪些",
        "Are there night schools in Chengdu?",
    ],
)
def test_a_question_set_in_another_city_is_declined_by_name(
    client: TestClient, question: str
) -> None:
    body = ask(client, question)
    assert body["grounded"] is False and body["citations"] == []
    assert re.search("成都|南京|Chengdu", body["answer"])


@pytest.mark.parametrize(
    ("question", "measures"),
    [
        ("我们是成都的火锅品牌，想在上海开首店，有支持吗", {5}),
        ("我从南京过来玩，晚上想逛博物馆", {1}),
        ("南京路上的商场想引进健身和赛事活动，有支持吗", {2}),  # a Shanghai street
        ("I'm visiting from Chengdu, are museums open at night?", {1}),
    ],
)
def test_a_city_someone_comes_from_is_no_reason_to_decline(
    client: TestClient, question: str, measures: set[int]
) -> None:
    body = ask(client, question)
    assert body["grounded"] is True and body["citations"][0]["measure"] in measures


def test_what_a_measure_names_only_as_excluded_is_declined_by_name(client: TestClient) -> None:
    # （三） is about 非学科类 training: a question about 学科类 tutoring is not covered
    body = ask(client, "给孩子报个学科类的辅导班，现在政策允许吗")
    assert body["grounded"] is False and body["citations"] == []
    assert "学科类" in body["answer"] and "非学科类" in body["answer"]
    allowed = ask(client, "开非学科类的美术培训班，审批能快点吗")
    assert allowed["citations"][0]["measure"] == 3


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        ("我爸要人上门帮忙洗澡，一次多少钱？政府给不给补贴", 6),
        ("剧场想搞夜场演出，政府能补贴多少钱", 1),
    ],
)
def test_an_open_aspect_never_declines_a_covered_topic(
    client: TestClient, question: str, measure: int
) -> None:
    # the words of a price or a subsidy resemble questions the document leaves open more
    # than the topic does: the topic alone decides
    body = ask(client, question)
    assert body["grounded"] is True and body["citations"][0]["measure"] == measure


@pytest.mark.parametrize(
    "question", ["买新能源车政府能补多少钱？", "去电影院看片子，政府有补贴券发吗"]
)
def test_a_near_miss_asked_with_an_aspect_is_still_declined(
    client: TestClient, question: str
) -> None:
    # a film ticket subsidy is not （七）'s foreign film screenings
    body = ask(client, question)
    assert body["grounded"] is False and body["citations"] == []


def test_saying_what_one_is_not_is_no_claim_to_be_it(client: TestClient) -> None:
    body = ask(client, "我们是做少儿舞蹈的，不是学科类，培训机构审批能快点吗")
    assert body["grounded"] is True and body["citations"][0]["measure"] == 3


def test_a_claim_about_a_measure_on_a_topic_left_open_is_corrected_not_declined(
    client: TestClient,
) -> None:
    # 消费券 is a topic the measures leave open; the claim is about （二）'s 体育消费节
    body = ask(client, "听说体育消费节会给市民发体育消费券，是这样吗？")
    assert body["grounded"] is True and body["citations"][0]["measure"] == 2
    assert "原文没有这样的说法" in body["answer"]


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        ("开饭馆的有什么扶持", 5),
        ("我开了家湘菜馆，政策对我们有啥帮助？", 5),
        ("What are the policies for restaurants?", 5),
    ],
)
def test_asking_what_there_is_for_an_audience_lists_its_measures(
    client: TestClient, question: str, measure: int
) -> None:
    body = ask(client, question)
    assert body["grounded"] is True and measure in [c["measure"] for c in body["citations"]]


def test_a_question_only_about_a_topic_left_open_is_declined(client: TestClient) -> None:
    body = ask(client, "有没有消费券可以领？")
    assert body["grounded"] is False and body["citations"] == []


def test_a_yes_or_no_is_not_a_yes_where_the_text_does_not_say_it(client: TestClient) -> None:
    # the text names 过境免签 only as something airlines and travel agencies use
    body = ask(client, "Can I use visa-free transit to stay in Shanghai for a week?")
    assert body["citations"] and not body["answer"].startswith("Yes")
    assert "The document speaks to this" not in body["answer"]


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("这份政策从什么时候开始施行？", "没有写明施行日期"),
        ("Does this policy have an expiry date? How long is it valid?", "no effective date"),
        ("这是市政府办公厅发的吧？", "上海市商务委员会"),
    ],
)
def test_when_it_takes_effect_and_who_issued_it(
    client: TestClient, question: str, said: str
) -> None:
    body = ask(client, question)
    assert said in body["answer"] and body["citations"] == []


def test_an_answer_quotes_the_sentence_that_says_what_was_asked(client: TestClient) -> None:
    body = ask(client, "Are there more learning options for older people?")
    assert body["citations"][0]["measure"] == 3
    assert "older people" in body["answer"]


def test_words_pointing_at_the_document_do_not_decline_its_topic(client: TestClient) -> None:
    # "文件里…有什么说法" resembles questions the document leaves open; 商标 is （十）'s
    body = ask(client, "文件里对小微企业商标有什么说法")
    assert body["grounded"] is True and body["citations"][0]["measure"] == 10


def test_an_audience_named_in_a_phrase_lists_its_measures_only(client: TestClient) -> None:
    # "people" of "older people" is no rare word: （二） says "ordinary people"
    body = ask(client, "Which measures help older people?")
    assert {c["measure"] for c in body["citations"]} == {3, 6, 11}


@pytest.mark.parametrize(
    "question",
    [
        "Give an overview of the policy and list the section headings",
        "概括一下这份文件，列出各部分标题",
    ],
)
def test_a_summary_that_lists_the_sections_is_a_summary(client: TestClient, question: str) -> None:
    body = ask(client, question)
    assert body["grounded"] is True and body["citations"] == []
    assert "(1) to (7)" in body["answer"] or "第（一）条至第（七）条" in body["answer"]


def test_the_measures_of_one_section_asked_in_a_summary_are_that_section(
    client: TestClient,
) -> None:
    body = ask(client, "总结一下第二部分有哪些措施")
    assert sorted(c["measure"] for c in body["citations"]) == [8, 9, 10]


def test_english_headings_asked_in_the_original_chinese_carry_it(client: TestClient) -> None:
    body = ask(client, "A short overview of the document with its section headings in Chinese")
    assert "丰富高品质服务消费新供给" in body["answer"] and "measures (1) to (7)" in body["answer"]


def test_which_of_the_measures_is_a_listing(client: TestClient) -> None:
    body = ask(client, "Which of the measures concern older people?")
    assert {c["measure"] for c in body["citations"]} == {3, 6, 11}


def test_a_need_beside_the_audience_narrows_the_list(client: TestClient) -> None:
    body = ask(client, "有没有适合老年人的旅游线路？")
    assert [c["measure"] for c in body["citations"]][:1] == [6]
    assert len(body["citations"]) < 3


def test_a_long_story_with_a_word_left_open_still_gets_its_measure(client: TestClient) -> None:
    # 挂号 is a topic the text leaves open, and no word of the story is the measure's own
    body = ask(
        client,
        "我外婆八十多了耳朵也背，一个人去医院挂号、排队、拿药都弄不明白，我们白天都要上班，"
        "有没有人能陪着她去看病",
    )
    assert body["grounded"] and [c["measure"] for c in body["citations"]][:1] == [6]
    assert "挂号" in body["answer"]  # named as the part left open


@pytest.mark.parametrize(
    ("question", "measure"),
    [("周末想去召稼楼，晚上那边有啥活动吗", 1), ("我们饭馆想添个送餐机器人，政策上有说法吗", 5)],
)
def test_an_ancient_town_or_a_restaurant_robot_by_its_everyday_name(
    client: TestClient, question: str, measure: int
) -> None:
    body = ask(client, question)
    assert body["grounded"] and [c["measure"] for c in body["citations"]][:1] == [measure]


@pytest.mark.parametrize(
    "question", ["暑假想带孩子去泰国玩，有没有推荐的旅行社", "最近有啥好看的电视剧推荐一下"]
)
def test_a_trip_abroad_or_what_to_watch_is_declined(client: TestClient, question: str) -> None:
    body = ask(client, question)
    assert body["grounded"] is False and body["citations"] == []


def test_a_service_at_the_door_within_minutes_is_on_demand_service(client: TestClient) -> None:
    body = ask(client, "我们是做上门家电清洗的平台，承诺三十分钟上门，政府鼓励这种吗")
    assert [c["measure"] for c in body["citations"]] == [13]  # not brands beside it


def test_foreign_said_of_a_patient_is_no_foreign_investment(client: TestClient) -> None:
    # "foreign" is who asks; the opening-up measure says it of investment
    body = ask(
        client, "Will foreign patients be able to use commercial insurance at Shanghai hospitals?"
    )
    assert [c["measure"] for c in body["citations"]][:1] == [4]
