"""Users, sign-in and bearer tokens."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import ApiToken, OrgUnit, User
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal, UnitInfo
from gridcity.domain.workflow import Role
from gridcity.services.password_policy import PasswordPolicy
from gridcity.services.platform import Platform
from gridcity.services.security import hash_password, new_token, token_digest

# Which kind of organisation unit each role belongs to (docs/domain/roles.md).
_ROLE_UNIT_KINDS = {
    Role.HANDLER: {"department"},
    Role.CITIZEN: {"city", "district", "street", "community"},
}
_PLATFORM_KINDS = {"city", "district", "street", "community"}


def add_user(
    db: Session,
    username: str,
    password: str,
    role: str,
    org_unit_code: str,
    display_name: str | None = None,
    phone: str | None = None,
    *,
    policy: PasswordPolicy | None,
) -> User:
    """A new user. `policy` is the password rule (`PasswordPolicy.of(settings)`); None skips it,
    which only the demo builder and the tests' fixtures do, on purpose (the demo's password is `demo`)."""
    username = username.strip()
    if not username or len(username) > 80:
        raise Invalid(message("user.bad_username"))
    if policy is not None:
        policy.check(password, username)
    try:
        role_value = Role(role)
    except ValueError:
        raise Invalid(
            message("user.unknown_role", role=role, roles=", ".join(r.value for r in Role))
        ) from None
    unit = db.scalar(select(OrgUnit).where(OrgUnit.code == org_unit_code))
    if unit is None:
        raise NotFound(message("user.no_unit", unit_code=org_unit_code))
    kinds = _ROLE_UNIT_KINDS.get(role_value, _PLATFORM_KINDS)
    if unit.kind not in kinds:
        raise Invalid(
            message(
                "user.role_unit_mismatch",
                kinds=" / ".join(sorted(kinds)),
                unit_name=unit.name,
                kind=unit.kind,
                role=role_value.value,
                role_zh=role_value.label_zh,
            )
        )
    with unit_of_work(db):
        if db.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(message("user.exists", username=username))
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
            role=role_value.value,
            org_unit_id=unit.id,
            phone=phone,
        )
        db.add(user)
    return user


def issue_token(platform: Platform, db: Session, user: User) -> str:
    token = new_token()
    now = platform.now()
    with unit_of_work(db):
        db.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < now))
        db.add(
            ApiToken(
                token_hash=token_digest(token),
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(hours=platform.settings.token_ttl_hours),
                last_used_at=now,
            )
        )
    return token


def principal_of(user: User) -> Principal:
    """The caller a user row stands for, detached from the session that read it."""
    u = user.org_unit
    unit = UnitInfo(u.id, u.code, u.name, u.kind, u.tier, u.scope_code)
    return Principal(
        user.id, user.username, user.display_name, user.role, user.org_unit_id, unit, user.active
    )


# Bearer token → (actor, token expiry, last use as recorded, cached at). A revoked or disabled
# account is refused within TOKEN_CACHE_SECONDS; in exchange, a request costs no query to know who
# is calling.
TOKEN_CACHE_SECONDS = 30.0
_token_cache: dict[str, tuple[Principal, datetime, datetime, float]] = {}
# The idle timeout needs to know when a token was last used, but a write per request would make
# every read a write: the last use is recorded only when the recorded one is older than this.
TOKEN_TOUCH_SECONDS = 60.0


def cached_actor(platform: Platform, token: str) -> Principal | None:
    """The caller of a token seen in the last TOKEN_CACHE_SECONDS, without touching the database
    (None also when its recorded last use is due to be renewed: the database path does that)."""
    cached = _token_cache.get(token_digest(token))
    if cached is None:
        return None
    actor, expires_at, last_used, cached_at = cached
    now = platform.now()
    if (
        expires_at > now
        and (now - last_used).total_seconds() < TOKEN_TOUCH_SECONDS
        and time.monotonic() - cached_at < TOKEN_CACHE_SECONDS
    ):
        return actor
    return None


def _idle_out(platform: Platform, last_used: datetime) -> bool:
    """Has a token been unused longer than GRIDCITY_TOKEN_IDLE_MINUTES (0: no idle timeout)?"""
    idle = platform.settings.token_idle_minutes
    return idle > 0 and platform.now() - last_used >= timedelta(minutes=idle)


def user_for_token(platform: Platform, db: Session, token: str) -> Principal:
    cached = cached_actor(platform, token)
    if cached is not None:
        return cached
    digest = token_digest(token)
    now = platform.now()
    found = db.execute(
        select(User, ApiToken.id, ApiToken.expires_at, ApiToken.created_at, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == digest)
    ).first()
    last_used = None if found is None else found.last_used_at or found.created_at
    if found is None or last_used is None or found.expires_at <= now or _idle_out(platform, last_used):
        _token_cache.pop(digest, None)
        raise Unauthorized(message("user.token_expired"))
    if not found.User.active:
        raise Unauthorized(message("user.disabled"))
    actor = principal_of(found.User)
    if (now - last_used).total_seconds() >= TOKEN_TOUCH_SECONDS:
        with unit_of_work(db):
            db.execute(update(ApiToken).where(ApiToken.id == found.id).values(last_used_at=now))
        last_used = now
    if len(_token_cache) > 50_000:  # bounded: forget everything rather than grow without end
        _token_cache.clear()
    _token_cache[digest] = (actor, found.expires_at, last_used, time.monotonic())
    return actor


def revoke_token(db: Session, token: str) -> None:
    """Sign out: the token stops working at once here (other processes within TOKEN_CACHE_SECONDS)."""
    digest = token_digest(token)
    _token_cache.pop(digest, None)
    with unit_of_work(db):
        db.execute(delete(ApiToken).where(ApiToken.token_hash == digest))


# --- administration within a tier (系统管理) ----------------------------------------------------
#
# An admin belongs to a platform unit (city, district, street); they manage what lies inside that
# unit's territory: a unit is inside when its scope code starts with the admin's scope code (the
# city's is "", so a city admin manages everything). City-wide units (city bureaus, scope "") are
# managed by the city admin only.


def admin_scope(user: Principal) -> str:
    """The territory code an admin manages ('' = the whole city); Forbidden for anyone else."""
    if user is None or user.role != Role.ADMIN:
        raise Forbidden(message("user.admin_only"))
    return str(user.org_unit.scope_code)


def in_tier(scope: str, code: str | None) -> bool:
    """Does a territory code lie within an admin's scope?"""
    return (code or "").startswith(scope)


