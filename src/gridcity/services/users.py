"""Users, sign-in and bearer tokens."""

from __future__ import annotations

from datetime import timedelta

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


def user_for_token(platform: Platform, db: Session, token: str) -> User:
    found = db.execute(
        select(User, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(token))
    ).first()
    if found is None or found.expires_at <= platform.now():
        raise Unauthorized("the token is unknown or expired; sign in again")
    if not found.User.active:
        raise Unauthorized("this account is disabled")
    return found.User  # type: ignore[no-any-return]
