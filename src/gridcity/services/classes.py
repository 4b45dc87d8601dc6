"""The class catalogue as the city runs it: seeded from the standard tables and defaults, edited by
override files and through the API, stored in `case_classes` so every process sees the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.engine import transaction
from gridcity.db.models import CaseClass, OrgUnit, User
from gridcity.domain.durations import Duration
from gridcity.domain.errors import Forbidden, Invalid, NotFound
from gridcity.domain.taxonomy import (
    NETWORKS,
    Catalogue,
    ClassDef,
    DepartmentDef,
    class_from_dict,
    dump_class,
    load_default_catalogue,
)
from gridcity.services.platform import Platform

__all__ = ["ClassBook", "ClassDef"]

# The demo's mix of reports: the classes field supervisors meet most, by share.
_DEMO_MIX = {
    "暴露垃圾": 12,
    "积存垃圾渣土": 6,
    "道路不洁": 6,
    "非法小广告": 10,
    "乱堆物堆料": 6,
    "占道经营": 8,
    "无照经营游商": 5,
    "店外经营": 5,
    "机动车乱停放": 5,
    "非机动车乱停放": 5,
    "私搭乱建": 3,
    "井盖": 4,
    "路灯": 3,
    "绿地脏乱": 3,
    "施工扰民": 2,
    "道路破损": 3,
}


class ClassBook:
    """The effective catalogue plus the look-ups the case loop needs."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    @classmethod
    def from_db(cls, db: Session) -> ClassBook:
        departments = {**load_default_catalogue().departments, **_added_departments(db)}
        rows = db.scalars(select(CaseClass.definition)).all()
        if not rows:
            return cls(load_default_catalogue())
        return cls(Catalogue((class_from_dict(r, departments=departments) for r in rows), departments))

    def find(self, code: str, standard: str | None = None, kind: str | None = None) -> ClassDef:
        return self.catalogue.find(code, standard, kind)

    def search(
        self,
        standard: str | None = None,
        network: str | None = None,
        kind: str | None = None,
        text: str | None = None,
    ) -> list[ClassDef]:
        items = self.catalogue.select(standard=standard, kind=kind, network=network)
        if text:
            items = [
                c for c in items if text in c.code or text in c.name or text.lower() in c.name_en.lower()
            ]
        return sorted(items, key=lambda c: (c.standard, c.kind, c.code))

    def limit(self, cls: ClassDef, stage: str, urgency: str | None) -> Duration:
        return self.catalogue.limit(cls, stage, urgency)

    def first_of_network(self, network: str) -> ClassDef:
        items = self.search(network=network)
        if not items:
            raise Invalid(f"no class of the {network} network")
        return items[0]

    def demo_classes(self) -> list[tuple[ClassDef, float]]:
        """City-management event classes of the national standard matching the demo mix."""
        events = self.catalogue.select(standard="GB/T 47678.5-2026", network="city_management")
        picked = []
        for c in events:
            weight = next((w for word, w in _DEMO_MIX.items() if word in c.name), 0)
            if weight:
                picked.append((c, float(weight)))
        return picked or [(c, 1.0) for c in events[:20]]


def _added_departments(db: Session) -> dict[str, DepartmentDef]:
    """Departments an admin added (services.departments.add_department) that the catalogue file does
    not list, so that classes may name them as owners or cooperating units."""
    base = load_default_catalogue()
    out = {}
    rows = db.execute(
        select(OrgUnit.code, OrgUnit.name, OrgUnit.tier, OrgUnit.networks, OrgUnit.scope_code).where(
            OrgUnit.kind == "department"
        )
    ).all()
    for code, name, tier, networks, scope_code in rows:
        try:
            base.department(code)
        except NotFound:
            networks = tuple(n for n in networks or () if n in NETWORKS) or ("city_management",)
            out[code] = DepartmentDef(code, name, tier, "department", networks, False, scope_code)
    return out


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
    with transaction(db):
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
    with transaction(db):
        n = _upsert(db, changed, platform.now())
    platform.invalidate("catalogue")
    return n


def patch_class(
    platform: Platform, db: Session, user: User, code: str, standard: str | None, patch: Mapping[str, Any]
) -> ClassDef:
    book = platform.catalogue(db)
    kind = patch.get("kind") if isinstance(patch.get("kind"), str) else None
    current = book.find(code, standard, kind)
    changes = {k: v for k, v in patch.items() if k not in {"kind", "standard", "code"}}
    if not changes:
        raise Invalid(
            'nothing to change: send the fields to edit, e.g. {"limits": {"dispose": "3 work_hours"}}'
        )
    check_patch_tier(user, changes, book.catalogue)
    updated = book.catalogue.apply_patch(current, changes)
    with transaction(db):
        _upsert(db, [updated], platform.now())
    platform.invalidate("catalogue")
    return updated


def public_view(c: ClassDef) -> dict[str, Any]:
    return dump_class(c)


def check_patch_tier(user: Any, changes: Mapping[str, Any], catalogue: Catalogue | None = None) -> None:
    """Time limits, criteria, the default owner and the cooperating units apply to the whole city:
    only the city platform's admin sets them. An admin of a district or street sets who owns a class
    inside their own area (owner_by_area entries for their district or their streets)."""
    if user is None:  # the command line, run by whoever runs the installation
        return
    if user.role != "admin":
        raise Forbidden("only a platform admin (管理员) may change a class")
    scope = user.org_unit.scope_code
    if not scope:
        return
    citywide = sorted(k for k in changes if k != "owner_by_area")
    if citywide:
        raise Forbidden(
            f"{', '.join(citywide)} of a class apply to the whole city: only the city platform's admin "
            f"may change them; as the admin of {user.org_unit.name} you set the owner within your area"
        )
    areas = changes.get("owner_by_area")
    if isinstance(areas, Mapping):
        outside = sorted(str(a) for a in areas if not str(a).startswith(scope))
        if outside:
            raise Forbidden(
                f"{', '.join(outside)} lies outside your area {user.org_unit.name} ({scope}): "
                "only an admin of a platform above it may set its owner"
            )
        for area, code in areas.items():
            if catalogue is None or not isinstance(code, str) or not code or "{" in code:
                continue  # removing the entry, or a template resolved to the area itself
            try:
                serves = catalogue.department(code).territory
            except NotFound:
                continue  # the patch's own validation names the unknown code
            if serves and not (str(area).startswith(serves) or serves.startswith(scope)):
                raise Forbidden(
                    f"{code} serves {serves}, not {area}: name a department of your area or a city unit"
                )
