"""Retention of personal data (PIPL 第十九条: kept no longer than its purpose needs): what a case
holds of its reporter is erased `GRIDCITY_CONTACT_RETENTION_DAYS` after the case ended, a resident who
moved out is anonymised `GRIDCITY_RESIDENT_RETENTION_DAYS` after moving out. `gridcity retention run`
and the worker's hourly job do it; each erasure is recorded (`RetentionErasure`: the kind, the case or
resident id, which fields, when — never the values), and admins read the record on /admin/retention
and from GET /api/v1/retention/erasures.

What is erased (docs/security.md#retention):

- a case that ended (closed or rejected: `closed_at`; void: its last change, `updated_at`) longer ago
  than the period: the reporter's callback contact (name and phone), the comments of its ratings
  and callbacks (回访, free text a citizen wrote or an operator noted from the call), and the same
  words where the history holds them: the note of a callback, of a citizen's reopen or comment. The
  case, its description, address, the rest of its history, photos, stars, verdicts and every figure
  stay: the description says what was wrong where, not who said it, and the assessment and the
  archive need it.
- a resident who moved out longer ago than the period: name (replaced by `ANONYMOUS_NAME`), ID
  number with its blind index and masked copy, phone, birth date, tags, and the notes of visits
  recorded about them. Gender, relation, the household and the dates of moving in and out stay, so
  the household's history and the counts do.

The history rows of a case are append-only: the database refuses every change but this blanking of
a personal note (migration 0019), and staff notes stay as the record of the work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import (
    Case,
    CaseEvent,
    CaseRating,
    RegistryHousehold,
    RegistryResident,
    RegistryVisit,
    RetentionErasure,
)
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import TERMINAL_STATES, CaseAction, Role
from gridcity.services import users
from gridcity.services.platform import Platform

BATCH = 200  # records per transaction
ANONYMOUS_NAME = "（已匿名）"
MAX_PAGE = 500


class Kind(StrEnum):
    CASE_CONTACT = "case_contact"
    RESIDENT = "resident"


CASE_FIELDS = ("contact_name", "contact_phone")
RATING_COMMENTS = "rating_comments"
HISTORY_NOTES = "history_notes"
RESIDENT_FIELDS = ("name", "id_number", "phone", "birth_date", "tags")
VISIT_NOTES = "visit_notes"

_TERMINAL = [s.value for s in TERMINAL_STATES]
# when a case ended: closing and rejecting set closed_at; a voided case's last change is the voiding
_ENDED = func.coalesce(Case.closed_at, Case.updated_at)


@dataclass
class RetentionRun:
    at: datetime
    dry_run: bool
    cases: int = 0  # cases whose reporter data was (or would be) erased
    residents: int = 0  # residents anonymised (or due)
    case_ids: list[int] = field(default_factory=list)  # the first few, for a dry run's listing
    resident_ids: list[int] = field(default_factory=list)
    stopped: bool = False  # ended early (the worker stopping): the next run carries on

    def summary(self) -> str:
        done, anonymised = ("due", "due") if self.dry_run else ("erased", "anonymised")
        return f"retention: case contacts {done} {self.cases}, residents {anonymised} {self.residents}" + (
            " (stopped early)" if self.stopped else ""
        )


def cutoffs(platform: Platform) -> tuple[datetime, datetime]:
    """Cases that ended before the first, residents who moved out before the second, are due."""
    now, s = platform.now(), platform.settings
    return now - timedelta(days=s.contact_retention_days), now - timedelta(days=s.resident_retention_days)


def _has_comment() -> Any:
    return select(CaseRating.id).where(CaseRating.case_id == Case.id, CaseRating.comment != "").exists()


# History rows whose note is a person's own words (the only rows whose note the database lets be
# blanked: migration 0019 names the same rows); a citizen's report row holds the description, kept.
_PERSONAL_NOTE = and_(
    CaseEvent.note != "",
    or_(
        CaseEvent.action == CaseAction.CALLBACK.value,
        and_(
            CaseEvent.actor_role == Role.CITIZEN.value,
            CaseEvent.action.in_((CaseAction.REOPEN.value, CaseAction.COMMENT.value)),
        ),
    ),
)


def _has_personal_note() -> Any:
    return select(CaseEvent.id).where(CaseEvent.case_id == Case.id, _PERSONAL_NOTE).exists()


def _cases_due(cutoff: datetime) -> Any:
    return and_(
        Case.state.in_(_TERMINAL),
        cutoff > _ENDED,
        or_(
            Case.contact_name_enc.is_not(None),
            Case.contact_phone_enc.is_not(None),
            _has_comment(),
            _has_personal_note(),
        ),
    )


def _residents_due(cutoff: datetime) -> Any:
    return and_(
        RegistryResident.moved_out_at.is_not(None),
        RegistryResident.moved_out_at < cutoff,
        RegistryResident.name != ANONYMOUS_NAME,
    )


def due(platform: Platform, db: Session, scope: str = "") -> tuple[int, int]:
    """How many cases and residents are past their retention now (within a territory code's area)."""
    case_cutoff, resident_cutoff = cutoffs(platform)
    cases = select(func.count()).select_from(Case).where(_cases_due(case_cutoff))
    residents = (
        select(func.count())
        .select_from(RegistryResident)
        .join(RegistryHousehold, RegistryHousehold.id == RegistryResident.household_id)
        .where(_residents_due(resident_cutoff))
    )
    if scope:
        cases = cases.where(func.coalesce(Case.community_code, Case.street_code).startswith(scope))
        residents = residents.where(
            func.coalesce(RegistryHousehold.community_code, RegistryHousehold.street_code).startswith(scope)
        )
    found = int(db.scalar(cases) or 0), int(db.scalar(residents) or 0)
    db.rollback()
    return found


def run(
    platform: Platform,
    db: Session,
    erased_by: str,
    dry_run: bool = False,
    stop: Callable[[], bool] = lambda: False,
    batch: int = BATCH,
) -> RetentionRun:
    """Erase what is past its retention, a batch per transaction (a run stopped halfway leaves
    whole records erased or untouched; the next one carries on). `dry_run`: count only."""
    case_cutoff, resident_cutoff = cutoffs(platform)
    result = RetentionRun(at=platform.now(), dry_run=dry_run)
    if dry_run:
        result.cases, result.residents = due(platform, db)
        result.case_ids = list(
            db.scalars(select(Case.id).where(_cases_due(case_cutoff)).order_by(Case.id).limit(20))
        )
        result.resident_ids = list(
            db.scalars(
                select(RegistryResident.id)
                .where(_residents_due(resident_cutoff))
                .order_by(RegistryResident.id)
                .limit(20)
            )
        )
        db.rollback()
        return result
    for step, counter in ((_erase_cases, "cases"), (_anonymise_residents, "residents")):
        cutoff = case_cutoff if counter == "cases" else resident_cutoff
        while not stop():
            n = step(platform, db, cutoff, erased_by, batch)
            setattr(result, counter, getattr(result, counter) + n)
            if n < batch:
                break
        else:
            result.stopped = True
    return result


def _erase_cases(platform: Platform, db: Session, cutoff: datetime, erased_by: str, batch: int) -> int:
    now = platform.now()
    with unit_of_work(db):
        rows = db.execute(
            select(
                Case.id,
                _ENDED,
                Case.community_code,
                Case.street_code,
                Case.contact_name_enc.is_not(None),
                Case.contact_phone_enc.is_not(None),
                _has_comment(),
                _has_personal_note(),
            )
            .where(_cases_due(cutoff))
            .order_by(Case.id)
            .limit(batch)
            .with_for_update(of=Case)
        ).all()
        if not rows:
            return 0
        ids = [r[0] for r in rows]
        # Core statements: the case's version and updated_at stay (nothing a person did changed it)
        db.execute(
            update(Case)
            .where(Case.id.in_(ids))
            .values(contact_name_enc=None, contact_phone_enc=None)
            .execution_options(synchronize_session=False)
        )
        db.execute(
            update(CaseRating)
            .where(CaseRating.case_id.in_(ids), CaseRating.comment != "")
            .values(comment="")
            .execution_options(synchronize_session=False)
        )
        db.execute(
            update(CaseEvent)
            .where(CaseEvent.case_id.in_(ids), _PERSONAL_NOTE)
            .values(note="")
            .execution_options(synchronize_session=False)
        )
        for case_id, ended, community, street, had_name, had_phone, had_comment, had_note in rows:
            fields = [
                name
                for name, had in (
                    (CASE_FIELDS[0], had_name),
                    (CASE_FIELDS[1], had_phone),
                    (RATING_COMMENTS, had_comment),
                    (HISTORY_NOTES, had_note),
                )
                if had
            ]
            db.add(_record(now, Kind.CASE_CONTACT, case_id, fields, ended, community or street, erased_by))
    return len(rows)


def _anonymise_residents(
    platform: Platform, db: Session, cutoff: datetime, erased_by: str, batch: int
) -> int:
    now = platform.now()
    with unit_of_work(db):
        rows = db.execute(
            select(
                RegistryResident.id,
                RegistryResident.moved_out_at,
                RegistryHousehold.community_code,
                RegistryHousehold.street_code,
            )
            .join(RegistryHousehold, RegistryHousehold.id == RegistryResident.household_id)
            .where(_residents_due(cutoff))
            .order_by(RegistryResident.id)
            .limit(batch)
            .with_for_update(of=RegistryResident)
        ).all()
        if not rows:
            return 0
        ids = [r[0] for r in rows]
        db.execute(
            update(RegistryResident)
            .where(RegistryResident.id.in_(ids))
            .values(
                name=ANONYMOUS_NAME,
                id_number_enc=None,
                id_number_index=None,
                id_number_masked=None,
                phone_enc=None,
                phone_masked=None,
                birth_date=None,
                tags=[],
                security_tagged=False,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        noted = set(
            db.scalars(
                select(RegistryVisit.resident_id).where(
                    RegistryVisit.resident_id.in_(ids), RegistryVisit.note != ""
                )
            )
        )
        db.execute(
            update(RegistryVisit)
            .where(RegistryVisit.resident_id.in_(ids), RegistryVisit.note != "")
            .values(note="")
            .execution_options(synchronize_session=False)
        )
        for resident_id, moved_out, community, street in rows:
            assert moved_out is not None  # _residents_due
            fields = [*RESIDENT_FIELDS, *([VISIT_NOTES] if resident_id in noted else [])]
            db.add(
                _record(now, Kind.RESIDENT, resident_id, fields, moved_out, community or street, erased_by)
            )
    return len(rows)


def _record(
    now: datetime, kind: Kind, record_id: int, fields: list[str], ended: datetime, scope: str, by: str
) -> RetentionErasure:
    return RetentionErasure(
        at=now,
        kind=kind.value,
        record_id=record_id,
        fields=fields,
        ended_at=ended,
        scope_code=scope,
        erased_by=by,
    )


# --- the record, for admins ------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureFilter:
    kind: Kind | None = None
    since: date | None = None  # days of the city's calendar, inclusive
    until: date | None = None


def erasures(
    platform: Platform, db: Session, actor: Principal, flt: ErasureFilter, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """The erasures of the admin's area, newest first, and how many match (admins only)."""
    scope = users.admin_scope(actor)
    conditions = [RetentionErasure.scope_code.startswith(scope)] if scope else []
    if flt.kind is not None:
        conditions.append(RetentionErasure.kind == flt.kind.value)
    tz = platform.calendar(db).tz
    if flt.since is not None:
        conditions.append(RetentionErasure.at >= datetime.combine(flt.since, time(0), tzinfo=tz))
    if flt.until is not None:
        conditions.append(
            RetentionErasure.at < datetime.combine(flt.until + timedelta(days=1), time(0), tzinfo=tz)
        )
    total = int(db.scalar(select(func.count()).select_from(RetentionErasure).where(*conditions)) or 0)
    rows = db.scalars(
        select(RetentionErasure)
        .where(*conditions)
        .order_by(RetentionErasure.at.desc(), RetentionErasure.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    case_ids = [r.record_id for r in rows if r.kind == Kind.CASE_CONTACT]
    reported = {i: at for i, at in db.execute(select(Case.id, Case.reported_at).where(Case.id.in_(case_ids)))}
    numbers = {i: platform.case_number(SimpleNamespace(id=i, reported_at=at)) for i, at in reported.items()}
    db.rollback()
    return [
        erasure_view(row, numbers.get(row.record_id) if row.kind == Kind.CASE_CONTACT else None)
        for row in rows
    ], total


def erasure_view(row: RetentionErasure, case_number: str | None) -> dict[str, Any]:
    """An erasure as the record shows it: what kind, whose record, which fields, when; no value."""
    return {
        "id": row.id,
        "at": row.at,
        "kind": row.kind,
        "record_id": row.record_id,
        "case_number": case_number,
        "fields": list(row.fields),
        "ended_at": row.ended_at,
        "scope_code": row.scope_code,
        "erased_by": row.erased_by,
    }
