"""Supervisors' responsibility grids (责任网格): the unit grids an admin gives each field supervisor
(监督员) to patrol. docs/domain/supervision.md §责任网格.

One supervisor holds a unit grid at a time (a partial unique index on `grid_staff` says so too);
giving a held grid to another supervisor moves it. An assignment ends (`valid_to`) rather than being
deleted, so who held a grid on a past day can be read back — 巡查覆盖率 and 漏报率 of a past month
use the assignments as they stood then. A grid is refused when it lies outside the supervisor's
organisation unit's territory (they could not be sent there) or outside the admin's own area.

What uses the assignments: the default assignee of a verify or check task (`services.cases`), the
漏报率 per supervisor (`services.evaluation`) and 巡查覆盖率 (`services.patrol`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Grid, GridStaff, OrgUnit, User
from gridcity.domain.errors import Forbidden, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import Role
from gridcity.services.access import territory_covers
from gridcity.services.platform import Platform

LAYER = "city_management"  # 责任网格 are unit grids
MAX_GRIDS_PER_CALL = 1000  # one call assigns at most this many (a city's plan goes in by the CLI file)


def _admin_area(actor: Principal | None) -> str:
    """The admin's territory code ('' = the city; None is the command line, an admin of the city)."""
    if actor is None:
        return ""
    if actor.role != Role.ADMIN:
        raise Forbidden(message("supervision.assign_admin_only"))
    return str(actor.org_unit.scope_code or "")


def _supervisor(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(message("user.not_found", username=username))
    if user.role != Role.SUPERVISOR:
        raise Invalid(
            message("supervision.not_a_supervisor", display_name=user.display_name, username=username),
            key="username",
        )
    if not user.active:
        raise Invalid(
            message("supervision.account_disabled", display_name=user.display_name, username=username),
            key="username",
        )
    return user


def _codes(grid_codes: Iterable[str]) -> list[str]:
    codes = sorted({c.strip() for c in grid_codes if c and c.strip()})
    if not codes:
        raise Invalid(message("supervision.no_grid_code"), key="grid_codes")
    if len(codes) > MAX_GRIDS_PER_CALL:
        raise Invalid(message("supervision.too_many_grids", limit=MAX_GRIDS_PER_CALL), key="grid_codes")
    return codes


def _current_grids(db: Session, codes: Sequence[str]) -> dict[str, Grid]:
    rows = db.scalars(
        select(Grid).where(Grid.layer == LAYER, Grid.code.in_(list(codes)), Grid.valid_to.is_(None))
    )
    return {g.code: g for g in rows}


def _holders(db: Session, codes: Sequence[str]) -> dict[str, GridStaff]:
    rows = db.scalars(
        select(GridStaff).where(
            GridStaff.layer == LAYER, GridStaff.grid_code.in_(list(codes)), GridStaff.valid_to.is_(None)
        )
    )
    return {r.grid_code: r for r in rows}


@dataclass
class Assigned:
    """What an assignment did: grids newly given, those moved from another supervisor (code →
    their username), those the supervisor held already."""

    username: str
    added: list[str] = field(default_factory=list)
    moved: dict[str, str] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)

    def view(self) -> dict[str, object]:
        return {
            "username": self.username,
            "added": self.added,
            "moved": [{"grid_code": c, "from": u} for c, u in sorted(self.moved.items())],
            "unchanged": self.unchanged,
        }


def assign(
    platform: Platform, db: Session, actor: Principal | None, username: str, grid_codes: Iterable[str]
) -> Assigned:
    """Give unit grids to a supervisor (everything or nothing). A grid another supervisor holds
    moves to this one (their assignment ends now)."""
    area = _admin_area(actor)
    codes = _codes(grid_codes)
    supervisor = _supervisor(db, username)
    territory = str(supervisor.org_unit.scope_code or "")
    if area and not territory.startswith(area):
        raise Forbidden(message("supervision.not_yours", display_name=supervisor.display_name))
    grids = _current_grids(db, codes)
    unknown = [c for c in codes if c not in grids]
    if unknown:
        raise Invalid(
            message("supervision.no_grids", unknown="、".join(unknown[:10])),
            key="grid_codes",
            unknown=unknown,
        )
    outside_admin = [c for c in codes if not c.startswith(area)]
    if outside_admin:
        raise Forbidden(
            message("supervision.grids_outside_area", outside_admin="、".join(outside_admin[:10]))
        )
    outside = [
        c
        for c in codes
        if not territory_covers(
            territory, grids[c].district_code, grids[c].street_code, grids[c].community_code
        )
    ]
    if outside:
        raise Invalid(
            message(
                "supervision.grids_outside_unit",
                outside="、".join(outside[:10]),
                display_name=supervisor.display_name,
                org_unit_name=supervisor.org_unit.name,
            ),
            key="grid_codes",
            outside=outside,
        )
    done = Assigned(supervisor.username)
    now = platform.now()
    by = actor.username if actor is not None else "command line"
    with unit_of_work(db):
        holders = _holders(db, codes)
        others = {r.user_id for r in holders.values() if r.user_id != supervisor.id}
        names = {i: n for i, n in db.execute(select(User.id, User.username).where(User.id.in_(others)))}
        for code in codes:
            held = holders.get(code)
            if held is not None and held.user_id == supervisor.id:
                done.unchanged.append(code)
                continue
            if held is not None:
                held.valid_to = now
                done.moved[code] = names.get(held.user_id, str(held.user_id))
            else:
                done.added.append(code)
        db.flush()  # the ended rows first: the unique index allows one current holder
        for code in [*done.added, *done.moved]:
            db.add(
                GridStaff(user_id=supervisor.id, layer=LAYER, grid_code=code, valid_from=now, assigned_by=by)
            )
    return done


