"""The HTTP contract's own models: clients (the WeChat mini-program, the page, any JSON
program) rely on these names."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.turn import Citation, Reply
from ingest.source import Audience


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=4000)


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"message": "我家老人需要长期护理，有什么养老服务？"},
                {
                    "message": "那企业呢？",
                    "history": [
                        {"role": "user", "content": "第十二条讲的是什么？"},
                        {
                            "role": "assistant",
                            "content": "根据第（十二）条「加快创新“知识产权（IP）+”新模式」：…",
                        },
                    ],
                },
            ]
        }
    )

    message: str = Field(description="the user's question, at most 500 characters")
    history: list[Turn] = Field(default_factory=list, description="earlier turns, oldest first")
    persona: str | None = Field(
        default=None,
        description="who the person said they are, as an audience id from /v1/measures "
        '(e.g. "elderly"); "" when they cleared it; absent: read from the history',
        examples=["elderly"],
    )
    document: str | None = Field(
        default=None,
        description="answer from this document alone: a doc_id from /v1/documents; "
        "absent: the whole corpus",
        examples=["sh-service-consumption-2025"],
    )


class CitationOut(BaseModel):
    measure: int = Field(ge=1, examples=[6])
    label: str = Field(examples=["（六）"])
    title: str = Field(examples=["提升家政和银发服务消费品质"])
    title_en: str = Field(examples=["Better domestic and eldercare services"])
    section: str = Field(examples=["一、丰富高品质服务消费新供给"])
    quote: str = Field(examples=["持续发展助医陪诊、助浴、助行等养老服务新业态。"])
    doc_id: str
    doc_title: str
    url: str = Field(description="the whole measure", examples=["/v1/measures/6"])

    @classmethod
    def of(cls, citation: Citation, default_doc: str | None = None) -> "CitationOut":
        if default_doc in (None, citation.doc_id):
            url = f"/v1/measures/{citation.measure}"
        else:
            url = f"/v1/documents/{citation.doc_id}/measures/{citation.measure}"
        return cls(**citation.__dict__, url=url)


class AudienceOut(BaseModel):
    id: str
    label: str
    label_en: str


class ChatResponse(BaseModel):
    answer: str
    citations: list[CitationOut]
    grounded: bool = Field(description="false when the document does not cover the question")
    mode: Literal["extractive", "llm"]
    suggestions: list[str]
    request_id: str
    fallback_reason: str | None = None
    persona: list[AudienceOut] = Field(
        default_factory=list, description="the audiences the answer was ranked for"
    )

    @classmethod
    def of(
        cls,
        reply: Reply,
        request_id: str,
        audiences: dict[str, Audience] | None = None,
        default_doc: str | None = None,
    ) -> "ChatResponse":
        return cls(
            answer=reply.answer.text,
            citations=[CitationOut.of(c, default_doc) for c in reply.answer.citations],
            grounded=reply.answer.grounded,
            mode=reply.mode,
            suggestions=list(reply.answer.suggestions),
            request_id=request_id,
            fallback_reason=reply.fallback_reason,
            persona=[
                AudienceOut(id=a.id, label=a.label, label_en=a.label_en)
                for a in (audiences or {}).values()
                if a.id in reply.persona
            ],
        )


class SearchRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"query": "知识产权", "limit": 3}]})

    query: str
    limit: int = Field(default=5, ge=1, le=16)


class EvidenceOut(BaseModel):
    text: str
    start: int
    end: int
    score: float


class SearchHit(BaseModel):
    doc_id: str
    measure: int
    label: str
    title: str
    section: str
    score: float
    evidence: list[EvidenceOut]


class SearchResponse(BaseModel):
    query: str
    in_scope: bool
    results: list[SearchHit]
    request_id: str


class MeasureSummary(BaseModel):
    measure: int
    label: str
    title: str
    title_en: str
    section: str
    audiences: list[str]
    topics: list[str]


class MeasureList(BaseModel):
    measures: list[MeasureSummary]
    audiences: list[AudienceOut]


class MeasureDetail(MeasureSummary):
    text: str
    sentences: list[str]
    doc_id: str
    doc_title: str


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    title_en: str
    issuers: list[str]
    date: str | None = Field(description="issued, as YYYY-MM-DD")
    doc_number: str | None = Field(description="文号, e.g. 沪府办发〔2025〕23号")
    url: str | None
    status: Literal["current", "superseded"]
    superseded_by: str | None
    measures: int
    sections: int


class DocumentList(BaseModel):
    documents: list[DocumentOut]


class Suggestions(BaseModel):
    suggestions: list[str]
    suggestions_en: list[str] = Field(description="the same welcome, for English speakers")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["message_too_long"])
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail
