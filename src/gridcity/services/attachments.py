"""Photos: checked (size, a real JPEG, PNG or WebP image by its content), stored on disk under a
name of the server's (its checksum), durably, then linked to the history row of the report or
action they belong to (services.upload_files: detection, names, the durable write).

Upload first (`store_upload` → an unlinked attachment owned by the uploader), then name its id in the
report or action. A phone that loses the connection re-sends only what did not arrive. A photo's
EXIF time and position are kept on its row (services.photo_exif) for the case page's judgement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Attachment, Case, CaseEvent
from gridcity.domain import evidence
from gridcity.domain.errors import Forbidden, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.services import upload_files
from gridcity.services.photo_exif import read_photo_facts
from gridcity.services.platform import Platform

StoredFile = int  # the id of an uploaded, not yet linked Attachment


def sniff_type(content: bytes) -> str | None:
    """The type of a whole JPEG, PNG or WebP image's bytes, None for anything else: for the pages
    that check every photo of a form before storing any (services.field, services.public)."""
    try:
        return upload_files.detect_image_type(content, "")
    except Invalid:
        return None


def store_upload(
    platform: Platform, db: Session, user: Principal, filename: str, content: bytes
) -> Attachment:
    settings = platform.settings
    if not content:
        raise Invalid(message("attachment.empty"))
    if len(content) > settings.max_upload_bytes:
        raise Invalid(
            message(
                "attachment.too_large",
                size=f"{len(content) / 1e6:.1f}",
                limit=f"{settings.max_upload_bytes / 1e6:.1f}",
            )
        )
    content_type = upload_files.detect_image_type(content, filename)
    if content_type not in settings.upload_types:  # a city may accept fewer types than the three
        raise Invalid(
            message("attachment.bad_type", filename=filename, upload_types=", ".join(settings.upload_types))
        )
    digest = hashlib.sha256(content).hexdigest()
    relative = Path(digest[:2]) / f"{digest}{upload_files.EXTENSIONS[content_type]}"
    upload_files.write_durably(settings.effective_attachments_dir / relative, content)
    facts = read_photo_facts(content, settings.timezone)
    with unit_of_work(db):
        row = Attachment(
            filename=upload_files.safe_name(filename, content_type),
            content_type=content_type,
            size=len(content),
            sha256=digest,
            storage_path=relative.as_posix(),
            uploaded_by=user.id,
            created_at=platform.now(),
            taken_at=facts.taken_at,
            taken_lon=facts.lon,
            taken_lat=facts.lat,
        )
        db.add(row)
    return row


def link_attachments(
    db: Session, case_id: int, event_id: int, ids: Sequence[StoredFile], user: Principal
) -> list[Attachment]:
    """Attach uploaded files to a history row (inside the caller's transaction); returns them."""
    if not ids:
        return []
    rows = db.scalars(select(Attachment).where(Attachment.id.in_(list(ids)))).all()
    found = {row.id: row for row in rows}
    for attachment_id in ids:
        row = found.get(attachment_id)
        if row is None:
            raise Invalid(message("attachment.missing", attachment_id=attachment_id))
        if row.uploaded_by != user.id:
            raise Forbidden(message("attachment.not_yours", attachment_id=attachment_id))
        if row.event_id is not None:
            raise Invalid(message("attachment.used", attachment_id=attachment_id))
        row.case_id, row.event_id = case_id, event_id
    return [found[i] for i in ids]


def photo_check(
    platform: Platform, attachment: Attachment, case: Case, event: CaseEvent
) -> evidence.PhotoCheck:
    """What a photo of the case's history says against the case: when, how far, flags."""
    return evidence.check_photo(
        attachment.taken_at,
        attachment.taken_lon,
        attachment.taken_lat,
        case_lon=case.lon,
        case_lat=case.lat,
        reported_at=case.reported_at,
        with_report=event.action == "report",
        far_m=platform.settings.photo_far_m,
    )


def photo_checks(platform: Platform, case: Case) -> dict[int, evidence.PhotoCheck]:
    """`photo_check` of every file of the case's history, by attachment id (for the pages)."""
    return {a.id: photo_check(platform, a, case, e) for e in case.events for a in e.attachments}


def download_headers(row: Attachment) -> dict[str, str]:
    """How a stored file goes out: inline under its safe name with the detected type's extension
    (rows stored before names were made safe are made safe here); the type itself is the row's
    content_type, and every answer carries nosniff (web/security_headers.py)."""
    return {
        "Content-Disposition": upload_files.content_disposition(
            upload_files.safe_name(row.filename, row.content_type)
        )
    }


def attachment_path(platform: Platform, db: Session, attachment_id: int) -> tuple[Attachment, Path]:
    row = db.get(Attachment, attachment_id)
    if row is None:
        raise NotFound(message("attachment.not_found", attachment_id=attachment_id))
    return row, platform.settings.effective_attachments_dir / row.storage_path
