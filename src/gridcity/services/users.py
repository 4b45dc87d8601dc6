"""Users, sign-in and bearer tokens."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gridcity.db.engine import transaction
from gridcity.db.models import ApiToken, OrgUnit, User
from gridcity.domain.errors import Conflict, Invalid, NotFound, Unauthorized
from gridcity.domain.workflow import Role
from gridcity.services.platform import Platform
from gridcity.services.security import hash_password, new_token, token_digest, verify_password

# Which kind of organisation unit each role belongs to (DOMAIN.md §3).
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
) -> User:
    username = username.strip()
    if not username or len(username) > 80:
        raise Invalid("a username is 1 to 80 characters")
    if len(password) < 4:
        raise Invalid("a password has at least 4 characters")
    try:
        role_value = Role(role)
    except ValueError:
        raise Invalid(f"unknown role {role!r}; roles: {', '.join(r.value for r in Role)}") from None
    unit = db.scalar(select(OrgUnit).where(OrgUnit.code == org_unit_code))
    if unit is None:
        raise NotFound(f"no organisation unit with code {org_unit_code!r}")
    kinds = _ROLE_UNIT_KINDS.get(role_value, _PLATFORM_KINDS)
    if unit.kind not in kinds:
        raise Invalid(
            f"a {role_value.value} belongs to a unit of kind {' or '.join(sorted(kinds))}, "
            f"not to {unit.name} ({unit.kind})"
        )
    with transaction(db):
        if db.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"user {username!r} exists already")
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


def authenticate(db: Session, username: str, password: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise Unauthorized("wrong username or password")
    return user


def issue_token(platform: Platform, db: Session, user: User) -> str:
    token = new_token()
    now = platform.now()
    with transaction(db):
        db.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < now))
        db.add(
            ApiToken(
                token_hash=token_digest(token),
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(hours=platform.settings.token_ttl_hours),
            )
        )
    return token


@dataclass(frozen=True)
class UnitInfo:
    """What access rules need of an organisation unit, detached from any database session."""

    id: int
    code: str
    name: str
    kind: str
    tier: str
    scope_code: str


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the services see them: plain values, safe to cache across requests."""

    id: int
    username: str
    display_name: str
    role: str
    org_unit_id: int
    org_unit: UnitInfo
    active: bool = True

    @classmethod
    def of(cls, user: User) -> Actor:
        u = user.org_unit
        unit = UnitInfo(u.id, u.code, u.name, u.kind, u.tier, u.scope_code)
        return cls(user.id, user.username, user.display_name, user.role, user.org_unit_id, unit, user.active)


# Bearer token → (actor, token expiry, cached at). A revoked or disabled account is refused within
# TOKEN_CACHE_SECONDS; in exchange, a request costs no query to know who is calling.
TOKEN_CACHE_SECONDS = 30.0
_token_cache: dict[str, tuple[Actor, datetime, float]] = {}


def cached_actor(platform: Platform, token: str) -> Actor | None:
    """The caller of a token seen in the last TOKEN_CACHE_SECONDS, without touching the database."""
    cached = _token_cache.get(token_digest(token))
    if (
        cached is not None
        and cached[1] > platform.now()
        and time.monotonic() - cached[2] < TOKEN_CACHE_SECONDS
    ):
        return cached[0]
    return None


def user_for_token(platform: Platform, db: Session, token: str) -> Actor:
    cached = cached_actor(platform, token)
    if cached is not None:
        return cached
    digest = token_digest(token)
    now = platform.now()
    found = db.execute(
        select(User, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == digest)
    ).first()
    if found is None or found.expires_at <= now:
        _token_cache.pop(digest, None)
        raise Unauthorized("the token is unknown or expired; sign in again")
    if not found.User.active:
        raise Unauthorized("this account is disabled")
    actor = Actor.of(found.User)
    if len(_token_cache) > 50_000:  # bounded: forget everything rather than grow without end
        _token_cache.clear()
    _token_cache[digest] = (actor, found.expires_at, time.monotonic())
    return actor


def revoke_token(db: Session, token: str) -> None:
    """Sign out: the token stops working at once here (other processes within TOKEN_CACHE_SECONDS)."""
    digest = token_digest(token)
    _token_cache.pop(digest, None)
    with transaction(db):
        db.execute(delete(ApiToken).where(ApiToken.token_hash == digest))
