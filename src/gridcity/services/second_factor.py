"""The second factor of staff: TOTP (RFC 6238) with single-use recovery codes (docs/security.md
§Second factor).

- **Who must have one**: the roles of `GRIDCITY_SECOND_FACTOR_ROLES`; unset, in production mode the
  admins and every role that may read personal data in clear (the registry's unmasking, the case
  contact's reveal — computed from those rules, not listed by hand), otherwise nobody (development,
  the demo). Anyone else may still set one up.
- **The secret** is encrypted at rest with the personal-data key (`personal_crypto`, AES-256-GCM):
  a TOTP secret is a credential as worth stealing from a database dump or a backup as an ID number,
  and the key already lives apart from the database; one key to keep and rotate, not two. The
  associated data names the user, so a secret copied into another user's row does not decrypt.
- **A code** is accepted within one 30-second step either side of now (phones' clocks drift), and
  never twice: the last step accepted is stored and moved forward by a conditional UPDATE, so two
  requests racing with one code cannot both pass.
- **Wrong codes** are counted per user (`record_wrong_code`, the one place a failure is recorded):
  after MAX_WRONG_CODES in a row the factor takes one try per LOCK_MINUTES until a right code.
- **Recovery codes**: RECOVERY_CODES of them, about 59 random bits each, shown once, stored as salted
  SHA-256 (their entropy makes a slow hash unnecessary; a slow one would cost a second per try).
- Every change (enrolled, renewed, used a recovery code, turned off, reset by an admin, locked) is a
  `SecondFactorEvent` row written in the same transaction (the audit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import pyotp
import segno
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from gridcity.config import Settings
from gridcity.db.engine import unit_of_work
from gridcity.db.models import RecoveryCode, SecondFactorEvent, User, UserSecondFactor
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal, UnitInfo
from gridcity.domain.registry import ResidentContext, may_unmask
from gridcity.domain.workflow import Role
from gridcity.services import case_contact, users
from gridcity.services.platform import Platform
from gridcity.services.registry import personal_crypto

STEP_SECONDS = 30  # RFC 6238's time step, what every authenticator app uses
VALID_WINDOW = 1  # steps accepted either side of now
RECOVERY_CODES = 10
MAX_WRONG_CODES = 5
LOCK_MINUTES = 15
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
_RECOVERY_LENGTH = 12  # 12 × log2(31) ≈ 59 bits


class Event(StrEnum):
    ENROLLED = "enrolled"
    RECOVERY_RENEWED = "recovery_renewed"
    RECOVERY_USED = "recovery_used"
    TURNED_OFF = "turned_off"
    RESET = "reset"
    LOCKED = "locked"


class SignInStep(StrEnum):
    """What the sign-in asks for after the password."""

    SESSION = "session"  # nothing more: the session starts
    CODE = "code"  # the code of the user's authenticator (or a recovery code)
    ENROL = "enrol"  # their role must have a second factor and they have none: set one up first


# --- who must have one ------------------------------------------------------------------------


def _may_reveal_personal_data(role: Role) -> bool:
    """May someone of this role read personal data in clear anywhere — the registry's ID numbers
    and phones (of a resident in their area and grid), or a case's callback contact? Asked of the
    rules themselves, so a change there changes who needs a second factor."""
    anywhere = ResidentContext(role, in_area=True, in_own_grid=True, security_tagged=True)
    someone = Principal(0, "", "", role.value, 0, UnitInfo(0, "", "", "city", "city", ""))
    return may_unmask(anywhere) or case_contact.may_see_contact(someone)


def default_roles() -> frozenset[str]:
    """Production's default: the admins and whoever may reveal personal data."""
    return frozenset({Role.ADMIN.value} | {r.value for r in Role if _may_reveal_personal_data(r)})


def enforced_roles(settings: Settings) -> frozenset[str]:
    if settings.second_factor_roles is not None:
        return frozenset(settings.second_factor_roles)
    if settings.production and not settings.demo:
        return default_roles()
    return frozenset()


