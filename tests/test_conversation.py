"""Conversations as people hold them, through the HTTP API: the client sends only the
text of earlier turns, and nothing is kept on the server. Questions are our own, not
copied from a golden file."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient


def talk(client: TestClient, *messages: str, **body: Any) -> list[dict[str, Any]]:
    history: list[dict[str, str]] = []
    replies = []
    for message in messages:
        response = client.post("/v1/chat", json={"message": message, "history": history, **body})
        assert response.status_code == 200, response.text
        reply = response.json()
        replies.append(reply)
        history += [
            {"role": "user", "content": message},
            {"role": "assistant", "content": reply["answer"]},
        ]
    return replies


def cited(reply: dict[str, Any]) -> list[int]:
    return [c["measure"] for c in reply["citations"]]


def test_which_measure_names_the_one_just_cited(client: TestClient) -> None:
    first, which = talk(client, "美术馆以后晚上也开门吗", "这是哪一条说的？")
    assert cited(first)[0] == 1
    assert which["answer"].startswith("这是第（一）条")
    assert cited(which) == [1]


def test_picking_from_a_list_takes_that_item_in_full(client: TestClient, policy: Any) -> None:
    listing, second = talk(client, "给老人的措施有哪几条", "第二个具体说了什么")
    order = [int(n) for n in sorted(cited(listing))]  # the lines are in the document's order
    assert len(order) >= 2
    assert cited(second) == [order[1]]
    whole = "".join(s.text for s in policy.measure(order[1]).sentences)
    assert second["citations"][0]["quote"] == whole


def test_more_gives_the_rest_of_the_measure(client: TestClient) -> None:
    first, more = talk(client, "认知障碍的老人有专门的床位吗", "展开说说")
    assert cited(first)[0] == cited(more)[0] == 6
    said = first["citations"][0]["quote"]
    assert more["citations"][0]["quote"] and more["citations"][0]["quote"] not in said


def test_anything_else_gives_further_measures_not_yet_cited(client: TestClient) -> None:
    first, other = talk(client, "老人有什么学习的机会", "还有别的给老人的吗")
    assert cited(first)[0] == 3
    assert cited(other) and 3 not in cited(other)


def test_in_english_please_answers_the_same_measure_in_english(client: TestClient) -> None:
    first, english = talk(client, "票根能换优惠吗", "用英文说")
    assert cited(first)[0] == cited(english)[0] == 14
    assert "ticket" in english["answer"].lower()
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english["answer"])


def test_in_chinese_after_english(client: TestClient) -> None:
    first, chinese = talk(client, "Are there menus in other languages for visitors?", "请用中文")
    assert cited(first)[0] == cited(chinese)[0] == 16
    assert "多语种菜单" in chinese["answer"]


def test_a_persona_ranks_later_vague_questions(client: TestClient) -> None:
    said, asked = talk(client, "我们是开健身房的", "有啥能用上的政策")
    assert cited(said)[0] == 2
    assert cited(asked)[0] == 2
    assert asked["persona"] and asked["persona"][0]["id"] in {"sports_fans"}


def test_an_english_persona(client: TestClient) -> None:
    said, asked = talk(client, "I run a restaurant", "what's in it for me?")
    assert cited(said)[0] == 5
    assert cited(asked)[0] == 5
    assert asked["persona"][0]["id"] == "catering"


def test_a_cleared_persona_is_not_used(client: TestClient) -> None:
    history = [
        {"role": "user", "content": "我们是开健身房的"},
        {"role": "assistant", "content": "…"},
    ]
    body = {"message": "有啥能用上的政策", "history": history, "persona": ""}
    reply = client.post("/v1/chat", json=body).json()
    assert reply["persona"] == []


def test_a_follow_up_keeps_the_topic(client: TestClient) -> None:
    first, follow = talk(client, "信用评价和信用公示是怎么回事", "对我们小商户有什么用")
    assert cited(first)[0] == cited(follow)[0] == 15


def test_a_follow_up_on_an_uncovered_topic_is_declined(client: TestClient) -> None:
    _, follow = talk(client, "体育消费节是什么", "那买车有补贴吗")
    assert follow["grounded"] is False and follow["citations"] == []


@pytest.mark.parametrize(
    ("keyword", "lead", "quoted"),
    [("养老", "文件里提到「养老」", "养老"), ("电竞", "与「电竞」相关", "电子竞技")],
)
def test_a_bare_keyword_gets_an_overview(
    client: TestClient, keyword: str, lead: str, quoted: str
) -> None:
    (reply,) = talk(client, keyword)
    assert reply["grounded"] is True and reply["citations"]
    # "mentions" only when the text says the word itself (电竞 is 电子竞技 there)
    assert reply["answer"].startswith(lead)
    for citation in reply["citations"]:
        assert f"第{citation['label']}条「{citation['title']}」" in reply["answer"]
    # each line quotes the sentence that says it, not the measure's first
    assert all(quoted in c["quote"] for c in reply["citations"])


def test_a_keywords_longer_word_names_its_measure_alone(client: TestClient) -> None:
    (reply,) = talk(client, "市民夜校")
    assert cited(reply) == [3] and "市民夜校" in reply["citations"][0]["quote"]


def test_plain_words_answer_with_the_summary_and_quote_the_original(
    client: TestClient, policy: Any
) -> None:
    _, plain = talk(client, "容缺受理是什么", "用大白话讲讲")
    assert cited(plain) == [3]
    assert policy.notes[3].summary_zh in plain["answer"]
    assert plain["citations"][0]["quote"] in policy.measure(3).text


@pytest.mark.parametrize("closing", ["谢谢", "好的，明白了", "thanks, bye"])
def test_a_closing_gets_a_kind_reply_and_no_citations(client: TestClient, closing: str) -> None:
    _, reply = talk(client, "博物馆晚上开放吗", closing)
    assert reply["citations"] == [] and reply["grounded"] is True
    assert len(reply["answer"]) < 60


def test_suggestions_follow_the_answer_and_are_answered(client: TestClient) -> None:
    (first,) = talk(client, "外国游客在酒店能得到多语种服务吗")
    assert first["suggestions"] and any("（十六）" in s for s in first["suggestions"])
    for suggestion in first["suggestions"]:
        (reply,) = talk(client, suggestion)
        assert reply["grounded"] is True and reply["citations"], suggestion


def test_plain_words_asked_another_way(client: TestClient) -> None:
    _, plain = talk(client, "票根联动消费是怎么回事", "能讲得简单点吗")
    assert cited(plain) == [14]
    assert "用大白话说" in plain["answer"]


def test_a_short_follow_up_without_evidence_of_its_own_leans_on_the_topic(
    client: TestClient,
) -> None:
    _, follow = talk(client, "市民夜校是怎么回事", "上班族也能去吗")
    assert cited(follow)[0] == 3


def test_thanks_with_a_particle_is_a_closing(client: TestClient) -> None:
    _, reply = talk(client, "博物馆晚上开放吗", "好的谢啦")
    assert reply["citations"] == [] and reply["grounded"] is True


def test_a_follow_up_intent_with_a_reason_beside_it_is_still_about_the_answer(
    client: TestClient,
) -> None:
    first, which = talk(client, "商标审查能不能快一点", "哪一条？我转发给同事看看")
    assert cited(first)[0] == 10
    assert which["answer"].startswith("这是第（十）条") and cited(which) == [10]
    _, english = talk(client, "博物馆晚上开门吗", "用英文讲一遍，我要发给外国朋友")
    assert cited(english) == [1] and "measure (1)" in english["answer"].lower()
    assert not re.search(r"[\u4e00-\u9fff]", english["answer"].split(":")[0])
    _, plain = talk(client, "即时服务消费是什么意思", "说简单点，我外婆都能听懂的那种")
    assert cited(plain) == [13]


def test_a_follow_up_near_a_question_left_open_is_declined(client: TestClient) -> None:
    first, loan = talk(client, "信用体系这条讲了什么", "那我去办消费贷，哪家银行利率最低？")
    assert cited(first)[0] == 15
    assert loan["grounded"] is False and loan["citations"] == []


def test_saying_who_you_are_lists_what_serves_you(client: TestClient) -> None:
    (retiree,) = talk(client, "I'm a retiree")
    assert {3, 6} <= set(cited(retiree)) and retiree["persona"]
    (owner,) = talk(client, "我们是开民宿的")
    assert owner["grounded"] is True and cited(owner)
    assert [p["id"] for p in owner["persona"]] == ["culture_tourism_sports"]


def test_next_and_second_after_a_lookup_move_to_that_measure(client: TestClient) -> None:
    _, after = talk(client, "第五条讲了什么", "下一条呢")
    assert cited(after) == [6]
    _, second = talk(client, "第一条讲了什么", "第二个呢")
    assert cited(second) == [2]


def test_who_you_are_with_a_question_is_answered_for_you(client: TestClient) -> None:
    (body,) = talk(client, "我开了家小面馆，有啥政策？")
    assert body["grounded"] is True and 5 in cited(body)
    assert [p["id"] for p in body["persona"]] == ["catering"]
    (english,) = talk(client, "I run a small cafe in Xuhui, anything here for me?")
    assert english["grounded"] is True and 5 in cited(english)


def test_asking_only_what_serves_you_lists_your_measures(client: TestClient) -> None:
    (body,) = talk(client, "I'm a foreign tourist in Shanghai, what helps me?")
    assert 16 in cited(body) and body["answer"].startswith("Measures that concern you")
    (subsidy,) = talk(client, "我开餐厅的，有什么补贴？")
    assert cited(subsidy)[:1] == [5] and "文件没有规定具体的补贴金额" in subsidy["answer"]


@pytest.mark.parametrize("closing", ["👍", "好的👌 谢啦", "thanks 🙏"])
def test_thanks_with_emoji_is_a_closing(client: TestClient, closing: str) -> None:
    _, reply = talk(client, "博物馆晚上开放吗", closing)
    assert reply["citations"] == [] and reply["grounded"] is True


def test_a_vague_follow_up_on_a_topic_left_open_is_declined(client: TestClient) -> None:
    _, tax = talk(client, "我想开个艺术培训机构", "开的话要交多少税")
    assert tax["grounded"] is False and tax["citations"] == []


def test_anything_for_an_audience_lists_its_measures(client: TestClient) -> None:
    (body,) = talk(client, "Is there anything for foreign visitors?")
    assert body["grounded"] is True and 16 in cited(body)


def test_a_retiree_who_wants_to_learn_gets_the_learning_measure(client: TestClient) -> None:
    retired, learn = talk(client, "我刚退休，今年六十三", "想学点东西，有没有适合我的？")
    assert retired["grounded"] is True and 3 in cited(retired)
    assert cited(learn)[:1] == [3] and "老年学习" in learn["citations"][0]["quote"]


def test_the_same_need_in_another_city_is_declined(client: TestClient) -> None:
    nights, beijing = talk(client, "市民夜校在哪报名", "那杭州呢？")
    assert cited(nights)[:1] == [3]
    assert beijing["grounded"] is False and beijing["citations"] == []
    assert "杭州" in beijing["answer"]


def test_an_english_follow_up_ending_on_it_is_about_the_last_measure(client: TestClient) -> None:
    _, who = talk(client, "Is there anything about a ticket stub platform?", "Who will run it?")
    assert cited(who) == [14]


def test_picking_past_the_end_of_a_list_says_how_many_there_were(client: TestClient) -> None:
    listing, third = talk(client, "我是退休老人，政策对我有什么好处？", "第五个")
    assert 1 < len(cited(listing)) < 5
    assert third["citations"] == [] and f"只列出了{len(cited(listing))}条" in third["answer"]


@pytest.mark.parametrize("message", ["你是谁", "你能做什么？", "who are you?"])
def test_asking_who_it_is_gets_the_welcome(client: TestClient, message: str) -> None:
    (body,) = talk(client, message)
    assert body["citations"] == [] and body["suggestions"]


def test_a_question_about_a_parents_pension_is_no_persona_statement(client: TestClient) -> None:
    (body,) = talk(client, "我妈的退休金明年能涨多少")
    assert body["grounded"] is False and body["citations"] == []


def test_i_know_now_thanks_is_a_closing(client: TestClient) -> None:
    _, reply = talk(client, "博物馆晚上开放吗", "好的我明白了，谢谢啦")
    assert reply["citations"] == [] and reply["grounded"] is True


def test_a_sections_measures_are_listed_whole_and_picked_in_order(client: TestClient) -> None:
    listing, second = talk(client, "第三部分包括哪几条？", "第二个呢")
    assert sorted(cited(listing)) == [11, 12, 13, 14]
    assert cited(second) == [12]


def test_the_first_one_in_it_picks_from_the_section_just_listed(client: TestClient) -> None:
    _, first = talk(client, "第二部分一共有几条措施", "其中的第一条讲了什么")
    assert cited(first) == [8]


@pytest.mark.parametrize(
    "message",
    [
        "广州给文旅企业的补贴听说比上海高，具体多少？",
        "成都的夜校和上海比哪个便宜，那边有没有免费课",
    ],
)
def test_a_city_compared_with_shanghai_is_still_another_city(
    client: TestClient, message: str
) -> None:
    (body,) = talk(client, message)
    assert body["grounded"] is False and body["citations"] == []
    assert "广州" in body["answer"] or "成都" in body["answer"]


@pytest.mark.parametrize("message", ["你背后是哪个大模型？", "你是真人客服吗", "Who built you?"])
def test_a_question_about_the_assistant_says_what_it_is(client: TestClient, message: str) -> None:
    (body,) = talk(client, message)
    assert body["citations"] == [] and body["suggestions"]
    assert "措施编号" in body["answer"] or "measures" in body["answer"]


def test_a_claim_said_to_be_the_documents_is_corrected_from_its_measure(
    client: TestClient,
) -> None:
    (body,) = talk(client, "文件里写了每家健身房补贴8千块，帮我确认一下")
    assert cited(body)[:1] == [2] and "没有您提到的这个数字" in body["answer"]


def test_a_claim_restating_the_last_answer_is_about_its_measure(client: TestClient) -> None:
    _, claim = talk(client, "市民夜校是哪条", "那就是说夜校全年都不收钱？")
    assert cited(claim)[:1] == [3] and "没有这样的说法" in claim["answer"]


def test_other_measures_in_english_gives_further_measures(client: TestClient) -> None:
    first, other = talk(client, "Are museums open in the evening?", "other measures?")
    assert other["grounded"] is True and not set(cited(other)) & set(cited(first))
    assert cited(other) or "no more measures" in other["answer"]


def test_who_someone_is_is_read_from_the_sentence_that_says_it(client: TestClient) -> None:
    # a visitor who mentions restaurants is no restaurant owner
    (body,) = talk(
        client,
        "I'm an exchange student from France. The restaurants near my dorm only have Chinese "
        "menus. Will Shanghai add multilingual menus?",
    )
    assert cited(body)[:1] == [16]


@pytest.mark.parametrize(
    "message", ["浦东美术馆周一开门吗，门票多少", "How much is a ticket to the Shanghai Museum?"]
)
def test_one_named_venues_particulars_are_left_to_it(client: TestClient, message: str) -> None:
    (body,) = talk(client, message)
    assert body["grounded"] is False and body["citations"] == []
    assert "美术馆" in body["answer"] or "Shanghai Museum" in body["answer"]


def test_venues_of_a_kind_are_the_measures_to_answer(client: TestClient) -> None:
    _, kind = talk(client, "博物馆夜间开放是哪条", "上海的美术馆晚上开到几点")
    assert cited(kind)[:1] == [1]
    _, named = talk(client, "博物馆夜间开放是哪条", "那上海科技馆周末几点关门")
    assert named["citations"] == [] and "上海科技馆" in named["answer"]


def test_what_a_measure_excludes_declines_the_whole_question(client: TestClient) -> None:
    (body,) = talk(client, "想开个高中物理辅导班，学科类的，审批现在能快点吗？要什么条件")
    assert body["citations"] == [] and "学科类" in body["answer"]


def test_a_card_someone_bought_is_no_statement_of_who_they_are(client: TestClient) -> None:
    (body,) = talk(client, "我办的游泳馆次卡还剩二十次，店就关门了，钱能退吗")
    assert body["grounded"] is False and body["citations"] == []


def test_venues_of_a_kind_in_english_are_the_measures_to_answer(client: TestClient) -> None:
    (body,) = talk(client, "Do Shanghai art galleries stay open late? Until what time?")
    assert cited(body)[:1] == [1]


def test_a_mixed_questions_other_part_must_name_what_its_measure_says(
    client: TestClient,
) -> None:
    # 沪牌 and 新能源车 are left open; "插混的还行不行" alone names nothing a measure says
    (body,) = talk(client, "新能源车上沪牌现在还免费吗？插混的还行不行")
    assert body["grounded"] is False and body["citations"] == []


def test_a_firm_setting_up_abroad_is_still_asking_about_shanghai(client: TestClient) -> None:
    (body,) = talk(client, "我们设计公司想在东京设个办事处，上海对企业出海有什么支持吗")
    assert "东京当地" not in body["answer"]
    (body,) = talk(client, "我们设计公司想在东京设个办事处，市里对企业出海有什么支持吗")
    assert "东京当地" not in body["answer"]


def test_a_retiree_who_gives_their_age_first_is_still_a_retiree(client: TestClient) -> None:
    _, fit = talk(client, "我今年六十八，去年退休了，喜欢上课", "有什么是我这样的人用得上的？")
    assert fit["grounded"] is True and 3 in cited(fit)


@pytest.mark.parametrize("closing", ["好的，没别的问题了，拜拜", "就这样吧，谢谢"])
def test_nothing_more_to_ask_is_a_closing(client: TestClient, closing: str) -> None:
    _, reply = talk(client, "体育消费节是哪条", closing)
    assert reply["citations"] == [] and reply["grounded"] is True


def test_an_amount_asked_of_one_topic_is_answered_from_its_measure(client: TestClient) -> None:
    (body,) = talk(client, "办展会的话，会展这块的扶持政策一般能给多少钱？")
    assert cited(body) == [14] and "没有规定具体的补贴金额" in body["answer"]


@pytest.mark.parametrize(
    "message",
    [
        "这些措施的补贴去哪里申请？",
        "这些政策的补贴标准是多少，找哪个部门？",
        "How much money do these measures give, and how do I apply?",
    ],
)
def test_an_amount_asked_of_the_measures_at_large_is_about_the_document(
    client: TestClient, message: str
) -> None:
    (body,) = talk(client, message)
    assert body["grounded"] is True and body["citations"] == []
    assert re.search("申请办法|how, where or when to apply", body["answer"])


def test_anything_else_for_an_audience_gives_the_others_that_serve_it(client: TestClient) -> None:
    first, other = talk(
        client, "家里老人要护理，养老服务有什么新政策", "还有别的吗？跟老人有关的说说"
    )
    assert cited(first)[0] == 6
    assert 6 not in cited(other) and {3, 11} <= set(cited(other))
    assert not set(cited(other)) - {3, 11}  # only what serves them: no health or opening-up


def test_an_audience_alone_asks_the_same_topic_for_them(client: TestClient) -> None:
    first, elderly = talk(client, "周末想带家人出去玩，文旅方面有什么新措施？", "那老年人呢？")
    assert cited(first)[0] == 1
    assert cited(elderly)[0] == 6  # 老年友好型旅游项目


def test_that_one_of_two_cited_is_the_one_saying_the_words_quoted(client: TestClient) -> None:
    history = [
        {"role": "user", "content": "看完比赛留着票根有什么用"},
        {
            "role": "assistant",
            "content": "第（二）条「激发体育服务消费市场活力」有相关规定：大力发展赛事经济。\n"
            "另外，第（十四）条「持续推动文旅商体展联动」提到：建立“票根”联动消费平台。",
        },
    ]
    body = client.post(
        "/v1/chat", json={"message": "上面那条说的通票、联票在哪能买到？", "history": history}
    ).json()
    assert cited(body)[0] == 14


def test_a_university_asking_to_co_run_programmes_gets_the_opening_up_measure(
    client: TestClient,
) -> None:
    (body,) = talk(client, "我们是一所海外大学，想在上海跟高校合作办学，审批要多久？")
    assert cited(body)[0] == 7 and "没有规定具体的时间" in body["answer"]


def test_foreign_tourists_are_foreign_visitors_not_tourists_at_large(client: TestClient) -> None:
    (listing,) = talk(client, "给外国游客的措施有哪几条")
    assert set(cited(listing)) == {4, 11, 16}  # transit travel, signage, international care
    (home,) = talk(client, "想开家养老院，有哪些措施是给我们的？")
    assert cited(home)[0] == 6 and 3 not in cited(home)  # a care home, not older learners


@pytest.mark.parametrize(
    "message",
    [
        "Does Hangzhou give subsidies to gyms that run night classes?",  # another city, as subject
        "Our design studio wants to register a patent. What documents are needed?",  # not a gist
        "We're a small games studio. How long does a patent take, and what does it cost?",
        "我们是做游戏的小公司，高新技术企业认定要满足哪些条件？",  # conditions, not a listing
        "I just graduated in Shanghai. How do I get a Shanghai hukou?",
    ],
)
def test_a_need_the_document_leaves_open_is_declined_whoever_asks(
    client: TestClient, message: str
) -> None:
    (body,) = talk(client, message)
    assert body["grounded"] is False and body["citations"] == []


def test_what_encourages_this_after_saying_who_you_are_is_about_what_you_do(
    client: TestClient,
) -> None:
    _, encouraged = talk(
        client, "我们团队做VR沉浸式展览，已经在商场办过几场。", "市里在这方面有啥鼓励？"
    )
    assert encouraged["grounded"] is True and 13 in cited(encouraged)
    assert 8 not in cited(encouraged)  # brands and financing are not what they asked about


def test_how_much_one_can_get_asks_an_amount_not_a_price(client: TestClient) -> None:
    _, amount = talk(client, "我们想办电竞比赛，有什么新政策吗", "能申请到多少钱？")
    assert "没有规定具体的补贴金额" in amount["answer"] and "收费标准" not in amount["answer"]
    (price,) = talk(client, "市民夜校学费多少钱")
    assert "收费标准" in price["answer"]


@pytest.mark.parametrize(
    "closing", ["OK, that's everything I wanted to know, thank you!", "谢谢，我回头去社区问问"]
)
def test_thanks_that_asks_nothing_more_is_a_closing(client: TestClient, closing: str) -> None:
    _, reply = talk(client, "养老院的护理床位会增加吗", closing)
    assert cited(reply) == [] and reply["answer"].startswith(("不客气", "You're welcome"))


def test_thanks_with_a_question_after_it_is_still_a_question(client: TestClient) -> None:
    _, reply = talk(client, "养老院的护理床位会增加吗", "谢谢！那家政阿姨的培训呢？")
    assert cited(reply)[:1] == [6]


@pytest.mark.parametrize(
    "hello",
    [
        "Hello, I have a few questions about these consumption measures.",
        "您好，想咨询一下服务消费的政策",
    ],
)
def test_a_hello_that_only_announces_questions_is_a_greeting(
    client: TestClient, hello: str
) -> None:
    (reply,) = talk(client, hello)
    assert cited(reply) == [] and reply["answer"].startswith(("您好！", "Hello!"))


def test_a_hello_with_a_topic_is_answered(client: TestClient) -> None:
    (reply,) = talk(client, "您好，想问问博物馆晚上开放的事")
    assert cited(reply)[:1] == [1]


def test_anything_else_after_a_thanks_goes_past_the_answer_before_it(client: TestClient) -> None:
    first, _, other = talk(client, "老人有什么学习的机会", "好的", "还有别的吗")
    assert cited(first)[:1] == [3]
    assert cited(other) and 3 not in cited(other)


def test_a_question_about_the_measure_just_cited_stays_with_it(client: TestClient) -> None:
    first, asked = talk(
        client,
        "基于服务合同预期收益的融资产品是什么",
        "上面说的这个，对我们开瑜伽馆的有帮助吗？学员都是年卡",
    )
    assert cited(first)[:1] == cited(asked)[:1] == [8]


def test_whether_a_place_also_counts_is_asked_of_the_last_topic(client: TestClient) -> None:
    first, counts = talk(client, "景区里能不能引入体育健身", "那社区门口的步行街也算吗")
    assert cited(first)[:1] == cited(counts)[:1] == [2]


def test_a_true_claim_is_confirmed_not_corrected(client: TestClient) -> None:
    (reply,) = talk(client, "听说景区要搞夜间开放了，是真的吗？")
    assert cited(reply)[:1] == [1]
    assert reply["answer"].startswith("文件对此有规定") and "没有这样的说法" not in reply["answer"]


def test_our_kind_of_company_after_saying_who_we_are_is_asked_for_us(client: TestClient) -> None:
    # 公司 says only who asks: the answer is what serves a domestic-services firm
    _, asked = talk(client, "我们是一家做家政服务的企业", "这些措施里对我们这种公司有什么？")
    assert cited(asked)[:1] in ([6], [9])


def test_closing_time_asked_of_the_last_topic_is_a_date_left_open(client: TestClient) -> None:
    first, hours = talk(client, "科普场馆会不会延时开放", "晚上开到几点关门？")
    assert cited(first)[:1] == cited(hours)[:1] == [1]
    assert "没有规定具体的时间" in hours["answer"]


def test_a_rate_asked_is_no_figure_claimed(client: TestClient) -> None:
    _, price = talk(client, "有没有帮老人洗澡的上门服务", "那一个月大概多少钱")
    assert cited(price)[:1] == [6]
    assert "没有您提到的这个数字" not in price["answer"]


def test_the_other_language_keeps_the_measure_picked_from_a_list(client: TestClient) -> None:
    _, picked, english = talk(
        client, "跟老年人相关的措施有哪几条", "第二个具体说说", "in English please"
    )
    assert len(cited(picked)) == 1 and cited(english) == cited(picked)
    assert english["answer"].startswith("Measure (")


@pytest.mark.parametrize(
    "message",
    [
        "谢谢，请告诉我养老的措施",
        "谢谢，翻译成英文",
        "Thanks. Now tell me about sports",
        "谢谢，我是开健身房的",
    ],
)
def test_a_thanks_with_a_request_is_the_request(client: TestClient, message: str) -> None:
    _, reply = talk(client, "市民夜校会继续办吗", message)
    assert cited(reply), reply["answer"]


@pytest.mark.parametrize(
    "message", ["你好，消费补贴有多少", "Hi, which measures help older people?"]
)
def test_a_hello_with_a_question_is_the_question(client: TestClient, message: str) -> None:
    (reply,) = talk(client, message)
    assert not reply["answer"].startswith(("您好！", "Hello!"))


def test_another_city_asked_after_an_answer_is_not_about_that_answer(client: TestClient) -> None:
    # 其它 is no "它" pointing back at the measure just cited
    _, other = talk(client, "养老院的护理床位会增加吗", "那其它城市的宠物医院也算吗")
    assert cited(other) == [] and other["grounded"] is False


def test_a_message_that_changes_the_subject_is_not_searched_with_the_last(
    client: TestClient,
) -> None:
    _, switched = talk(client, "养老护理员培训有什么安排", "换个话题，游戏行业有什么说法？")
    assert cited(switched)[:1] == [9]


def test_what_is_there_on_a_topic_lists_every_measure_on_it(client: TestClient) -> None:
    (listing,) = talk(client, "和老年人有关的都有哪些呀")
    assert {3, 6} <= set(cited(listing))


@pytest.mark.parametrize(
    ("pointing", "meant"), [("老年学习那个再说说", 3), ("银发购物那条展开讲讲", 6)]
)
def test_more_of_one_in_a_list_takes_the_one_it_names(
    client: TestClient, pointing: str, meant: int
) -> None:
    _, more = talk(client, "给老年人的都有哪些", pointing)
    assert cited(more) == [meant]


def test_a_question_about_something_the_measure_mentions(client: TestClient) -> None:
    _, platform = talk(client, "第五条讲的什么", "里面说的那个平台是做什么的")
    assert platform["grounded"] and cited(platform) == [5]
    assert "互联网平台" in platform["citations"][0]["quote"]


def test_whether_ordinary_people_can_use_a_named_measure(client: TestClient) -> None:
    _, ordinary = talk(client, "第十五条是什么内容", "普通人能用上吗")
    assert cited(ordinary) == [15]


def test_saying_ones_parents_are_old_is_saying_who_one_asks_for(client: TestClient) -> None:
    said, asked = talk(client, "我家老两口都八十多了", "有啥能用上的")
    assert 6 in cited(said) and 6 in cited(asked)


def test_a_word_left_open_inside_the_need_keeps_the_measure(client: TestClient) -> None:
    # 挂号 is left open, but the need is someone to go to hospital with: 助医陪诊
    (reply,) = talk(client, "想找人陪我妈去医院挂号看病，有这种服务吗")
    assert cited(reply)[:1] == [6]
    assert "挂号" in reply["answer"].split("\n")[-1]


def test_how_to_sign_up_and_what_it_costs_asks_of_the_last_topic(client: TestClient) -> None:
    first, how = talk(client, "有没有教家政阿姨技能的培训", "去哪报名？交钱不")
    assert cited(first)[:1] == cited(how)[:1] == [6]
    assert "收费" in how["answer"] and "申请" in how["answer"]


@pytest.mark.parametrize("closing", ["行，没别的问题了，辛苦啦", "好嘞辛苦哈"])
def test_a_closing_without_thanks(client: TestClient, closing: str) -> None:
    _, reply = talk(client, "夜校会多开吗", closing)
    assert cited(reply) == [] and "不客气" in reply["answer"]


def test_a_hardship_told_is_no_goodbye(client: TestClient) -> None:
    _, told = talk(client, "养老院的护理床位会增加吗", "一个人照顾老人真辛苦")
    assert "不客气" not in told["answer"]


def test_the_document_named_is_no_pointing_back(client: TestClient) -> None:
    _, asked = talk(client, "市民夜校会多开吗", "文件里面提到的电竞有什么支持")
    assert cited(asked)[:1] == [9]


@pytest.mark.parametrize("asked", ["跟家政相关的有几条", "涉及体育的有多少条"])
def test_how_many_on_a_topic_lists_them(client: TestClient, asked: str) -> None:
    (listing,) = talk(client, asked)
    assert len(cited(listing)) >= 2
    assert "措施有" in listing["answer"]


def test_the_list_itself_named_is_no_new_topic(client: TestClient) -> None:
    listing, second = talk(client, "跟家政相关的有几条", "清单里第二个具体讲了啥")
    assert cited(second) == [sorted(cited(listing))[1]]


def test_what_one_recalls_as_said_is_found_where_it_is_said(client: TestClient) -> None:
    first, recalled = talk(
        client, "我们想把自家的服务品牌做起来，有什么支持", "你刚才说的商标那块具体是怎么回事"
    )
    assert 10 not in cited(first)
    assert cited(recalled) == [10]
    # without a word of its own, it is the measure just cited
    _, same = talk(client, "我们想把自家的服务品牌做起来，有什么支持", "你刚才说的那个再讲讲")
    assert cited(same) == cited(first)[:1]


def test_a_measure_named_in_plain_words_is_that_measure_not_the_last(client: TestClient) -> None:
    _, named = talk(client, "老人想学点东西有什么途径", "Can you explain measure 9 in plain words?")
    assert cited(named) == [9]
    _, chinese = talk(client, "老人想学点东西有什么途径", "第十二条用大白话讲讲")
    assert cited(chinese) == [12] and chinese["answer"].startswith("用大白话说")


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("我最近在研究上海扩大服务消费的文件", "4个部分"),
        ("I am going through the service consumption measures", "4 sections"),
    ],
)
def test_naming_only_the_document_gets_its_outline(
    client: TestClient, message: str, said: str
) -> None:
    (outline,) = talk(client, message)
    assert outline["grounded"] and said in outline["answer"] and cited(outline) == []


def test_a_topic_beside_the_document_is_no_outline(client: TestClient) -> None:
    (voucher,) = talk(client, "消费券的措施")
    assert not voucher["grounded"]
    (elderly,) = talk(client, "养老方面的措施")
    assert 6 in cited(elderly)


def test_an_if_clause_about_the_papers_stays_on_the_last_topic(client: TestClient) -> None:
    first, papers = talk(client, "想开个画画兴趣班，审批快吗", "证明材料一时凑不齐的话能先递上去吗")
    assert cited(first)[0] == 3
    assert papers["grounded"] and cited(papers)[0] == 3


def test_how_many_say_a_topic_lists_them(client: TestClient) -> None:
    (listing,) = talk(client, "总共有几条说到养老的？都讲了什么")
    assert listing["grounded"] and 6 in cited(listing)
    assert "措施有" in listing["answer"]


def test_what_the_document_says_on_a_topic_is_that_topic(client: TestClient) -> None:
    (said,) = talk(client, "养老这块文件里说了啥")
    assert said["grounded"] and 6 in cited(said)
    # the document's main points are still its outline
    (outline,) = talk(client, "这份文件的亮点说了啥")
    assert "4个部分" in outline["answer"] and cited(outline) == []


def test_anything_else_for_whom_the_topic_was_about(client: TestClient) -> None:
    # no other measure is as close to the topic, but others serve the older people it names
    first, other = talk(client, "退休老人能上市民夜校吗", "还有吗")
    assert cited(first)[0] == 3
    assert other["grounded"] and 6 in cited(other) and 3 not in cited(other)


def test_what_the_policy_offers_people_from_abroad_lists_what_serves_them(
    client: TestClient,
) -> None:
    (listing,) = talk(client, "What is in it for visitors from abroad?")
    assert listing["grounded"] and 16 in cited(listing) and len(cited(listing)) >= 2


def test_english_signs_are_the_multilingual_signage(client: TestClient) -> None:
    (signs,) = talk(client, "Are they putting up English signs for tourists?")
    assert cited(signs)[:1] == [16]


def test_ones_industry_after_saying_who_one_is_is_that_industry(client: TestClient) -> None:
    _, asked = talk(
        client, "We run an esports club.", "Is anything in there related to our industry?"
    )
    assert cited(asked)[:1] == [9]


def test_so_opens_a_follow_up_in_english(client: TestClient) -> None:
    # alone, the second names no measure's words and would find another measure
    first, then = talk(
        client,
        "Can patients from overseas use commercial health insurance in Shanghai hospitals?",
        "So would I still have to pay at the counter first, or is it settled directly?",
    )
    assert cited(first)[0] == 4
    assert cited(then) == [4]


@pytest.mark.parametrize("closing", ["ok明白了 3q", "好的thx"])
def test_thanks_in_chat_shorthand_is_a_closing(client: TestClient, closing: str) -> None:
    first, last = talk(client, "做家政服务品牌有什么支持", closing)
    assert first["grounded"]
    assert last["citations"] == []


def test_what_a_term_costs_and_whether_it_is_easy_to_get_in_stays_on_the_topic(
    client: TestClient,
) -> None:
    first, cost = talk(client, "下了班想去学点东西，有夜校吗", "那一期课大概多少钱，难报吗")
    assert cited(first)[0] == 3
    assert cost["grounded"] and cited(cost)[:1] == [3]


def test_when_it_will_be_put_into_effect_stays_on_the_topic(client: TestClient) -> None:
    # 落实 is a word of a dining measure's text; here it asks when the last topic happens
    first, when = talk(client, "想让小区附近多点健身场地", "那啥时候能落实")
    assert cited(first)[0] == 2
    assert cited(when)[:1] == [2] and "文件没有规定具体的时间" in when["answer"]


def test_the_fee_for_a_term_after_naming_the_measure_stays_on_it(client: TestClient) -> None:
    first, fee = talk(client, "夜校是在哪一条里", "一学期学费大概多少")
    assert cited(first)[0] == 3
    assert fee["grounded"] and cited(fee)[:1] == [3]


def test_which_article_is_about_a_topic_lists_those_that_say_it(client: TestClient) -> None:
    listing, other = talk(client, "和体育有关的是哪一条", "还有别的吗")
    assert cited(listing)[0] == 2  # its heading names 体育
    assert {2, 11, 12} <= set(cited(listing))
    # every measure that says 体育 was listed: none of another topic is offered as more
    assert not set(cited(other)) - set(cited(listing))


def test_a_list_for_marathon_runners_holds_the_marathon_measure(client: TestClient) -> None:
    (reply,) = talk(client, "Anything for people who like running marathons?")
    assert cited(reply)[:1] == [14]


def test_a_foreigner_living_here_gets_what_serves_foreign_visitors(client: TestClient) -> None:
    first, useful = talk(client, "I'm an expat working in Shanghai.", "what here is useful for me?")
    assert set(cited(first)) == {4, 11, 16}
    assert cited(useful)[:1] == [16]


def test_visitors_who_speak_no_chinese_are_foreign_visitors(client: TestClient) -> None:
    (reply,) = talk(
        client,
        "My parents don't speak Chinese. Is there anything to help them get around as visitors?",
    )
    assert cited(reply)[:1] == [16]  # multilingual services and signage


def test_a_claim_put_with_ba_is_checked_and_a_true_one_in_everyday_words_stands(
    client: TestClient,
) -> None:
    (false,) = talk(client, "算力券只给大企业的吧")
    assert cited(false)[:1] == [13] and "原文没有这样的说法" in false["answer"]
    # 博物馆 is the text's 文博场馆, and 以后会 claims nothing
    (true,) = talk(client, "博物馆以后会夜间开放对吧")
    assert cited(true)[:1] == [1] and "没有这样的说法" not in true["answer"]
