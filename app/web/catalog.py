"""The document for browsing and for clients that draw their own UI: the measures (all,
by audience, one in full), measures ranked for a query, and example questions."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from app.core.extractive import EXAMPLES_ZH
from app.core.question import understand
from app.web.chat import check_message
from app.web.deps import ERRORS, ServicesDep
from app.web.errors import NotFound
from app.web.schemas import (
    AudienceOut,
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
    notes = policy.notes[number]
    return {
        "measure": number,
        "label": measure.label,
        "title": measure.title,
        "title_en": notes.title_en,
        "section": measure.section.heading if measure.section else "",
        "audiences": list(notes.audiences),
        "topics": list(notes.topics),
    }


@router.post("/v1/search", response_model=SearchResponse, responses=ERRORS, tags=["chat"])
def search(body: SearchRequest, request: Request, services: ServicesDep) -> SearchResponse:
    """Measures ranked by relevance with their evidence, for clients that draw their own UI."""
    query = check_message(body.query, [], services.settings, request)
    decision = services.run(lambda chat: chat.scope(understand(query)))
    policy = services.policy
    hits = [
        SearchHit(
            measure=m.number,
            label=policy.measure(m.number).label,
            title=policy.measure(m.number).title,
            section=measure_summary(policy, m.number)["section"],
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
    """One measure's full text."""
    policy = services.policy
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


@router.get("/v1/suggestions", response_model=Suggestions, tags=["chat"])
def suggestions() -> Suggestions:
    """Example questions for a welcome screen."""
    return Suggestions(suggestions=list(EXAMPLES_ZH))
