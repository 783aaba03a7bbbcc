"""Probes for an orchestrator: alive, and ready to answer."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.web.deps import ServicesDep
from app.web.schemas import ErrorResponse

router = APIRouter(tags=["ops"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"model": ErrorResponse}})
def readyz(services: ServicesDep) -> JSONResponse:
    count = services.run(lambda chat: chat.retriever.store.count())
    return JSONResponse(
        {"status": "ready", "chunks": count, "embedder": services.settings.embedder}
    )
