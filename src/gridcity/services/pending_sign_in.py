"""A sign-in half done: the password was right, the second factor is still to come. The pages hold
it in a short-lived cookie signed here — never a session, which starts only after the code.

The value is `purpose.user id.expiry.password tag.MAC`: the purpose (a code, or setting up a
second factor first) so that one step's cookie does not open the other; a tag of the password hash,
so that a password reset ends it; the MAC an HMAC-SHA256 keyed from the personal-data key (its
blind-index key, with a field name of its own), so nobody without the key can make one."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from gridcity.db.models import User
from gridcity.domain.errors import Unauthorized
from gridcity.domain.messages import message
from gridcity.services.platform import Platform
from gridcity.services.registry import personal_crypto

PENDING_MINUTES = 5  # time to open the authenticator app and type a code
_FIELD = "sign_in.pending"


def _password_tag(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _mac(platform: Platform, body: str) -> str:
    return personal_crypto.cipher(platform.settings).blind_index(body, _FIELD)


def issue(platform: Platform, user: User, purpose: str) -> str:
    expires = int((platform.now() + timedelta(minutes=PENDING_MINUTES)).timestamp())
    body = f"{purpose}.{user.id}.{expires}.{_password_tag(user)}"
    return f"{body}.{_mac(platform, body)}"


def read(platform: Platform, db: Session, token: str | None, purpose: str) -> User:
    """The user of a pending sign-in for `purpose`; Unauthorized when absent, altered, of another
    purpose, expired, or no longer matching the account (disabled, password changed)."""
    expired = Unauthorized(message("totp.sign_in_expired"))
    parts = (token or "").split(".")
    if len(parts) != 5:
        raise expired
    body, mac = ".".join(parts[:4]), parts[4]
    if not hmac.compare_digest(_mac(platform, body).encode(), mac.encode()):
        raise expired
    given_purpose, user_id, expires, tag = parts[:4]
    if given_purpose != purpose or not user_id.isdigit() or not expires.isdigit():
        raise expired
    if datetime.fromtimestamp(int(expires), UTC) <= platform.now():
        raise expired
    user = db.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(_password_tag(user), tag):
        raise expired
    return user
