"""The chat page in a real headless Chromium against the real app on a real uvicorn."""

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Request, Route, expect

from app.api import create_app
from app.settings import Settings
from ingest.source import Policy
from tests.conftest import ARTIFACTS, quoted_from

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = time.monotonic()
    while not server.started:
        assert thread.is_alive() and time.monotonic() - started < 60, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@contextmanager
def opened(browser: Browser, base_url: str, locale: str) -> Iterator[Page]:
    """The page in a browser whose preferred language is `locale`."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale=locale, base_url=base_url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/")
    expect(page.locator("#suggestions .chip").first).to_be_visible()
    yield page
    context.close()
    assert problems == []


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    with opened(browser, base_url, "zh-CN") as page:
        yield page


@pytest.fixture
def english_page(browser: Browser, base_url: str) -> Iterator[Page]:
    with opened(browser, base_url, "en-US") as page:
        yield page


def ask(page: Page, question: str, label: str = "您的问题") -> None:
    page.get_by_label(label).fill(question)
    page.get_by_label(label).press("Enter")


def chat_requests(page: Page) -> list[dict[str, Any]]:
    """The bodies the page sends to /v1/chat/stream, as they are sent."""
    bodies: list[dict[str, Any]] = []

    def record(request: Request) -> None:
        if request.url.endswith("/v1/chat/stream"):
            bodies.append(request.post_data_json)

    page.on("request", record)
    return bodies


def answered(page: Page, question: str, label: str = "您的问题") -> dict[str, Any]:
    """Asks, and returns the stream's `done` event: what the service answered."""
    with page.expect_response("**/v1/chat/stream") as response:
        ask(page, question, label)
    events = response.value.text().split("\n\n")
    done = next(event for event in events if event.startswith("event: done\n"))
    return dict(json.loads(done.split("data: ", 1)[1]))