def unassign(
    platform: Platform, db: Session, actor: Principal | None, grid_codes: Iterable[str]
) -> list[str]:
    """End the assignment of these unit grids (the codes that were held; the others are ignored)."""
    area = _admin_area(actor)
    codes = _codes(grid_codes)
    outside_admin = [c for c in codes if not c.startswith(area)]
    if outside_admin:
        raise Forbidden(
            message("supervision.grids_outside_area", outside_admin="、".join(outside_admin[:10]))
        )
    now = platform.now()
    with unit_of_work(db):
        holders = _holders(db, codes)
        for row in holders.values():
            row.valid_to = now
    return sorted(holders)


@dataclass(frozen=True)
class Holding:
    grid_code: str
    user_id: int
    username: str
    display_name: str
    unit_name: str
    since: datetime

    def view(self) -> dict[str, object]:
        return {
            "grid_code": self.grid_code,
            "supervisor": {"id": self.user_id, "username": self.username, "name": self.display_name},
            "unit": self.unit_name,
            "since": self.since.astimezone(UTC),
        }


def holdings(
    db: Session, area: str = "", username: str | None = None, limit: int | None = None, offset: int = 0
) -> tuple[list[Holding], int]:
    """The current assignments within an area (grid code prefix; '' = the city), optionally of one
    supervisor, by grid code; and how many there are."""
    stmt = (
        select(GridStaff, User.username, User.display_name, OrgUnit.name)
        .join(User, User.id == GridStaff.user_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(GridStaff.layer == LAYER, GridStaff.valid_to.is_(None))
    )
    if area:
        stmt = stmt.where(GridStaff.grid_code.startswith(area))
    if username:
        stmt = stmt.where(User.username == username)
    total = int(db.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    stmt = stmt.order_by(GridStaff.grid_code).offset(offset)
    chosen = db.execute(stmt.limit(limit) if limit is not None else stmt).all()
    return [
        Holding(r.grid_code, r.user_id, name, display, unit, r.valid_from)
        for r, name, display, unit in chosen
    ], total


def holders_of(db: Session, grid_codes: Sequence[str]) -> dict[str, Holding]:
    """grid code → its current holder, for these grids (those nobody holds are left out)."""
    stmt = (
        select(GridStaff, User.username, User.display_name, OrgUnit.name)
        .join(User, User.id == GridStaff.user_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(
            GridStaff.layer == LAYER, GridStaff.valid_to.is_(None), GridStaff.grid_code.in_(list(grid_codes))
        )
    )
    return {
        r.grid_code: Holding(r.grid_code, r.user_id, name, display, unit, r.valid_from)
        for r, name, display, unit in db.execute(stmt)
    }


def list_for(
    db: Session, actor: Principal, username: str | None = None, limit: int = 500, offset: int = 0
) -> tuple[list[Holding], int]:
    """The assignments an admin sees (their area)."""
    return holdings(db, _admin_area(actor), username or None, limit, offset)


def grids_of(db: Session, user_id: int) -> list[str]:
    """The unit grids a supervisor holds now."""
    return list(
        db.scalars(
            select(GridStaff.grid_code)
            .where(GridStaff.user_id == user_id, GridStaff.layer == LAYER, GridStaff.valid_to.is_(None))
            .order_by(GridStaff.grid_code)
        )
    )


def default_supervisor(db: Session, grid_code: str | None) -> User | None:
    """The active supervisor who holds a case's unit grid now (the default assignee of its verify
    and check tasks), or None."""
    if not grid_code:
        return None
    return db.scalar(
        select(User)
        .join(GridStaff, GridStaff.user_id == User.id)
        .where(
            GridStaff.layer == LAYER,
            GridStaff.grid_code == grid_code,
            GridStaff.valid_to.is_(None),
            User.active.is_(True),
            User.role == Role.SUPERVISOR.value,
        )
    )


def held_during(
    db: Session, start: datetime, end: datetime
) -> list[tuple[int, str, datetime, datetime | None]]:
    """Every assignment that overlapped [start, end): (user id, grid code, from, to)."""
    rows = db.execute(
        select(GridStaff.user_id, GridStaff.grid_code, GridStaff.valid_from, GridStaff.valid_to).where(
            GridStaff.layer == LAYER,
            GridStaff.valid_from < end,
            or_(GridStaff.valid_to.is_(None), GridStaff.valid_to > start),
        )
    )
    return [(r.user_id, r.grid_code, r.valid_from, r.valid_to) for r in rows]


def held_at(db: Session, moment: datetime) -> dict[int, set[str]]:
    """user id → the unit grids they held at `moment`."""
    rows = db.execute(
        select(GridStaff.user_id, GridStaff.grid_code).where(
            GridStaff.layer == LAYER,
            GridStaff.valid_from <= moment,
            or_(GridStaff.valid_to.is_(None), GridStaff.valid_to > moment),
        )
    )
    out: dict[int, set[str]] = {}
    for user_id, code in rows:
        out.setdefault(user_id, set()).add(code)
    return out
