"""What needs a person now: notifications addressed to them, or to their role within their area."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gridcity.db.models import Notification, OrgUnit, User


def for_user(db: Session, user: User, since_id: int = 0, limit: int = 50) -> Sequence[Notification]:
    unit = user.org_unit
    if unit.kind == "department":
        units_in_scope = select(OrgUnit.id).where(OrgUnit.id == unit.id)
    else:
        units_in_scope = select(OrgUnit.id).where(OrgUnit.code.startswith(unit.scope_code))
    addressed = or_(
        Notification.user_id == user.id,
        and_(Notification.role == user.role, Notification.org_unit_id.in_(units_in_scope)),
    )
    stmt = (
        select(Notification)
        .where(addressed, Notification.id > since_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return db.scalars(stmt).all()
