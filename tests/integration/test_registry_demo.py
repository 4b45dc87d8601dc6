"""The demo's registry: made through the registry's own checks, and usable by its demo staff."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gridcity.db.models import RegistryHousehold, RegistryResident
from gridcity.services.demo import registry as registry_demo
from gridcity.services.registry import records as reg

STREET = "110101004"  # a street no other registry test writes in


def test_demo_registry_fills_a_street_and_its_staff_see_it(platform: Any, db: Any, make_user: Any) -> None:
    worker, police = make_user("grid_worker"), make_user("police")
    made = registry_demo.build(platform, db, worker.username, police.username, seed=7, street=STREET)
    households = db.scalar(
        select(func.count()).select_from(RegistryHousehold).where(RegistryHousehold.street_code == STREET)
    )
    assert made > 100 and households > 40
    mine, total = reg.list_households(db, worker, reg.LocatedFilter(), limit=500)
    assert 0 < total < households and {h["street_code"] for h in mine} == {STREET}
    assert all(r["id_number"] and "*" in r["id_number"] for h in mine for r in h["residents"])
    key_persons, _ = reg.list_residents(db, police, reg.ResidentFilter(street=STREET), limit=500)
    assert key_persons and all("key_person" in r["tags"] for r in key_persons)
    sample = db.scalar(
        select(RegistryResident)
        .join(RegistryHousehold)
        .where(RegistryHousehold.street_code == STREET, RegistryResident.id_number_enc.is_not(None))
        .limit(1)
    )
    clear = reg.read_resident(platform, db, None, sample.id, unmask=True, reason="demo check")
    assert clear["id_number"].startswith("110101") and len(clear["id_number"]) == 18
