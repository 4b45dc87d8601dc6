"""The class catalogue as the city runs it: seeded from the standard tables and defaults, edited by
override files and through the API, stored in `case_classes` so every process sees the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import CaseClass
from gridcity.domain.errors import Forbidden, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import (
    Catalogue,
    ClassDef,
    dump_class,
    load_default_catalogue,
)
from gridcity.services.catalogue import ClassBook
from gridcity.services.platform import Platform

__all__ = ["ClassBook", "ClassDef"]


def _upsert(db: Session, items: Iterable[ClassDef], now: Any) -> int:
    existing = {(r.standard, r.kind, r.code): r for r in db.scalars(select(CaseClass))}
    count = 0
    for c in items:
        row = existing.get((c.standard, str(c.kind), c.code))
        if row is None:
            row = CaseClass(standard=c.standard, kind=str(c.kind), code=c.code)
            db.add(row)
        row.major_code, row.name, row.network, row.public = c.major_code, c.name, c.network, c.public
        row.definition, row.updated_at = dump_class(c), now
        count += 1
    return count


def _override_texts(platform: Platform) -> list[tuple[str, str]]:
    return [(str(p), Path(p).read_text(encoding="utf-8")) for p in platform.settings.class_overrides]


def seed_catalogue(platform: Platform, db: Session) -> int:
    """Store the standard tables with the defaults and the configured city override files."""
    catalogue = load_default_catalogue(*_override_texts(platform))
    with unit_of_work(db):
        n = _upsert(db, catalogue, platform.now())
    platform.invalidate("catalogue")
    return n


def apply_override_file(platform: Platform, db: Session, path: Path) -> int:
    """Apply a city override file: only the classes it changes are rewritten, so edits made through
    the API to other classes stay."""
    text = Path(path).read_text(encoding="utf-8")
    base = load_default_catalogue()
    updated = load_default_catalogue((str(path), text))
    changed = [c for c in updated if base.classes.get(c.key) != c]
    with unit_of_work(db):
        n = _upsert(db, changed, platform.now())
    platform.invalidate("catalogue")
    return n


def patch_class(
    platform: Platform,
    db: Session,
    user: Principal,
    code: str,
    standard: str | None,
    patch: Mapping[str, Any],
) -> ClassDef:
    book = platform.catalogue(db)
    kind = patch.get("kind") if isinstance(patch.get("kind"), str) else None
    current = book.find(code, standard, kind)
    changes = {k: v for k, v in patch.items() if k not in {"kind", "standard", "code"}}
    if not changes:
        raise Invalid(message("class.nothing_to_change"))
    check_patch_tier(user, changes, book.catalogue)
    updated = book.catalogue.apply_patch(current, changes)
    with unit_of_work(db):
        _upsert(db, [updated], platform.now())
    platform.invalidate("catalogue")
    return updated


def public_view(c: ClassDef) -> dict[str, Any]:
    """The class as the API shows it: every post's limit under `limits`, the rework limit included
    (half the disposal limit when the class sets none)."""
    return {**dump_class(c), "limits": {s.value: str(d) for s, d in c.effective_limits().items()}}


def check_patch_tier(user: Principal, changes: Mapping[str, Any], catalogue: Catalogue | None = None) -> None:
    """Time limits, criteria, the default owner and the cooperating units apply to the whole city:
    only the city platform's admin sets them. An admin of a district or street sets who owns a class
    inside their own area (owner_by_area entries for their district or their streets)."""
    if user is None:  # the command line, run by whoever runs the installation
        return
    if user.role != "admin":
        raise Forbidden(message("class.admin_only"))
    scope = user.org_unit.scope_code
    if not scope:
        return
    citywide = sorted(k for k in changes if k != "owner_by_area")
    if citywide:
        raise Forbidden(
            message("class.citywide", citywide=", ".join(citywide), org_unit_name=user.org_unit.name)
        )
    areas = changes.get("owner_by_area")
    if isinstance(areas, Mapping):
        outside = sorted(str(a) for a in areas if not str(a).startswith(scope))
        if outside:
            raise Forbidden(
                message(
                    "class.owner_outside_area",
                    outside=", ".join(outside),
                    org_unit_name=user.org_unit.name,
                    scope=scope,
                )
            )
        for area, code in areas.items():
            if catalogue is None or not isinstance(code, str) or not code or "{" in code:
                continue  # removing the entry, or a template resolved to the area itself
            try:
                serves = catalogue.department(code).territory
            except NotFound:
                continue  # the patch's own validation names the unknown code
            if serves and not (str(area).startswith(serves) or serves.startswith(scope)):
                raise Forbidden(message("class.owner_elsewhere", serves=serves, area=area, department=code))
