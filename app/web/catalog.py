"""The document for browsing and for clients that draw their own UI: the measures (all,
by audience, one in full), measures ranked for a query, and example questions."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from app.core.question import understand
from app.web.chat import check_message
from app.web.deps import ERRORS, ServicesDep
from app.web.errors import NotFound
from app.web.schemas import (
    AudienceOut,
    DocumentList,
    DocumentOut,
    EvidenceOut,
    MeasureDetail,
    MeasureList,
    MeasureSummary,
    SearchHit,
    SearchRequest,
    SearchResponse,
    Suggestions,
)
from ingest.source import Policy

# one spelling per measure: "06", "+6", "6.0", "1_0" and "六" would all parse as int, and
# several names for one page confuse caches, logs and clients alike
MEASURE_NUMBER = re.compile(r"[1-9][0-9]?")
router = APIRouter()


def measure_summary(policy: Policy, number: int) -> dict[str, Any]:
    measure = policy.measure(number)
    notes = policy.notes.get(number)
    return {
        "measure": number,
        "label": measure.label,
        "title": measure.title,
        "title_en": notes.title_en if notes else "",
        "section": measure.section.heading if measure.section else "",
        "audiences": list(policy.audiences_of(number)),
        "topics": list(notes.topics) if notes else [],
    }


def measure_detail(policy: Policy, number: str) -> MeasureDetail:
    """One measure in full; 404 unless `number` is 1..N in plain digits."""
    count = len(policy.document.measures)
    if not MEASURE_NUMBER.fullmatch(number) or int(number) > count:
        raise NotFound(
            f"there is no measure {number[:20]!r}: the document has measures 1 to {count}, "
            "written in plain digits (/v1/measures/6)"
        )
    parsed = policy.measure(int(number))
    return MeasureDetail(
        **measure_summary(policy, parsed.number),
        text=parsed.text,
        sentences=[s.text for s in parsed.sentences],
        doc_id=policy.doc_id,
        doc_title=policy.title,
    )


@router.post("/v1/search", response_model=SearchResponse, responses=ERRORS, tags=["chat"])
def search(body: SearchRequest, request: Request, services: ServicesDep) -> SearchResponse:
    """Measures ranked by relevance with their evidence, for clients that draw their own UI."""
    query = check_message(body.query, [], services.settings, request)
    decision = services.run(lambda chat: chat.scope(understand(query)))
    corpus = services.corpus
    hits = [
        SearchHit(
            measure=m.number,
            label=corpus.document(m.doc_id).measure(m.number).label,
            title=corpus.document(m.doc_id).measure(m.number).title,
            section=measure_summary(corpus.document(m.doc_id), m.number)["section"],
            doc_id=m.doc_id,
            score=round(m.score, 4),
            evidence=[
                EvidenceOut(text=e.text, start=e.start, end=e.end, score=round(e.score, 4))
                for e in m.evidence[:3]
            ],
        )
        for m in decision.ranked[: body.limit]
    ]
    return SearchResponse(
        query=query,
        in_scope=decision.in_scope,
        results=hits,
        request_id=request.state.request_id,
    )


@router.get("/v1/measures", response_model=MeasureList, responses=ERRORS, tags=["measures"])
def measures(
    services: ServicesDep,
    audience: Annotated[
        str | None, Query(description="only measures serving this audience id, e.g. elderly")
    ] = None,
) -> MeasureList:
    """The measures for browsing, optionally only those serving one audience."""
    policy = services.policy
    known = {a.id for a in policy.audiences}
    if audience is not None and audience not in known:
        raise NotFound(f"unknown audience {audience!r}: use one of {sorted(known)}")
    numbers = [
        m.number
        for m in policy.document.measures
        if audience is None or audience in policy.notes[m.number].audiences
    ]
    return MeasureList(
        measures=[MeasureSummary(**measure_summary(policy, n)) for n in numbers],
        audiences=[
            AudienceOut(id=a.id, label=a.label, label_en=a.label_en) for a in policy.audiences
        ],
    )


@router.get(
    "/v1/measures/{number}", response_model=MeasureDetail, responses=ERRORS, tags=["measures"]
)
def measure(
    number: Annotated[str, Path(description="1 to 16, in plain digits", examples=["6"])],
    services: ServicesDep,
) -> MeasureDetail:
    """One measure of the default document in full."""
    return measure_detail(services.policy, number)


@router.get("/v1/documents", response_model=DocumentList, tags=["measures"])
def documents(services: ServicesDep) -> DocumentList:
    """The documents answers come from; the first is the default one /v1/measures serves."""
    return DocumentList(
        documents=[
            DocumentOut(
                doc_id=p.doc_id,
                title=p.title,
                title_en=p.title_en,
                issuers=list(p.issuers),
                date=p.issue_date_iso or None,
                doc_number=p.doc_number,
                url=p.url,
                status="current" if p.current else "superseded",
                superseded_by=p.superseded_by,
                measures=len(p.document.measures),
                sections=len(p.document.sections),
            )
            for p in services.corpus.documents
        ]
    )


@router.get(
    "/v1/documents/{doc_id}/measures",
    response_model=MeasureList,
    responses=ERRORS,
    tags=["measures"],
)
def document_measures(doc_id: str, services: ServicesDep) -> MeasureList:
    """One document's measures for browsing."""
    policy = document_or_404(services, doc_id)
    return MeasureList(
        measures=[
            MeasureSummary(**measure_summary(policy, m.number)) for m in policy.document.measures
        ],
        audiences=[
            AudienceOut(id=a.id, label=a.label, label_en=a.label_en)
            for a in services.corpus.audiences
        ],
    )


@router.get(
    "/v1/documents/{doc_id}/measures/{number}",
    response_model=MeasureDetail,
    responses=ERRORS,
    tags=["measures"],
)
def document_measure(
    doc_id: str,
    number: Annotated[str, Path(description="1 to N, in plain digits", examples=["6"])],
    services: ServicesDep,
) -> MeasureDetail:
    """One measure of any document in full."""
    return measure_detail(document_or_404(services, doc_id), number)


def document_or_404(services: ServicesDep, doc_id: str) -> Policy:
    if not services.corpus.has(doc_id):
        known = [p.doc_id for p in services.corpus.documents]
        raise NotFound(f"there is no document {doc_id[:80]!r}: use one of {known}")
    return services.corpus.document(doc_id)


@router.get("/v1/suggestions", response_model=Suggestions, tags=["chat"])
def suggestions(services: ServicesDep) -> Suggestions:
    """Example questions for a welcome screen, in Chinese and in English."""
    chinese, english = services.welcome
    return Suggestions(suggestions=list(chinese), suggestions_en=list(english))
