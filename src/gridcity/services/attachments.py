"""Photos and documents: checked (size, real type), stored on disk by checksum, then linked to the
history row of the report or action they belong to.

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
from gridcity.services.photo_exif import PhotoFacts, read_photo_facts
from gridcity.services.platform import Platform

StoredFile = int  # the id of an uploaded, not yet linked Attachment

# Magic numbers: the declared content type is not trusted.
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
]
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}


def sniff_type(head: bytes) -> str | None:
    for magic, offset, content_type in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and not head.startswith(b"RIFF"):
                continue
            return content_type
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
    content_type = sniff_type(content[:16])
    if content_type is None or content_type not in settings.upload_types:
        raise Invalid(
            message("attachment.bad_type", filename=filename, upload_types=", ".join(settings.upload_types))
        )
    digest = hashlib.sha256(content).hexdigest()
    relative = Path(digest[:2]) / f"{digest}{_EXTENSIONS[content_type]}"
    target = settings.effective_attachments_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(target)  # atomic: a crash never leaves half a photo under the final name
    image = content_type.startswith("image/")
    facts = read_photo_facts(content, settings.timezone) if image else PhotoFacts()
    with unit_of_work(db):
        row = Attachment(
            filename=Path(filename or "upload").name[:200],
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


def attachment_path(platform: Platform, db: Session, attachment_id: int) -> tuple[Attachment, Path]:
    row = db.get(Attachment, attachment_id)
    if row is None:
        raise NotFound(message("attachment.not_found", attachment_id=attachment_id))
    return row, platform.settings.effective_attachments_dir / row.storage_path
