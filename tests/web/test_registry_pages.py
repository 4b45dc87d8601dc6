"""我的网格 and 重点人员 as a grid worker and a police officer use them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from tests.web.test_pages import csrf_of, sign_in

from gridcity.db.models import PersonalAccessLog, RegistryVisit
from gridcity.domain.registry import id_check_char
from gridcity.services import registry as reg

DONGHUAMEN = (116.4040, 39.9140)


def _id() -> str:
    first = f"11010119450101{uuid.uuid4().int % 1000:03d}"
    return first + id_check_char(first)


def _setup(platform: Any, db: Any, make_user: Any) -> tuple[Any, Any, Any, Any, str]:
    tag = uuid.uuid4().hex[:6]
    admin, worker, police = make_user("admin"), make_user("grid_worker"), make_user("police")
    where = reg.locate(platform, db, *DONGHUAMEN)
    reg.assign_grid(platform, db, admin, worker.username, where.ss_grid_code)
    reg.assign_grid(platform, db, admin, police.username, where.ps_grid_code)
    house = reg.create_place(
        platform, db, admin, reg.PlaceInput("house", f"房{tag}", f"东华门{tag}号", *DONGHUAMEN)
    )
    household = reg.create_household(platform, db, admin, house.id, tag)
    elder_id = _id()
    elder = reg.add_resident(
        platform,
        db,
        admin,
        reg.ResidentInput(household.id, f"钱{tag}", "head", elder_id, "13600136000", tags=["elderly_alone"]),
    )
    reg.add_resident(
        platform, db, admin, reg.ResidentInput(household.id, f"孙{tag}", "child", tags=["key_person"])
    )
    return worker, police, household, elder, elder_id


def test_grid_worker_page_masks_reveals_with_reason_and_records_a_visit(
    client, platform, db, make_user
) -> None:  # type: ignore[no-untyped-def]
    worker, _, household, elder, elder_id = _setup(platform, db, make_user)
    sign_in(client, worker)
    assert client.get("/", follow_redirects=False).headers["location"] == "/grid"
    page = client.get("/grid", params={"q": elder.name})
    assert page.status_code == 200 and "我的网格" in page.text
    assert elder.name in page.text and "独居老人" in page.text
    assert "136****6000" in page.text and "13600136000" not in page.text and elder_id not in page.text
    assert "重点人员" not in page.text.split("<main>")[1]  # public-security tags are not the grid worker's
    token = csrf_of(page.text)

    refused = client.post(f"/registry/residents/{elder.id}/reveal", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422 and "reason" in refused.text
    shown = client.post(
        f"/registry/residents/{elder.id}/reveal", data={"csrf_token": token, "reason": "电话回访老人"}
    )
    assert shown.status_code == 200 and elder_id in shown.text and "13600136000" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    db.expire_all()
    logged = db.scalars(select(PersonalAccessLog).where(PersonalAccessLog.record_id == elder.id)).all()
    assert [(e.username, e.reason) for e in logged] == [(worker.username, "电话回访老人")]

    form = {
        "csrf_token": token,
        "household_id": str(household.id),
        "kind": "visit",
        "note": "上门走访，一切正常",
    }
    done = client.post("/registry/visits", data=form, follow_redirects=True)
    assert done.status_code == 200 and "已记录" in done.text and "上门走访，一切正常" in done.text
    assert (
        db.scalar(select(RegistryVisit).where(RegistryVisit.household_id == household.id)).user_id
        == worker.id
    )
    assert client.post("/registry/visits", data={**form, "csrf_token": "x" * 64}).status_code == 403
    assert client.get("/police").status_code == 403


def test_police_page_lists_key_persons_only(client, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
    _, police, _, elder, _ = _setup(platform, db, make_user)
    sign_in(client, police)
    assert client.get("/", follow_redirects=False).headers["location"] == "/police"
    page = client.get("/police")
    assert page.status_code == 200 and "重点人员" in page.text
    assert f"孙{elder.name[1:]}" in page.text and elder.name not in page.text
    assert client.get("/grid").status_code == 403
