"""Other systems docked to the platform (Open311 client applications, department systems): each has a
name, an account that nobody signs in as (what it does is recorded under that account), and an API key
of which only the SHA-256 is stored. The rules for naming them and issuing their keys, in one place."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.models import User
from gridcity.domain.errors import Conflict, Invalid
from gridcity.domain.messages import Message, message
from gridcity.services import public
from gridcity.services.security import token_digest

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")


@dataclass(frozen=True)
class NewSystem:
    name: str
    username: str  # of its account
    key: str  # returned to the administrator once
    digest: str  # what the database keeps


def check_new_system(
    db: Session,
    model: Any,
    name: str,
    what: Message,
    account_prefix: str,
    key: str | None = None,
    min_key_length: int = 1,
) -> NewSystem:
    """The checks before a system of `model` (a table with `name` and `key_hash`) is registered: its
    name, free among the systems (revoked names stay taken) and as an account's username; its key
    (a random one when None), long enough and held by no other system. `what` names the kind in the
    messages, e.g. "an integration"."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise Invalid(message("system.bad_name", name=name, what=what))
    if db.scalar(select(model.id).where(model.name == name)) is not None:
        raise Conflict(message("system.exists", what=what, name=name))
    username = f"{account_prefix}{name}"
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(message("system.username_taken", username=username))
    key = secrets.token_urlsafe(24) if key is None else key
    if len(key) < min_key_length:
        if not key:
            raise Invalid(message("system.empty_key"))
        raise Invalid(message("system.short_key", minimum=min_key_length))
    digest = token_digest(key)
    if db.scalar(select(model.id).where(model.key_hash == digest)) is not None:
        raise Conflict(message("system.key_taken", what=what))
    return NewSystem(name, username, key, digest)


def add_account(
    db: Session, system: NewSystem, display_name: str, role: str, org_unit_id: int, now: datetime
) -> User:
    """The system's account, in the caller's transaction: it acts through its API key; nobody signs
    in as it."""
    account = User(
        username=system.username,
        display_name=display_name,
        password_hash=public.NO_PASSWORD,
        role=role,
        org_unit_id=org_unit_id,
        active=False,
        created_at=now,
    )
    db.add(account)
    db.flush()
    return account
