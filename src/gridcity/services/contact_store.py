"""The one place a case's callback contact (the reporter's name and phone) is written and read: it is
stored encrypted (AES-256-GCM with the installation's personal-data key, `services.registry.
personal_crypto`), like a resident's ID number and phone, so the `cases` table holds no name and no
phone digits. No lookup by phone exists, so there is no blind index and no masked copy; who may see
the contact, masked or in clear, is `services.case_contact`'s rule.

The intake (`services.cases.report_case`: the portal, the hotline, the API, Open311, the demo)
seals; `services.case_contact` opens for a view or a logged read in clear; `services.retention`
erases; `services.personal_data` rewrites under a new key. Exports, Open311 answers, webhooks and the
outbox never read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridcity.config import Settings
from gridcity.db.models import Case
from gridcity.services.registry import personal_crypto

NAME_FIELD = "case.contact_name"  # the associated data binding each value to its column
PHONE_FIELD = "case.contact_phone"
COLUMNS = {"contact_name_enc": NAME_FIELD, "contact_phone_enc": PHONE_FIELD}


@dataclass(frozen=True)
class Contact:
    name: str | None
    phone: str | None


def has_contact(case: Case) -> bool:
    return case.contact_name_enc is not None or case.contact_phone_enc is not None


def seal(settings: Settings, case: Case, name: str | None, phone: str | None) -> None:
    """Store the contact encrypted (an empty part: none)."""
    crypt = personal_crypto.cipher(settings)
    case.contact_name_enc = crypt.encrypt(name, NAME_FIELD) if name else None
    case.contact_phone_enc = crypt.encrypt(phone, PHONE_FIELD) if phone else None


def read(settings: Settings, case: Case) -> Contact:
    """The contact in clear. Callers decide who may see it (`services.case_contact`)."""
    crypt = personal_crypto.cipher(settings)
    return Contact(
        name=crypt.decrypt(case.contact_name_enc, NAME_FIELD) if case.contact_name_enc is not None else None,
        phone=crypt.decrypt(case.contact_phone_enc, PHONE_FIELD)
        if case.contact_phone_enc is not None
        else None,
    )
