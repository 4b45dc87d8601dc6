"""The caller: who is acting, as plain values the services can trust and cache across requests.

Every service that acts for somebody takes a `Principal`, whatever the door they came in by (a
page's session, a bearer token, a department system's key, an Open311 client, the command line):
one type, so a rule about the caller is written once. It is detached from any database session;
`services.users.principal_of` makes one from a user row."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnitInfo:
    """What access rules need of the caller's organisation unit."""

    id: int
    code: str
    name: str
    kind: str  # city, district, street, community, department
    tier: str
    scope_code: str  # the territory code the unit answers for ('' for the whole city)


@dataclass(frozen=True)
class Principal:
    """The signed-in user (or a docked system's account) as the services see them."""

    id: int
    username: str
    display_name: str
    role: str
    org_unit_id: int
    org_unit: UnitInfo
    active: bool = True
