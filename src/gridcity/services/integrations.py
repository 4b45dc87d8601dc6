"""The inbound API for departments' own systems (部门系统对接): a department's (or utility
enterprise's) work-order system takes the actions of the department desk — 签收 (accept), 处置反馈
with photos (report done), 申请延期 (ask for an extension) — by API key instead of by a person at
the page.

Keys are issued like Open311 client keys (`services.open311`): by the city platform's admin or the
command line, shown once, stored as SHA-256 (`security.token_digest`). Each integration acts as
its own handler account of the department (`integration-NAME`, sign-in disabled), so its actions go
through `services.cases.transition` like anyone's — the workflow table, the department check, the
version check — and the history shows which system took them. Revoking a key refuses it at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case, DepartmentIntegration, OrgUnit, User
from gridcity.db.queries import CaseFilter
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import CaseAction, CaseState, Role
from gridcity.services import cases
from gridcity.services.access import require_city_admin
from gridcity.services.attachments import StoredFile
from gridcity.services.platform import Platform
from gridcity.services.security import token_digest
from gridcity.services.system_accounts import add_account, check_new_system
from gridcity.services.users import principal_of

ACCOUNT_PREFIX = "integration-"
KEY_HEADER = "X-Api-Key"
S = CaseState
# What the department's system lists, as on the desk (web.department): to accept, being disposed,
# waiting for a decision on its request; `open`: all of them.
TABS: dict[str, tuple[CaseState, ...]] = {
    "incoming": (S.DISPATCHED,),
    "disposing": (S.DISPOSING,),
    "waiting": (S.EXTENSION_REQUESTED, S.RETURN_REQUESTED, S.SUSPENSION_REQUESTED, S.SUSPENDED),
}
TABS["open"] = tuple(s for states in list(TABS.values()) for s in states)
# The desk's actions open to a department's system.
ACTIONS = (CaseAction.ACCEPT, CaseAction.REPORT_DONE, CaseAction.REQUEST_EXTENSION)


def issue_integration(
    platform: Platform,
    db: Session,
    name: str,
    department: str,
    actor: Principal | None = None,
    issuer: str | None = None,
    key: str | None = None,
) -> tuple[DepartmentIntegration, str]:
    """Dock a department's system: its handler account and its API key, returned here only."""
    require_city_admin(actor, message("task.integrations"))
    unit = db.scalar(select(OrgUnit).where(OrgUnit.code == (department or "").strip()))
    if unit is None or unit.kind != "department":
        raise NotFound(message("department.no_department", department=department))
    system = check_new_system(
        db, DepartmentIntegration, name, message("noun.integration"), ACCOUNT_PREFIX, key, 16
    )
    now = platform.now()
    try:
        with unit_of_work(db):
            account = add_account(db, system, f"系统对接 {system.name}", Role.HANDLER.value, unit.id, now)
            integration = DepartmentIntegration(
                name=system.name,
                department_id=unit.id,
                key_hash=system.digest,
                account_id=account.id,
                issued_by=actor.username if actor is not None else (issuer or "command line"),
                issued_at=now,
                active=True,
            )
            db.add(integration)
    except IntegrityError:  # the same name or key at the same moment
        raise Conflict(message("integration.exists", system_name=system.name)) from None
    return integration, system.key


def list_integrations(db: Session, actor: Principal | None = None) -> list[DepartmentIntegration]:
    require_city_admin(actor, message("task.integrations"))
    return list(db.scalars(select(DepartmentIntegration).order_by(DepartmentIntegration.name)))


def revoke_integration(
    platform: Platform, db: Session, name: str, actor: Principal | None = None
) -> DepartmentIntegration:
    """Revoke an integration's key: from now on it gets 403. What it did stays in the history."""
    require_city_admin(actor, message("task.integrations"))
    row = db.scalar(select(DepartmentIntegration).where(DepartmentIntegration.name == (name or "").strip()))
    if row is None:
        raise NotFound(message("integration.not_found", name=name))
    if row.active:
        with unit_of_work(db):
            row.active = False
            row.revoked_at = platform.now()
    return row


def for_key(db: Session, key: str | None) -> tuple[DepartmentIntegration, Principal]:
    """The active integration holding this key and its account; 401 without a key, 403 for an
    unknown or revoked one."""
    if not key:
        raise Unauthorized(message("integration.key_required", header=KEY_HEADER))
    row = db.scalar(select(DepartmentIntegration).where(DepartmentIntegration.key_hash == token_digest(key)))
    if row is None:
        raise Forbidden(message("integration.key_invalid"))
    if not row.active:
        raise Forbidden(message("integration.key_revoked"))
    account = db.get(User, row.account_id)
    if account is None:  # pragma: no cover - the row's foreign key keeps it
        raise Forbidden(message("integration.account_gone"))
    return row, principal_of(account)


def cases_waiting(
    platform: Platform,
    db: Session,
    integration: DepartmentIntegration,
    tab: str = "incoming",
    limit: int = 200,
) -> list[Case]:
    """The department's cases of a tab, the most urgent deadline first."""
    if tab not in TABS:
        raise Invalid(message("integration.unknown_list", tab=tab, tabs=", ".join(TABS)))
    flt = CaseFilter(
        states=[s.value for s in TABS[tab]], department_id=integration.department_id, sort="deadline"
    )
    return list(db.scalars(flt.select(platform.now()).limit(limit)))


def act(
    platform: Platform,
    db: Session,
    account: Principal,
    case_id: int,
    action: CaseAction,
    *,
    version: int | None = None,
    note: str = "",
    fields: Mapping[str, Any] | None = None,
    attachments: Sequence[StoredFile] = (),
) -> Case:
    """One of the desk's actions by the integration's account. `version`: the version the system
    saw (a stale one: 409); None acts on the case as it is now."""
    if action not in ACTIONS:
        raise Invalid(
            message(
                "integration.action_not_allowed",
                action=action.value,
                actions=", ".join(a.value for a in ACTIONS),
            )
        )
    if version is None:
        version = cases.get_case(db, account, case_id).version  # NotFound when not the department's
        db.rollback()  # end the read: the action reads the case again in its own transaction
    request = cases.ActionRequest(
        action=action.value, version=version, note=note, fields=dict(fields or {}), attachments=attachments
    )
    return cases.transition(platform, db, account, case_id, request)