def require_unit_in_tier(user: Principal, unit: OrgUnit) -> None:
    scope = admin_scope(user)
    if not in_tier(scope, unit.scope_code):
        raise Forbidden(
            message(
                "user.unit_outside_area",
                unit_name=unit.name,
                unit_code=unit.code,
                org_unit_name=user.org_unit.name,
            )
        )


class UnitName(NamedTuple):
    code: str
    name: str


def managed_units(db: Session, user: Principal, kinds: Sequence[str] | None = None) -> list[UnitName]:
    """The organisation units an admin manages (their own unit, everything below, its departments):
    code and name, what a choice list shows. Plain rows, not ORM objects: hundreds of those per page
    view (the admin's area select) made the garbage collector pause a request now and then for
    half a second or more on a large heap."""
    scope = admin_scope(user)
    stmt = select(OrgUnit.code, OrgUnit.name).order_by(OrgUnit.code)
    if scope:
        stmt = stmt.where(OrgUnit.scope_code.startswith(scope))
    if kinds:
        stmt = stmt.where(OrgUnit.kind.in_(list(kinds)))
    return [UnitName(code, name) for code, name in db.execute(stmt)]


@dataclass(frozen=True)
class UserFilter:
    role: str | None = None
    unit: str | None = None  # a unit code or the start of one (110101 → the district and below)
    active: bool | None = None
    text: str | None = None  # in username or display name

    def select(self, scope: str) -> Select[Any]:
        stmt = (
            select(User).join(OrgUnit, User.org_unit_id == OrgUnit.id).order_by(OrgUnit.code, User.username)
        )
        if scope:
            stmt = stmt.where(OrgUnit.scope_code.startswith(scope))
        if self.role:
            stmt = stmt.where(User.role == self.role)
        if self.unit:
            stmt = stmt.where(OrgUnit.code.startswith(self.unit))
        if self.active is not None:
            stmt = stmt.where(User.active.is_(self.active))
        if self.text:
            stmt = stmt.where(User.username.contains(self.text) | User.display_name.contains(self.text))
        return stmt


def list_users(
    db: Session, user: Principal, flt: UserFilter, limit: int | None = None
) -> tuple[list[User], int]:
    """The users an admin manages that match the filter, and how many match in all."""
    scope = admin_scope(user)
    if flt.role and flt.role not in {r.value for r in Role}:
        raise Invalid(message("user.unknown_role", role=flt.role, roles=", ".join(r.value for r in Role)))
    stmt = flt.select(scope)
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.scalars(stmt)), total


