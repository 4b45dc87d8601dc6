"""Published monthly rankings (月排名): publish a month's frozen ranking of districts, streets or
departments (city-level leaders and admins), read the latest or any earlier version (public); and
the month's supervision list (月检查) for staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import Ranking, RankingVersions, SupervisionList, answers, refusal
from gridcity.services import rankings, supervision

router = APIRouter(tags=["rankings"])

PeriodPath = Annotated[str, Path(max_length=7, description="the month, YYYY-MM (city's timezone)")]
KindPath = Annotated[str, Path(max_length=20, description="district | street | department")]


class PublishBody(BaseModel):
    reason: str | None = Field(
        default=None,
        max_length=rankings.MAX_REASON,
        description="why the month is published again (required for a correction: version 2 on)",
    )


@router.post(
    "/rankings/{period}/{kind}",
    status_code=201,
    response_model=Any,
    responses=answers(Ranking, 401, 422, status=201, description="The published version")
    | refusal(403, "Rankings are published by city-level leaders and admins.")
    | refusal(409, "The month is published already: publishing it again (a correction) needs a `reason`."),
)
def publish_ranking(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    period: PeriodPath,
    kind: KindPath,
    body: PublishBody | None = None,
) -> dict[str, Any]:
    """Freeze the ranking of an ended month as evaluated now (city-level leaders and admins).
    Publishing a month again is a correction: it needs `reason` and makes the next version."""
    snapshot = rankings.publish(platform, db, user, period, kind, body.reason if body else None)
    return rankings.snapshot_view(snapshot, snapshot.version)


@router.get(
    "/rankings/{period}/{kind}",
    response_model=Any,
    responses=answers(Ranking, 422) | refusal(404, "The month's ranking (or that version) is not published."),
)
def get_ranking(
    db: DbDep,
    period: PeriodPath,
    kind: KindPath,
    version: Annotated[int | None, Query(ge=1, le=100_000, description="an earlier version")] = None,
) -> dict[str, Any]:
    """The published ranking (public): the latest version, or `version`; `corrected` and `reason`
    say whether and why it replaced an earlier one; every row exactly as evaluated when published."""
    snapshot = rankings.latest(db, period, kind, version)
    count = len(rankings.versions(db, period, kind))
    return rankings.snapshot_view(snapshot, count)


@router.get("/rankings/{period}/{kind}/versions", response_model=Any, responses=answers(RankingVersions, 422))
def get_versions(db: DbDep, period: PeriodPath, kind: KindPath) -> dict[str, Any]:
    """Every published version of the month's ranking, oldest first, with who, when and why."""
    found = rankings.versions(db, period, kind)
    return {"period": period, "kind": kind, "versions": [rankings.version_view(s) for s in found]}


@router.get(
    "/supervision-list",
    response_model=Any,
    responses=answers(SupervisionList, 401, 422)
    | refusal(403, "Citizens read the public list on the rankings page."),
)
def get_supervision_list(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    period: Annotated[str, Query(max_length=7, description="the month, YYYY-MM (city's timezone)")],
) -> dict[str, Any]:
    """The month's supervision list (月检查): the cases whose department let its disposal (or its
    rework) run past the escalation ladder, each with the stage, the department charged and the
    hours past the deadline; the cases of the caller's territory (a department: its own)."""
    return supervision.supervision_entries(platform, db, user, period)
