"""The record of personal data erased after its retention period (admins, their area):
`services.retention`, docs/security.md#retention."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import answers
from gridcity.api.responses.retention import Erasures
from gridcity.api.schemas import Day
from gridcity.services import retention

router = APIRouter(tags=["personal data"])


@router.get("/retention/erasures", response_model=Any, responses=answers(Erasures, 401, 403, 422))
def erasures(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    kind: retention.Kind | None = None,
    since: Annotated[Day | None, Query(description="first day (city time), inclusive")] = None,
    until: Annotated[Day | None, Query(description="last day (city time), inclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=retention.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """What was erased after its retention period, newest first (admins, their area): the kind
    (a case's reporter contact, a resident anonymised), the case or resident, which fields, when the
    case ended or the resident moved out, when and by whom it was erased — never the erased values."""
    flt = retention.ErasureFilter(kind=kind, since=since, until=until)
    items, total = retention.erasures(platform, db, user, flt, limit, offset)
    return {"items": items, "total": total}