def required(settings: Settings, role: str) -> bool:
    return role in enforced_roles(settings)


# --- state --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactorState:
    enrolled: bool  # confirmed with a code
    confirmed_at: datetime | None
    recovery_left: int
    required: bool


def _factor(db: Session, user_id: int) -> UserSecondFactor | None:
    return db.get(UserSecondFactor, user_id)


def _confirmed(db: Session, user_id: int) -> UserSecondFactor | None:
    factor = _factor(db, user_id)
    return factor if factor is not None and factor.confirmed_at is not None else None


def state(settings: Settings, db: Session, user_id: int, role: str) -> FactorState:
    factor = _confirmed(db, user_id)
    left = db.scalar(
        select(func.count()).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return FactorState(
        factor is not None, factor.confirmed_at if factor else None, int(left or 0), required(settings, role)
    )


def sign_in_step(settings: Settings, db: Session, user: User) -> SignInStep:
    if _confirmed(db, user.id) is not None:
        return SignInStep.CODE
    return SignInStep.ENROL if required(settings, user.role) else SignInStep.SESSION


def recent_events(db: Session, user_id: int, limit: int = 10) -> list[SecondFactorEvent]:
    return list(
        db.scalars(
            select(SecondFactorEvent)
            .where(SecondFactorEvent.user_id == user_id)
            .order_by(SecondFactorEvent.at.desc(), SecondFactorEvent.id.desc())
            .limit(limit)
        )
    )


def _log(
    db: Session, user_id: int, event: Event, at: datetime, actor: Principal | None, actor_name: str
) -> None:
    db.add(
        SecondFactorEvent(
            user_id=user_id,
            at=at,
            event=event.value,
            actor_id=actor.id if actor else None,
            actor_name=actor_name,
        )
    )


# --- enrolment ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """What the person needs to set up their authenticator app: the secret (to type), the
    otpauth:// URI and the QR code of it as inline SVG (drawn here: no script, no CDN)."""

    secret: str
    uri: str
    qr_svg: str


# the field a secret is bound to (its associated data): its own user's row, "{id}" the user's id
SECRET_FIELD = "user_second_factors.secret:{id}"


def _field(user_id: int) -> str:
    return SECRET_FIELD.format(id=user_id)


def _secret(settings: Settings, factor: UserSecondFactor) -> str:
    return personal_crypto.cipher(settings).decrypt(factor.secret_enc, _field(factor.user_id))


def begin_enrolment(platform: Platform, db: Session, user_id: int, username: str) -> Enrolment:
    """A new secret for a user without a second factor, or the one shown before and not confirmed
    yet (a reload does not invalidate what the phone scanned)."""
    factor = _factor(db, user_id)
    if factor is not None and factor.confirmed_at is not None:
        raise Conflict(message("totp.already_enrolled"))
    if factor is None:
        crypt = personal_crypto.cipher(platform.settings)
        with unit_of_work(db):
            factor = UserSecondFactor(
                user_id=user_id,
                secret_enc=crypt.encrypt(pyotp.random_base32(), _field(user_id)),
                created_at=platform.now(),
                failed_count=0,
            )
            db.add(factor)
    secret = _secret(platform.settings, factor)
    issuer = f"gridcity {platform.settings.city_name}"
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return Enrolment(secret, uri, svg)


def confirm_enrolment(platform: Platform, db: Session, user_id: int, code: str) -> list[str]:
    """The person typed a code from the secret shown: the second factor is on; its recovery codes
    (returned here, shown once) are made."""
    factor = _factor(db, user_id)
    if factor is None:
        raise NotFound(message("totp.not_enrolled"))
    if factor.confirmed_at is not None:
        raise Conflict(message("totp.already_enrolled"))
    now = platform.now()
    step = _matching_step(_secret(platform.settings, factor), _digits(code), now)
    if step is None:
        raise Invalid(message("totp.wrong_code"), key="code")
    with unit_of_work(db):
        factor.confirmed_at, factor.last_step, factor.failed_count = now, step, 0
        codes = _new_recovery_codes(db, user_id)
        _log(db, user_id, Event.ENROLLED, now, None, _username(db, user_id))
    return codes


# --- codes --------------------------------------------------------------------------------------


def _digits(code: str | None) -> str:
    return "".join((code or "").split())


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step within the window whose code this is, or None."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _recovery_text(code: str | None) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def _recovery_hash(salt: str, text: str) -> str:
    return hashlib.sha256(f"{salt}:{text}".encode()).hexdigest()


def _new_recovery_codes(db: Session, user_id: int) -> list[str]:
    """Replace a user's recovery codes by RECOVERY_CODES new ones (inside the caller's unit of work)."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    shown = []
    for _ in range(RECOVERY_CODES):
        text = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        salt = secrets.token_hex(16)
        db.add(RecoveryCode(user_id=user_id, salt=salt, code_hash=_recovery_hash(salt, text)))
        shown.append("-".join(text[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return shown


def record_wrong_code(platform: Platform, db: Session, user_id: int) -> int:
    """A wrong (or replayed) code for this user: counted, in a transaction of its own (the refusal
    that follows must not roll it back). The one place a failure of the second step is recorded —
    a sign-in throttle plugs in here. Returns the wrong codes in a row."""
    now = platform.now()
    with unit_of_work(db):
        factor = _factor(db, user_id)
        if factor is None:
            return 0
        factor.failed_count = (factor.failed_count or 0) + 1
        factor.failed_at = now
        if factor.failed_count == MAX_WRONG_CODES:
            _log(db, user_id, Event.LOCKED, now, None, _username(db, user_id))
        return factor.failed_count


def _refuse_while_locked(factor: UserSecondFactor, now: datetime) -> None:
    if factor.failed_count >= MAX_WRONG_CODES and factor.failed_at is not None:
        until = factor.failed_at + timedelta(minutes=LOCK_MINUTES)
        if now < until:
            minutes = max(1, int((until - now).total_seconds() + 59) // 60)
            raise Unauthorized(message("totp.locked", count=factor.failed_count, minutes=minutes))


class Proof(StrEnum):
    CODE = "code"
    RECOVERY = "recovery"


def verify(platform: Platform, db: Session, user_id: int, code: str | None) -> Proof:
    """The second step of a sign-in (or the confirmation of a change): a current code of the
    user's authenticator, never one accepted before, or an unused recovery code (used up by this).
    Unauthorized otherwise, the failure counted."""
    factor = _confirmed(db, user_id)
    if factor is None:
        raise Unauthorized(message("totp.not_enrolled"))
    now = platform.now()
    _refuse_while_locked(factor, now)
    digits = _digits(code)
    if not digits:
        raise Unauthorized(message("totp.code_required"))
    if digits.isdigit() and len(digits) == 6:  # an authenticator's code; anything else: a recovery code
        step = _matching_step(_secret(platform.settings, factor), digits, now)
        if step is None:
            record_wrong_code(platform, db, user_id)
            raise Unauthorized(message("totp.wrong_code"))
        with unit_of_work(db):
            # moved forward only past the last step accepted: a replayed code (or two requests
            # racing with one) finds no row to update
            moved = db.execute(
                update(UserSecondFactor)
                .where(
                    UserSecondFactor.user_id == user_id,
                    (UserSecondFactor.last_step.is_(None)) | (UserSecondFactor.last_step < step),
                )
                .values(last_step=step, failed_count=0, failed_at=None)
                .execution_options(synchronize_session=False)
            )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            record_wrong_code(platform, db, user_id)
            raise Unauthorized(message("totp.code_used"))
        db.expire_all()
        return Proof.CODE
    if _use_recovery_code(platform, db, user_id, _recovery_text(code), now):
        return Proof.RECOVERY
    record_wrong_code(platform, db, user_id)
    raise Unauthorized(message("totp.wrong_code"))


def _use_recovery_code(platform: Platform, db: Session, user_id: int, text: str, now: datetime) -> bool:
    unused = db.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        if hmac.compare_digest(row.code_hash, _recovery_hash(row.salt, text)):
            with unit_of_work(db):
                used = db.execute(
                    update(RecoveryCode)
                    .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                    .values(used_at=now)
                    .execution_options(synchronize_session=False)
                )
                if used.rowcount != 1:  # type: ignore[attr-defined]
                    return False  # used by a request racing with this one
                db.execute(
                    update(UserSecondFactor)
                    .where(UserSecondFactor.user_id == user_id)
                    .values(failed_count=0, failed_at=None)
                )
                _log(db, user_id, Event.RECOVERY_USED, now, None, _username(db, user_id))
            db.expire_all()
            return True
    return False


def _username(db: Session, user_id: int) -> str:
    return str(db.scalar(select(User.username).where(User.id == user_id)) or "")


# --- changes by the person, by an admin -------------------------------------------------------------


def renew_recovery_codes(platform: Platform, db: Session, user: Principal, code: str | None) -> list[str]:
    """New recovery codes (the old ones stop working), confirmed with a current code."""
    verify(platform, db, user.id, code)
    with unit_of_work(db):
        codes = _new_recovery_codes(db, user.id)
        _log(db, user.id, Event.RECOVERY_RENEWED, platform.now(), user, user.username)
    return codes


def turn_off(platform: Platform, db: Session, user: Principal, code: str | None) -> None:
    """Remove one's own second factor, confirmed with a current code — unless one's role must have one."""
    if required(platform.settings, user.role):
        role = Role(user.role)
        raise Forbidden(message("totp.required_by_policy", role=role.value, role_zh=role.label_zh))
    verify(platform, db, user.id, code)
    with unit_of_work(db):
        _remove(db, user.id)
        _log(db, user.id, Event.TURNED_OFF, platform.now(), user, user.username)


def _remove(db: Session, user_id: int) -> None:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.execute(delete(UserSecondFactor).where(UserSecondFactor.user_id == user_id))


def reset(platform: Platform, db: Session, admin: Principal | None, user_id: int) -> User:
    """An admin (of the user's area; None: the command line) removes a user's second factor — a
    lost phone and no recovery code left. Their sessions end; they set up a new one at their next
    sign-in if their role must have one. Audited with the admin's name."""
    target = users.managed_user(db, admin, user_id) if admin is not None else db.get(User, user_id)
    if target is None:
        raise NotFound(message("user.no_user_id", user_id=user_id))
    with unit_of_work(db):
        _remove(db, target.id)
        users.revoke_user_tokens(db, target.id)
        _log(db, target.id, Event.RESET, platform.now(), admin, admin.username if admin else "command line")
    return target


def reset_by_username(platform: Platform, db: Session, username: str) -> User:
    """The command line's reset (`gridcity users reset-2fa`)."""
    user_id = db.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound(message("user.not_found", username=username))
    return reset(platform, db, None, user_id)


# --- the token endpoint ---------------------------------------------------------------------------


def check_token_sign_in(platform: Platform, db: Session, user: User, otp: str | None) -> None:
    """The API's sign-in after the password: the code in the form field `otp` when the user has a
    second factor; a refusal naming the pages when their role must have one and they have none
    (setting one up needs the QR code and a person)."""
    if _confirmed(db, user.id) is None:
        if required(platform.settings, user.role):
            role = Role(user.role)
            raise Forbidden(message("totp.enrol_on_pages", role=role.value, role_zh=role.label_zh))
        return
    if not _digits(otp):
        raise Unauthorized(message("totp.code_required_api"))
    verify(platform, db, user.id, otp)