def fail_chat(page: Page, status: int, code: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": {"code": code, "message": f"{code} for the test"}})

    def fulfil(route: Route) -> None:
        route.fulfill(status=status, content_type="application/json", body=body, headers=headers)

    page.route("**/v1/chat**", fulfil)


def test_an_answer_cites_measure_six_and_its_chip_opens_the_quote(
    page: Page, policy: Policy
) -> None:
    ask(page, "我家老人需要护理")
    chip = page.locator(".cite", has_text="（六）提升家政和银发服务消费品质")
    expect(chip).to_be_visible()
    expect(page.locator(".msg.bot .answer-text")).to_contain_text("（六）")
    quote = page.locator(f"#{chip.get_attribute('aria-controls')}")
    expect(quote).to_be_hidden()
    chip.click()
    expect(chip).to_have_attribute("aria-expanded", "true")
    expect(quote).to_be_visible()
    quoted = quote.locator("blockquote").inner_text()
    assert quoted and quoted_from(quoted, policy.measure(6).text)
    page.screenshot(path=str(ARTIFACTS / "page.png"))


def test_the_whole_measure_opens_in_a_dialog_and_escape_closes_it(page: Page) -> None:
    ask(page, "我家老人需要护理")
    page.locator(".cite", has_text="（六）").click()
    page.get_by_role("button", name="查看第（六）条全文").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text("（六）提升家政和银发服务消费品质")
    expect(dialog).to_contain_text("认知障碍照护床位")
    page.screenshot(path=str(ARTIFACTS / "dialog.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_an_out_of_scope_question_is_declined_kindly_with_suggestions(page: Page) -> None:
    ask(page, "上海明天会下雨吗？")
    reply = page.locator(".msg.not-covered")
    expect(reply).to_contain_text("没有涉及这个问题")
    expect(reply.locator(".cite")).to_have_count(0)
    example = reply.get_by_role("button", name="我家老人需要长期护理，有什么养老服务？")
    expect(example).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "refusal.png"))
    example.click()
    expect(page.locator(".cite", has_text="（六）")).to_be_visible()


def test_picking_an_audience_lists_its_measures(page: Page) -> None:
    page.get_by_role("button", name="我是…").click()
    page.get_by_role("button", name="老年人及家属").click()
    result = page.locator("#audience-result")
    expect(result).to_contain_text("与「老年人及家属」相关的措施")
    expect(result.get_by_role("button", name="（六） 提升家政和银发服务消费品质")).to_be_visible()
    expect(result).not_to_contain_text("（五）")
    page.screenshot(path=str(ARTIFACTS / "audience.png"))


def test_browse_lists_the_sixteen_measures_by_section(page: Page) -> None:
    page.get_by_role("button", name="全部措施").click()
    expect(page.locator("#browse-list .measure")).to_have_count(16)
    expect(page.locator("#documents")).to_be_hidden()  # one document: no filter
    expect(page.locator("#browse-list h2").first).to_have_text("一、丰富高品质服务消费新供给")
    page.screenshot(path=str(ARTIFACTS / "browse.png"))


def test_a_server_error_shows_a_message_and_retry_answers(page: Page) -> None:
    fail_chat(page, 500, "internal_error")
    ask(page, "我家老人需要护理")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("服务暂时出了点问题")
    page.screenshot(path=str(ARTIFACTS / "error.png"))
    page.unroute("**/v1/chat**")
    alert.get_by_role("button", name="重试").click()
    expect(page.locator(".cite", has_text="（六）")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_rate_limiting_says_when_to_try_again(page: Page) -> None:
    fail_chat(page, 429, "rate_limited", headers={"Retry-After": "12"})
    ask(page, "我家老人需要护理")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("提问太频繁了，请约 12 秒后再试。")
    expect(alert.get_by_role("button", name="重试")).to_be_visible()


def test_a_lost_connection_is_reported(page: Page) -> None:
    page.route("**/v1/chat**", lambda route: route.abort("connectionreset"))
    ask(page, "我家老人需要护理")
    expect(page.get_by_role("alert")).to_contain_text("网络连接失败")


def test_a_streamed_answer_is_read_and_server_text_stays_text(page: Page) -> None:
    citation = {
        "measure": 6,
        "label": "（六）",
        "title": "提升家政和银发服务消费品质",
        "title_en": "",
        "section": "",
        "quote": "<b>引文</b>",
        "doc_id": "d",
        "doc_title": "t",
        "url": "/v1/measures/6",
    }
    done = {
        "answer": "<img src=x onerror=alert(1)>答案",
        "citations": [citation],
        "grounded": True,
        "mode": "extractive",
        "suggestions": [],
        "request_id": "r",
        "fallback_reason": None,
        "replaced": False,
    }
    events = [
        ("citations", {"citations": [citation], "grounded": True, "request_id": "r"}),
        ("delta", {"text": "<img src=x onerror=alert(1)>"}),
        ("delta", {"text": "答案"}),
        ("done", done),
    ]
    body = "".join(
        f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n" for name, data in events
    )
    page.route(
        "**/v1/chat/stream",
        lambda route: route.fulfill(
            status=200, content_type="text/event-stream; charset=utf-8", body=body.encode()
        ),
    )
    ask(page, "任意问题")
    expect(page.locator(".msg.bot .answer-text")).to_have_text("<img src=x onerror=alert(1)>答案")
    page.locator(".cite").click()
    expect(page.locator(".quote blockquote")).to_have_text("<b>引文</b>")
    assert page.locator(".msg img, .msg b").count() == 0


def test_the_page_reads_the_stream_when_the_server_has_one(page: Page) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url.split("/", 3)[3]))
    ask(page, "我家老人需要护理")
    expect(page.locator(".cite", has_text="（六）")).to_be_visible()
    assert "v1/chat/stream" in asked
    assert "v1/chat" not in asked


def test_without_a_stream_endpoint_the_page_asks_the_plain_one(page: Page) -> None:
    missing = json.dumps({"error": {"code": "not_found", "message": "Not Found"}})
    page.route(
        "**/v1/chat/stream",
        lambda route: route.fulfill(status=404, content_type="application/json", body=missing),
    )
    ask(page, "我家老人需要护理")
    expect(page.locator(".cite", has_text="（六）提升家政和银发服务消费品质")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_an_english_browser_gets_the_page_and_its_answers_in_english(english_page: Page) -> None:
    page = english_page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Measures")).to_be_visible()
    expect(page.get_by_role("button", name="I am…")).to_be_visible()
    expect(page.get_by_label("Your question")).to_have_attribute(
        "placeholder", "Type your question"
    )
    expect(page.locator(".welcome-title")).to_have_text(re.compile(r"^Hello!"))
    example = page.locator("#suggestions .chip").first
    expect(example).to_have_text("Are there multilingual menus for foreign visitors?")

    reply = answered(page, "Are there multilingual menus for foreign visitors?", "Your question")
    chip = page.locator(".cite", has_text="(16) Making service consumption more convenient")
    expect(chip).to_be_visible()
    text = page.locator(".msg.bot .answer-text")
    expect(text).to_have_text(reply["answer"])
    assert "multilingual menus" in reply["answer"]
    assert not re.search(r"[\u4e00-\u9fff]", reply["answer"])
    chip.click()
    expect(page.get_by_role("button", name="Read measure (16) in full")).to_be_visible()
    expect(page.locator(".quote blockquote")).to_contain_text("多语种菜单")  # the original
    page.screenshot(path=str(ARTIFACTS / "page-english.png"))

    page.get_by_role("button", name="Measures").click()
    expect(page.locator("#browse-list .measure")).to_have_count(16)
    expect(page.locator("#browse-list .measure").first).to_have_text(
        "(1)Upgrading culture and tourism services"
    )


def test_the_page_follows_the_language_the_person_writes_in(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    ask(page, "Will museums open in the evening?")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("button", name="Measures")).to_be_visible()
    expect(page.get_by_label("Your question")).to_have_attribute(
        "placeholder", "Type your question"
    )
    expect(page.locator(".cite", has_text="Upgrading culture and tourism services")).to_be_visible()
    expect(page.locator("#suggestions .chip").first).to_have_text(
        "Are there multilingual menus for foreign visitors?"
    )
    page.screenshot(path=str(ARTIFACTS / "page-switched-to-english.png"))

    ask(page, "我家老人需要护理", "Your question")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("button", name="发送")).to_be_visible()
    expect(page.get_by_role("button", name="全部措施")).to_be_visible()
    expect(page.get_by_label("您的问题")).to_have_attribute("placeholder", "输入您的问题")
    expect(page.locator(".cite", has_text="（六）提升家政和银发服务消费品质")).to_be_visible()
    expect(page.locator("#suggestions .chip").first).not_to_contain_text("multilingual")
    # an answer given in English keeps its English chip
    expect(page.locator(".cite").first).to_have_text(re.compile("Upgrading culture"))


