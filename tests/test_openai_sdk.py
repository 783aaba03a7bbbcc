"""The OpenAI-compatible routes as integrators meet them: the real `openai` SDK and
LangChain's ChatOpenAI against the real app on a real uvicorn."""

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from langchain_openai import ChatOpenAI
from openai import OpenAI
from pydantic import BaseModel

from app.api import create_app
from app.settings import Settings
from tests.conftest import make_settings
from tests.server import serving

ELDERCARE = "我家老人需要长期护理，有什么养老服务？"
ASK = [{"role": "user", "content": ELDERCARE}]


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    with serving(create_app(settings)) as url:
        yield f"{url}/v1"


@pytest.fixture(scope="module")
def sdk(base_url: str) -> OpenAI:
    return OpenAI(base_url=base_url, api_key="not-needed", max_retries=0)


def test_models_list_names_the_service(sdk: OpenAI) -> None:
    models = sdk.models.list()
    assert [(m.id, m.object, m.owned_by) for m in models] == [("policybot", "model", "policybot")]
    assert sdk.models.retrieve("policybot").id == "policybot"


def test_an_unknown_model_is_not_found(sdk: OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        sdk.models.retrieve("gpt-4o")
    assert (raised.value.code, raised.value.param) == ("model_not_found", "model")
    assert "'policybot'" in raised.value.message


def test_an_answer_counts_its_usage_and_cites(sdk: OpenAI) -> None:
    completion = sdk.chat.completions.create(model="policybot", messages=ASK)
    content = completion.choices[0].message.content or ""
    assert content.startswith("第（六）条「提升家政和银发服务消费品质」")
    assert content.endswith("- 第（六）条「提升家政和银发服务消费品质」 /v1/measures/6")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    # 17 CJK characters and 2 punctuation marks in the question
    assert completion.usage.prompt_tokens == 19
    assert completion.usage.completion_tokens > 50
    assert completion.usage.total_tokens == 19 + completion.usage.completion_tokens
    assert (completion.model_extra or {})["citations"][0]["measure"] == 6


def test_a_stream_ends_with_the_usage_chunk_when_asked(sdk: OpenAI) -> None:
    whole = sdk.chat.completions.create(model="policybot", messages=ASK)
    chunks = list(
        sdk.chat.completions.create(
            model="policybot",
            messages=ASK,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage == whole.usage
    assert all(c.usage is None for c in chunks[:-1])


def test_a_stream_has_no_usage_chunk_unless_asked(sdk: OpenAI) -> None:
    chunks = list(sdk.chat.completions.create(model="policybot", messages=ASK, stream=True))
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.choices and c.usage is None for c in chunks)


def test_max_tokens_cuts_at_a_sentence_end(sdk: OpenAI) -> None:
    completion = sdk.chat.completions.create(model="policybot", messages=ASK, max_tokens=80)
    content = completion.choices[0].message.content or ""
    assert completion.choices[0].finish_reason == "length"
    assert content.startswith("第（六）条") and content.rstrip().endswith("。")
    assert completion.usage is not None and completion.usage.completion_tokens <= 80


def test_max_completion_tokens_cuts_a_stream_too(sdk: OpenAI) -> None:
    chunks = list(
        sdk.chat.completions.create(
            model="policybot",
            messages=ASK,
            stream=True,
            max_completion_tokens=80,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-2].choices[0].finish_reason == "length"
    assert text.rstrip().endswith("。") and "依据" not in text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens <= 80


def test_a_refusal_lists_the_questions_it_suggests(sdk: OpenAI) -> None:
    messages = [{"role": "user", "content": "上海明天会下雨吗？"}]
    completion = sdk.chat.completions.create(model="policybot", messages=messages)
    content = completion.choices[0].message.content or ""
    assert "您可以这样问：\n- 我家老人需要长期护理，有什么养老服务？\n- " in content
    assert (completion.model_extra or {})["citations"] == []


@pytest.mark.parametrize(
    ("option", "param"),
    [
        ({"n": 2}, "n"),
        ({"tools": [{"type": "function", "function": {"name": "weather"}}]}, "tools"),
        ({"tool_choice": "required"}, "tool_choice"),
        ({"functions": [{"name": "weather", "parameters": {}}]}, "functions"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"logprobs": True}, "logprobs"),
    ],
)
def test_unsupported_options_are_bad_requests(
    sdk: OpenAI, option: dict[str, object], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.chat.completions.create(model="policybot", messages=ASK, **option)
    error = raised.value
    assert (error.status_code, error.type, error.code, error.param) == (
        400,
        "invalid_request_error",
        "unsupported_option",
        param,
    )


def test_neutral_values_of_those_options_are_accepted(sdk: OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model="policybot",
        messages=ASK,
        n=1,
        response_format={"type": "text"},
        logprobs=False,
    )
    assert completion.choices[0].finish_reason == "stop"


def test_a_schema_error_is_typed_and_in_openai_shape(sdk: OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as raised:
        sdk.chat.completions.create(
            model="policybot", messages=[{"role": "robot", "content": "hi"}]
        )
    body = raised.value.body
    assert isinstance(body, dict) and body["type"] == "invalid_request_error"
    assert "messages.0.role" in body["message"]


def test_rate_limits_and_body_limits_reach_the_sdk_typed(store_dir: Path) -> None:
    settings = make_settings(
        store_dir, rate_limit_per_minute=1, rate_limit_burst=1, max_body_bytes=1024
    )
    with serving(create_app(settings)) as url:
        sdk = OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0)
        with pytest.raises(openai.APIStatusError) as too_large:
            sdk.chat.completions.create(
                model="policybot", messages=[{"role": "user", "content": "长" * 2000}]
            )
        with pytest.raises(openai.RateLimitError) as limited:
            sdk.models.list()
    assert too_large.value.status_code == 413
    assert too_large.value.code == "payload_too_large"
    assert limited.value.type == "rate_limit_error" and limited.value.code == "rate_limited"
    assert "try again in" in limited.value.message


def test_langchain_chat_openai_answers(base_url: str) -> None:
    model = ChatOpenAI(base_url=base_url, api_key="not-needed", model="policybot", max_retries=0)
    message = model.invoke(ELDERCARE)
    assert "第（六）条「提升家政和银发服务消费品质」" in str(message.content)
    assert message.usage_metadata is not None and message.usage_metadata["input_tokens"] == 19
    streamed = "".join(str(c.content) for c in model.stream(ELDERCARE))
    assert streamed == message.content


class Eligibility(BaseModel):
    measure: int
    eligible: bool


def test_langchain_structured_output_fails_at_once_with_a_400(base_url: str) -> None:
    model = ChatOpenAI(base_url=base_url, api_key="not-needed", model="policybot", max_retries=0)
    with pytest.raises(openai.BadRequestError) as raised:
        model.with_structured_output(Eligibility).invoke(ELDERCARE)
    assert raised.value.param == "response_format"


def test_a_store_not_ready_reaches_the_sdk_as_a_server_error(tmp_path: Path) -> None:
    with serving(create_app(make_settings(tmp_path / "empty", rate_limit_per_minute=0))) as url:
        sdk = OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0)
        with pytest.raises(openai.InternalServerError) as raised:
            sdk.chat.completions.create(model="policybot", messages=ASK)
    assert raised.value.status_code == 503
    assert (raised.value.type, raised.value.code) == ("server_error", "store_unavailable")
    assert "policybot ingest" in raised.value.message
