"""Evaluations (绩效评价): monthly indicators, composite scores and grades of regions, departments
and posts, every figure with its numerator and denominator so that anyone can recompute it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import Evaluation, answers, refusal
from gridcity.api.views import FastJSON
from gridcity.domain.assessment import parse_period, previous_month
from gridcity.services import evaluation

router = APIRouter(tags=["evaluations"])


@router.get(
    "/evaluations",
    response_model=None,
    responses=answers(Evaluation, 401, 422)
    | refusal(
        403, "Evaluations are read by leaders, admins and shift leaders of a platform, not a department."
    ),
)
def get_evaluations(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    period: Annotated[
        str | None,
        Query(
            max_length=40,
            description="a month of the city's timezone, YYYY-MM (default: last month), "
            "or days YYYY-MM-DD..YYYY-MM-DD (the second day not included)",
        ),
    ] = None,
    kind: Annotated[str, Query(max_length=20, description="region | department | post")] = "region",
    level: Annotated[
        str | None,
        Query(
            max_length=20,
            description="region: district (default) | street | community | grid; "
            "post: supervisor (default) | operator | shift_leader | dispatcher",
        ),
    ] = None,
    first_day: Annotated[
        str | None, Query(alias="from", max_length=10, description="first day YYYY-MM-DD (with `to`)")
    ] = None,
    end_day: Annotated[
        str | None, Query(alias="to", max_length=10, description="first day NOT included, YYYY-MM-DD")
    ] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="page of rows, in rank order")] = 1,
    page_size: Annotated[int, Query(ge=1, le=10_000, description="rows per page")] = 1000,
) -> FastJSON:
    """One table of the assessment for the caller's area (leaders, admins, shift leaders): per row
    the scope, every indicator as `{value, numerator, denominator}` (value = numerator / denominator
    as a percentage, an average of stars, or a count per month; rounded half-up to 2 places; null
    when the denominator is 0) and its score, the composite, the grade (A–E) and the rank; the
    indicators' labels, units and weights once in `indicators`. Rows come in rank order, a page at a
    time (`total` says how many). Outcomes (closed or not, overdue or not) are judged now: see
    `as_of`. The definitions of every indicator: `gridcity.domain.assessment`."""
    tz = platform.settings.timezone
    if not (period or first_day or end_day):
        period = previous_month(platform.now(), tz)
    chosen = parse_period(period, tz, first_day, end_day)
    result = evaluation.evaluate(platform, db, user, chosen, kind, level)
    return FastJSON(evaluation.evaluation_view(result, page, page_size))