def test_a_stated_persona_is_shown_and_clearing_it_sends_an_empty_persona(page: Page) -> None:
    sent = chat_requests(page)
    said = answered(page, "我们是开健身房的")
    assert [audience["id"] for audience in said["persona"]] == ["sports_fans"]
    chip = page.get_by_role("group", name="您的身份")
    expect(chip).to_have_text(re.compile(r"^\s*我是：体育爱好者"))
    page.screenshot(path=str(ARTIFACTS / "persona.png"))

    clear = chip.get_by_role("button", name="清除身份")
    clear.focus()
    page.keyboard.press("Enter")
    expect(chip).to_be_hidden()
    expect(page.get_by_label("您的问题")).to_be_focused()
    vague = answered(page, "有啥能用上的政策")
    later = answered(page, "再说说体育方面的")
    assert [body.get("persona") for body in sent] == [None, "", ""]
    assert "persona" not in sent[0]
    assert vague["persona"] == later["persona"] == []
    expect(chip).to_be_hidden()


def test_saying_who_one_is_again_after_clearing_sets_the_persona(page: Page) -> None:
    sent = chat_requests(page)
    ask(page, "我们是开健身房的")
    page.get_by_role("button", name="清除身份").click()
    said = answered(page, "我们是开餐厅的")
    assert [audience["id"] for audience in said["persona"]] == ["catering"]
    expect(page.get_by_role("group", name="您的身份")).to_have_text(re.compile("我是：餐饮企业"))
    answered(page, "有啥能用上的政策")
    assert "persona" not in sent[2]  # the history says who they are now
    assert page.locator(".msg.bot").last.locator(".cite").first.inner_text().startswith("（五）")


def test_picking_an_audience_sets_the_persona_of_the_chat(page: Page) -> None:
    sent = chat_requests(page)
    page.get_by_role("button", name="我是…").click()
    page.get_by_role("button", name="老年人及家属").click()
    page.get_by_role("button", name="问答").click()
    expect(page.get_by_role("group", name="您的身份")).to_have_text(
        re.compile("我是：老年人及家属")
    )
    reply = answered(page, "有哪些服务可以用？")
    assert sent == [{"message": "有哪些服务可以用？", "history": [], "persona": "elderly"}]
    assert [audience["id"] for audience in reply["persona"]] == ["elderly"]  # [] unless sent
    expect(page.get_by_role("group", name="您的身份")).to_be_visible()


def test_the_persona_chip_speaks_english_too(english_page: Page) -> None:
    page = english_page
    ask(page, "I run a restaurant", "Your question")
    chip = page.get_by_role("group", name="Who you are")
    expect(chip).to_have_text(re.compile("You are: Restaurants and food businesses"))
    chip.get_by_role("button", name="Clear who you are").click()
    expect(chip).to_be_hidden()


def test_errors_are_told_in_english_on_an_english_page(english_page: Page) -> None:
    fail_chat(english_page, 429, "rate_limited", headers={"Retry-After": "12"})
    ask(english_page, "Will museums open in the evening?", "Your question")
    alert = english_page.get_by_role("alert")
    expect(alert).to_contain_text("Too many questions at once. Try again in about 12 s.")
    english_page.unroute("**/v1/chat**")
    alert.get_by_role("button", name="Try again").click()
    expect(english_page.locator(".cite", has_text="(1) Upgrading culture")).to_be_visible()
