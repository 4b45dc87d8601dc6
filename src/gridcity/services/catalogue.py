"""The effective class catalogue with the look-ups the case loop needs, built from the database by
`Platform.catalogue()`; it knows nothing of the platform that caches it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.models import CaseClass, OrgUnit
from gridcity.domain.durations import Duration
from gridcity.domain.errors import Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.taxonomy import (
    NETWORKS,
    Catalogue,
    ClassDef,
    DepartmentDef,
    class_from_dict,
    load_default_catalogue,
)

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
            raise Invalid(message("class.no_network_class", network=network))
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
