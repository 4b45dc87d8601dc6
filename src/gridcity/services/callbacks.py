"""回访 (callback) of a 12345 case, the effect of the workflow's `callback` action
(`services.cases.transition` calls it inside the action's transaction): the caller's verdict becomes
the rating of the case's latest closure (`domain.callbacks`), on the books of the department that did
the work, and is counted in the rollups with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.models import Case, CaseRating
from gridcity.domain.callbacks import STARS, VERDICT_LABELS, parse_solved, parse_verdict
from gridcity.domain.errors import Conflict, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.services import rollups
from gridcity.services.platform import Platform

# Cases registered from a phone call: the 12345 hotline is gridcity's only telephone channel (an
# operator registers every call under it), so "hotline and phone cases" are the hotline channel's.
CALLBACK_CHANNELS = ("hotline",)


def record(
    platform: Platform, db: Session, user: Principal, case: Case, request: Any, now: datetime
) -> dict[str, Any]:
    """Record the callback of the case's latest closure; refused (in Chinese, for the operator)
    for a case that did not come by telephone, without a verdict, or already rated."""
    if case.channel not in CALLBACK_CHANNELS:
        raise Invalid(
            message("callback.not_hotline"),
            key="channel",
        )
    verdict = parse_verdict(request.fields.get("verdict"))
    solved = parse_solved(request.fields.get("solved"))
    rated = db.scalar(
        select(CaseRating.source).where(CaseRating.case_id == case.id, CaseRating.round == case.reopen_count)
    )
    if rated is not None:
        who = message("callback.called_back") if rated == "callback" else message("callback.reporter_rated")
        raise Conflict(message("callback.rated", who=who), key="rated_twice")
    rating = CaseRating(
        case_id=case.id,
        round=case.reopen_count,
        stars=STARS[verdict],
        comment=request.note.strip(),
        rated_by=user.id,
        rated_at=now,
        department_id=case.department_id,  # the department that did the work keeps the rating
        source="callback",
        verdict=verdict,
        solved=solved,
    )
    db.add(rating)  # written with the action's history row, in its transaction
    rollups.track_rating(platform, db, case, rating)
    return {
        "verdict": verdict,
        "verdict_zh": VERDICT_LABELS[verdict],
        "solved": solved,
        "stars": rating.stars,
    }