def _unit_for(db: Session, user: Principal, unit_code: str) -> OrgUnit:
    unit = db.scalar(select(OrgUnit).where(OrgUnit.code == unit_code.strip()))
    if unit is None:
        raise NotFound(message("user.no_unit", unit_code=unit_code.strip()))
    require_unit_in_tier(user, unit)
    return unit


def _check_role_unit(role: str, unit: OrgUnit) -> Role:
    try:
        role_value = Role(role)
    except ValueError:
        raise Invalid(
            message("user.unknown_role", role=role, roles=", ".join(r.value for r in Role))
        ) from None
    kinds = _ROLE_UNIT_KINDS.get(role_value, _PLATFORM_KINDS)
    if unit.kind not in kinds:
        raise Invalid(
            message(
                "user.role_unit_mismatch",
                kinds=" / ".join(sorted(kinds)),
                unit_name=unit.name,
                kind=unit.kind,
                role=role_value.value,
                role_zh=role_value.label_zh,
            )
        )
    return role_value


def create_user(
    db: Session,
    admin: Principal,
    username: str,
    password: str,
    role: str,
    unit_code: str,
    display_name: str | None = None,
    phone: str | None = None,
    *,
    policy: PasswordPolicy,
) -> User:
    """An admin adds a user to a unit within their area (never above it), with a password the
    policy accepts."""
    policy.check(password, username.strip())
    _unit_for(db, admin, unit_code)
    display = (display_name or "").strip() or None
    if display is not None and len(display) > 120:
        raise Invalid(message("user.long_display_name"))
    return add_user(
        db, username, password, role, unit_code.strip(), display, (phone or "").strip() or None, policy=policy
    )


def managed_user(db: Session, admin: Principal, user_id: int) -> User:
    """A user the admin manages; NotFound if absent, Forbidden if they belong above the admin's area."""
    target = db.get(User, user_id)
    if target is None:
        raise NotFound(message("user.no_user_id", user_id=user_id))
    scope = admin_scope(admin)
    if not in_tier(scope, target.org_unit.scope_code):
        raise Forbidden(
            message(
                "user.account_outside_area",
                display_name=target.display_name,
                username=target.username,
                org_unit_name=target.org_unit.name,
                admin_unit_name=admin.org_unit.name,
            )
        )
    return target


def _forget_cached(user_id: int) -> None:
    for digest, (actor, *_rest) in list(_token_cache.items()):
        if actor.id == user_id:
            _token_cache.pop(digest, None)


def revoke_user_tokens(db: Session, user_id: int) -> int:
    """End every session of a user (here at once; in other processes within TOKEN_CACHE_SECONDS)."""
    _forget_cached(user_id)
    result = db.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def change_user(
    db: Session,
    admin: Principal,
    user_id: int,
    role: str | None = None,
    unit_code: str | None = None,
    display_name: str | None = None,
) -> User:
    """Move a user to another role or unit (both within the admin's area), or rename them."""
    target = managed_user(db, admin, user_id)
    unit = target.org_unit if not unit_code else _unit_for(db, admin, unit_code)
    role_value = _check_role_unit(role or target.role, unit)
    if target.id == admin.id and (role_value != target.role or unit.id != target.org_unit_id):
        raise Forbidden(message("user.own_role"))
    display = None if display_name is None else display_name.strip()
    if display is not None and not 1 <= len(display) <= 120:
        raise Invalid(message("user.bad_display_name"))
    with unit_of_work(db):
        target.role, target.org_unit = role_value.value, unit
        if display is not None:
            target.display_name = display
    _forget_cached(target.id)  # the next request sees the new role
    return target


def set_active(db: Session, admin: Principal, user_id: int, active: bool) -> User:
    """Deactivate (every session ends, signing in is refused) or reactivate an account."""
    target = managed_user(db, admin, user_id)
    if target.id == admin.id and not active:
        raise Forbidden(message("user.own_account"))
    with unit_of_work(db):
        target.active = active
        if not active:
            revoke_user_tokens(db, target.id)
    _forget_cached(target.id)
    return target


def reset_password(
    db: Session, admin: Principal, user_id: int, password: str, *, policy: PasswordPolicy
) -> User:
    """Set a new password the policy accepts; the user's open sessions end, so whoever had the old
    one is signed out."""
    target = managed_user(db, admin, user_id)
    policy.check(password, target.username)
    with unit_of_work(db):
        target.password_hash = hash_password(password)
        revoke_user_tokens(db, target.id)
    return target
