"""The reporter's callback contact (回访联系方式) of a case: the name and phone a citizen left
"便于工作人员回访" (on the portal, by the hotline operator, through Open311).

Who sees what (docs/domain/registry.md §Callback contact): staff who may see the case see the
contact masked (张*, 138****8000), like the registry's personal data; a read in clear names its
reason and writes a row of the same personal-data access log (`record_kind` "case_contact"), in the
same transaction. Citizens never see a contact (not even through a case they reported, since the
portal's shared account reports for many people); the public portal and Open311 never carry it.
The contact is stored encrypted and read through `services.contact_store` only; after the
retention it is erased (`services.retention`) and the case shows it was left but is gone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case
from gridcity.domain.errors import Forbidden, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.registry import MAX_REASON, MIN_REASON, PersonalField, mask_name, mask_phone
from gridcity.domain.workflow import Role
from gridcity.services import contact_store
from gridcity.services.access import access_case
from gridcity.services.platform import Platform
from gridcity.services.public import PORTAL_DISPLAY_NAME
from gridcity.services.registry.records import log_access, reader_of

RECORD_KIND = "case_contact"
FIELDS = [PersonalField.NAME.value, PersonalField.PHONE.value]
# how the portal's shared account is named in a history when the reporter left a contact
PORTAL_WITH_CONTACT = "市民服务平台（留有联系方式）"


def has_contact(case: Case) -> bool:
    return contact_store.has_contact(case)


def may_see_contact(user: Principal) -> bool:
    """Staff of the platform or a department who may see the case; never a citizen (the rule that
    they may see the case itself is `access_case`'s)."""
    return user.role != Role.CITIZEN


def contact_view(platform: Platform, user: Principal, case: Case) -> dict[str, Any] | None:
    """The contact as this user may see it: masked, or None (no contact, or a citizen)."""
    if not has_contact(case) or not may_see_contact(user):
        return None
    contact = contact_store.read(platform.settings, case)
    return {
        "name": mask_name(contact.name) if contact.name else None,
        "phone": mask_phone(contact.phone) if contact.phone else None,
        "masked": True,
    }


def check_reason(reason: str | None) -> str:
    """The registry's rule for a read in clear (a reason of MIN_REASON to MAX_REASON characters),
    refused in Chinese: the people who call back work in Chinese."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise Invalid(
            message("contact.reason_required", minimum=MIN_REASON),
            key="reason",
        )
    if len(text) > MAX_REASON:
        raise Invalid(message("contact.reason_long", limit=MAX_REASON), key="reason")
    return text


def reveal_contact(
    platform: Platform, db: Session, actor: Principal, case_id: int, reason: str | None
) -> dict[str, Any]:
    """The contact in clear, for staff who may see the case, with a reason; logged (who, when,
    which case, why) in the personal-data access log in the same transaction."""
    case = access_case(db, actor, case_id)
    if not may_see_contact(actor):
        raise Forbidden(message("contact.citizen"))
    if not has_contact(case):
        raise NotFound(message("contact.none", case=platform.case_number(case)))
    why = check_reason(reason)
    with unit_of_work(db):
        log_access(
            platform,
            db,
            reader_of(db, actor),
            "view",
            RECORD_KIND,
            case.id,
            FIELDS,
            why,
            case.community_code or case.street_code,
            {"case_number": platform.case_number(case)},
        )
    contact = contact_store.read(platform.settings, case)
    return {"name": contact.name, "phone": contact.phone, "masked": False}


def actor_name(name: str, case: Case) -> str:
    """The name a history shows for an event's actor: the portal's shared account says the
    reporter left a contact instead of "匿名上报" when they did."""
    if name == PORTAL_DISPLAY_NAME and has_contact(case):
        return PORTAL_WITH_CONTACT
    return name


def anonymous(case: Case, reporter_name: str | None) -> bool:
    """Reported through the portal's shared account without a contact: nobody to call back."""
    return not has_contact(case) and reporter_name == PORTAL_DISPLAY_NAME
