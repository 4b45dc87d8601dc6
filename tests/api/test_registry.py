"""The registry's API: status codes and bodies, masking, the access log, export, case subjects."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from gridcity.domain.registry import id_check_char

DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 110101001
R = "/api/v1/registry"


def _id(born: str) -> str:
    first = f"110101{born}{uuid.uuid4().int % 1000:03d}"
    return first + id_check_char(first)


def _post(client: Any, path: str, body: dict[str, Any], headers: dict[str, str], status: int = 201) -> Any:
    r = client.post(path, json=body, headers=headers)
    assert r.status_code == status, r.text
    return r.json()


def _household(client: Any, admin: dict[str, str], tag: str) -> tuple[dict[str, Any], dict[str, Any]]:
    lon, lat = DONGHUAMEN
    place = _post(
        client,
        f"{R}/places",
        {"kind": "house", "name": f"房{tag}", "address": f"{tag}号", "lon": lon, "lat": lat},
        admin,
    )
    assert place["street_code"] == "110101001" and place["ss_grid_code"] and place["kind_label"] == "房屋"
    household = _post(client, f"{R}/households", {"place_id": place["id"], "number": tag}, admin)
    assert household["ss_grid_code"] == place["ss_grid_code"]
    return place, household


def test_resident_masked_unmasked_and_logged(client, make_user, login, clock) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    admin_user = make_user("admin")
    admin = login(admin_user)
    _, household = _household(client, admin, tag)
    id_number, phone = _id("19480315"), "13912345678"
    body = {
        "household_id": household["id"],
        "name": f"张{tag}",
        "relation": "head",
        "id_number": id_number,
        "phone": phone,
        "tags": ["elderly_alone"],
    }
    created = _post(client, f"{R}/residents", body, admin)
    assert created["id_number"] == id_number[:6] + "********" + id_number[-4:]
    assert created["phone"] == "139****5678" and created["gender"] in ("male", "female")
    assert created["birth_year"] == 1948 and created["tag_labels"] == ["独居老人"] and created["masked"]

    url = f"{R}/residents/{created['id']}"
    masked = client.get(url, headers=admin).json()
    assert masked["id_number"] != id_number and masked["may_unmask"]
    refused = client.get(url, params={"unmask": "true"}, headers=admin)
    assert refused.status_code == 422 and "reason" in refused.json()["detail"]
    clear = client.get(url, params={"unmask": "true", "reason": "核对低保资格"}, headers=admin)
    assert clear.status_code == 200, clear.text
    assert (clear.json()["id_number"], clear.json()["phone"], clear.json()["masked"]) == (
        id_number,
        phone,
        False,
    )

    log = client.get(f"{R}/access-log", params={"username": admin_user.username}, headers=admin)
    assert log.status_code == 200
    (entry,) = [e for e in log.json()["items"] if e["record_id"] == created["id"]]
    assert (
        entry["reason"] == "核对低保资格" and entry["user_id"] == admin_user.id and entry["action"] == "view"
    )
    assert entry["record_name"] and entry["record_name"] != created["name"]  # masked
    by_resident = client.get(f"{R}/access-log", params={"resident_id": created["id"]}, headers=admin).json()
    assert by_resident["total"] == 1 and by_resident["items"][0]["id"] == entry["id"]
    today = clock().date().isoformat()  # the city's day of the read
    after = client.get(
        f"{R}/access-log", params={"resident_id": created["id"], "since": "2099-01-01"}, headers=admin
    )
    assert after.json() == {"items": [], "total": 0}
    assert (
        client.get(f"{R}/access-log", params={"since": today, "until": today}, headers=admin).json()["total"]
        >= 1
    )
    bad = client.get(f"{R}/access-log", params={"since": "2026-13-01"}, headers=admin)
    assert bad.status_code == 422
    reversed_period = client.get(
        f"{R}/access-log", params={"since": "2026-11-20", "until": "2026-11-01"}, headers=admin
    )
    assert reversed_period.status_code == 422 and "starts" in reversed_period.text
    leader = login(make_user("leader"))
    assert client.get(f"{R}/access-log", headers=leader).status_code == 403
    assert client.get(url, params={"unmask": "true", "reason": "查看一下"}, headers=leader).status_code == 403
    assert client.get(url, headers=leader).json()["id_number"] == masked["id_number"]
    assert client.get(url, headers=login(make_user("dispatcher"))).status_code == 404

    lookup = _post(client, f"{R}/residents/lookup", {"id_number": id_number}, admin, 200)
    assert [r["id"] for r in lookup["items"]] == [created["id"]]
    moved = _post(client, f"{url}/move-out", {}, admin, 200)
    assert moved["moved_out_at"] is not None
    assert client.patch(url, json={"name": "x"}, headers=admin).status_code == 409


def test_bad_input_is_a_clear_4xx(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(make_user("admin"))
    tag = uuid.uuid4().hex[:8]
    _, household = _household(client, admin, tag)
    cases = [
        (
            f"{R}/places",
            {"kind": "castle", "name": "x", "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1]},
            422,
            "place kind",
        ),
        (f"{R}/places", {"kind": "shop", "name": "x", "lon": 100.0, "lat": 20.0}, 422, "outside"),
        (f"{R}/places", {"kind": "shop", "name": "x"}, 422, "lon"),
        (
            f"{R}/places",
            {"kind": "shop", "name": "x", "geometry": {"type": "Point", "coordinates": [1, 2]}},
            422,
            "Polygon",
        ),
        (
            f"{R}/organisations",
            {
                "kind": "company",
                "name": "x",
                "uscc": "91350100M000100Y44",
                "lon": DONGHUAMEN[0],
                "lat": DONGHUAMEN[1],
            },
            422,
            "check character",
        ),
        (
            f"{R}/residents",
            {"household_id": household["id"], "name": "x", "id_number": "110105194912310021"},
            422,
            "check digit",
        ),
        (f"{R}/residents", {"household_id": household["id"], "name": "x", "phone": "12345"}, 422, "phone"),
        (
            f"{R}/residents",
            {"household_id": household["id"], "name": "x", "tags": ["vip"]},
            422,
            "unknown tag",
        ),
        (f"{R}/residents", {"household_id": 10**9, "name": "x"}, 422, "household"),
        (f"{R}/visits", {"household_id": household["id"], "kind": "party"}, 422, "visit kind"),
    ]
    for path, body, status, words in cases:
        r = client.post(path, json=body, headers=admin)
        assert r.status_code == status, (path, body, r.text)
        assert words in r.json()["detail"], r.text
    assert client.get(f"{R}/residents/999999999", headers=admin).status_code == 404
    assert client.get(f"{R}/places", params={"page_size": 100000}, headers=admin).status_code == 422
    assert client.get(f"{R}/residents", params={"tag": "vip"}, headers=admin).status_code == 422
    assert client.get(f"{R}/places").status_code == 401
    ok = _post(
        client,
        f"{R}/organisations",
        {
            "kind": "school",
            "name": f"学校{tag}",
            "uscc": "91350100M000100Y43",
            "lon": DONGHUAMEN[0],
            "lat": DONGHUAMEN[1],
        },
        admin,
        201,
    )
    again = client.post(
        f"{R}/organisations",
        json={
            "kind": "school",
            "name": "y",
            "uscc": "91350100M000100Y43",
            "place_id": None,
            "lon": DONGHUAMEN[0],
            "lat": DONGHUAMEN[1],
        },
        headers=admin,
    )
    assert again.status_code == 409
    _post(client, f"{R}/organisations/{ok['id']}/end", {}, admin, 200)


def test_export_is_admin_only_and_logged(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    admin_user = make_user("admin")
    admin = login(admin_user)
    _, household = _household(client, admin, tag)
    id_number = _id("19700101")
    _post(
        client,
        f"{R}/residents",
        {"household_id": household["id"], "name": f"刘{tag}", "id_number": id_number},
        admin,
    )
    url = f"{R}/export/residents.csv"
    params = {"household_id": household["id"], "reason": "年度数据核查"}
    for role in ("leader", "grid_worker", "police", "dispatcher"):
        r = client.get(url, params=params, headers=login(make_user(role)))
        assert r.status_code == 403 and "admin" in r.json()["detail"]
    assert client.get(url, params={"household_id": household["id"]}, headers=admin).status_code == 422
    r = client.get(url, params=params, headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [row["id_number"] for row in rows] == [id_number]
    log = client.get(f"{R}/access-log", params={"username": admin_user.username}, headers=admin).json()[
        "items"
    ]
    assert any(
        e["action"] == "export" and e["reason"] == "年度数据核查" and e["detail"]["rows"] == 1 for e in log
    )


def test_grid_worker_and_case_subjects(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    admin = login(make_user("admin"))
    place, household = _household(client, admin, tag)
    worker_user = make_user("grid_worker")
    worker = login(worker_user)
    assert client.get(f"{R}/households", headers=worker).json()["total"] == 0  # no grid yet
    assign = {"username": worker_user.username, "grid_code": place["ss_grid_code"]}
    assert client.post(f"{R}/grid-staff", json=assign, headers=worker).status_code == 403
    _post(client, f"{R}/grid-staff", assign, admin)
    assert client.get(f"{R}/my-grids", headers=worker).json()["items"] == [
        {"layer": "social_service", "grid_code": place["ss_grid_code"]}
    ]
    mine = client.get(f"{R}/households", headers=worker).json()["items"]
    assert household["id"] in {h["id"] for h in mine}
    resident = _post(
        client,
        f"{R}/residents",
        {"household_id": household["id"], "name": f"孙{tag}", "tags": ["disability"]},
        worker,
    )
    visit = _post(
        client,
        f"{R}/visits",
        {"household_id": household["id"], "note": "走访残疾人", "resident_id": resident["id"]},
        worker,
    )
    assert visit["kind_label"] == "走访"
    assert visit["id"] in {v["id"] for v in client.get(f"{R}/visits", headers=worker).json()["items"]}

    supervisor = login(make_user("supervisor"))
    case = _post(
        client,
        "/api/v1/cases",
        {
            "class_code": "06010",
            "kind": "event",
            "standard": "GB/T 47678.5-2026",
            "lon": DONGHUAMEN[0],
            "lat": DONGHUAMEN[1],
            "description": tag,
        },
        supervisor,
    )
    subject = _post(
        client,
        f"/api/v1/cases/{case['id']}/subjects",
        {"kind": "resident", "subject_id": resident["id"], "role": "party"},
        admin,
    )
    assert subject["subject"]["name"] == f"孙{tag}" and subject["role_label"] == "当事人"
    _post(client, f"/api/v1/cases/{case['id']}/subjects", {"kind": "place", "subject_id": place["id"]}, admin)
    seen = client.get(f"/api/v1/cases/{case['id']}/subjects", headers=supervisor).json()["items"]
    person = next(s for s in seen if s["kind"] == "resident")["subject"]
    assert person == {"id": resident["id"], "name": "孙" + "*" * len(tag), "masked": True}
    r = client.post(
        f"/api/v1/cases/{case['id']}/subjects",
        json={"kind": "place", "subject_id": place["id"]},
        headers=admin,
    )
    assert r.status_code == 409
    assert (
        client.post(
            f"/api/v1/cases/{case['id']}/subjects", json={"kind": "x", "subject_id": 1}, headers=admin
        ).status_code
        == 422
    )


def test_things_end_and_stay_as_history(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(make_user("admin"))
    tag = uuid.uuid4().hex[:8]
    body = {
        "kind": "hazard",
        "name": f"燃气调压箱{tag}",
        "risk_level": "high",
        "lon": DONGHUAMEN[0],
        "lat": DONGHUAMEN[1],
    }
    thing = _post(client, f"{R}/things", body, admin)
    assert thing["kind_label"] == "危险源" and thing["grid_code"] and thing["valid_to"] is None
    assert (
        client.post(f"{R}/things", json={**body, "risk_level": "extreme"}, headers=admin).status_code == 422
    )
    worker = login(make_user("grid_worker"))  # no grid assigned: may not record there
    assert client.post(f"{R}/things", json=body, headers=worker).status_code == 403
    ended = _post(client, f"{R}/things/{thing['id']}/end", {}, admin, 200)
    assert ended["valid_to"] is not None
    assert client.post(f"{R}/things/{thing['id']}/end", headers=admin).status_code == 409
    assert client.get(f"{R}/things/{thing['id']}", headers=admin).json()["valid_to"] == ended["valid_to"]
    current = client.get(f"{R}/things", params={"q": tag}, headers=admin).json()
    everything = client.get(f"{R}/things", params={"q": tag, "include_ended": "true"}, headers=admin).json()
    assert current["total"] == 0 and [t["id"] for t in everything["items"]] == [thing["id"]]
    handler = login(make_user("handler"))  # a department is not platform staff: no registry
    assert client.get(f"{R}/things", headers=handler).status_code == 403
    assert client.get(f"{R}/things/{thing['id']}", headers=handler).status_code == 404


def test_service_request_becomes_a_case(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    admin = login(make_user("admin"))
    place, household = _household(client, admin, tag)
    worker_user = make_user("grid_worker")
    worker, stranger = login(worker_user), login(make_user("grid_worker"))
    _post(
        client,
        f"{R}/grid-staff",
        {"username": worker_user.username, "grid_code": place["ss_grid_code"]},
        admin,
    )
    resident = _post(client, f"{R}/residents", {"household_id": household["id"], "name": f"周{tag}"}, worker)
    body = {
        "household_id": household["id"],
        "kind": "service_request",
        "note": "独居老人需要定期探访",
        "resident_id": resident["id"],
        "class_code": "SS0102",
    }
    visit = _post(client, f"{R}/visits", body, worker)
    assert visit["case_id"] and visit["kind"] == "service_request"
    case = client.get(f"/api/v1/cases/{visit['case_id']}", headers=admin).json()
    assert (case["class_code"], case["channel"], case["state"]) == ("SS0102", "supervisor", "accepted")
    assert case["description"] == "独居老人需要定期探访" and f"周{tag}" not in str(case)
    subjects = client.get(f"/api/v1/cases/{visit['case_id']}/subjects", headers=admin).json()["items"]
    assert {(s["kind"], s["subject_id"]) for s in subjects} == {
        ("place", place["id"]),
        ("resident", resident["id"]),
    }

    unknown = client.post(f"{R}/visits", json={**body, "class_code": "ZZ0000"}, headers=worker)
    assert unknown.status_code == 422 and "ZZ0000" in unknown.json()["detail"]
    assert client.post(f"{R}/visits", json=body, headers=stranger).status_code == 403

    later = _post(client, f"{R}/visits", {**body, "class_code": None, "note": "小区垃圾清运不及时"}, worker)
    assert later["case_id"] is None
    url = f"{R}/visits/{later['id']}/case"
    assert client.post(url, json={"class_code": "SS0206"}, headers=stranger).status_code == 403
    bad = client.post(url, json={"class_code": "nope"}, headers=worker)
    assert bad.status_code == 422 and "nope" in bad.json()["detail"]
    made = _post(client, url, {"class_code": "SS0206"}, worker)
    assert made["case_id"] and made["case_number"] and made["id"] == later["id"]
    again = client.post(url, json={"class_code": "SS0206"}, headers=worker)
    assert again.status_code == 409 and str(made["case_id"]) in again.json()["detail"]
    plain = _post(client, f"{R}/visits", {"household_id": household["id"], "note": "走访"}, worker)
    assert (
        client.post(
            f"{R}/visits/{plain['id']}/case", json={"class_code": "SS0206"}, headers=worker
        ).status_code
        == 422
    )
    assert (
        client.post(f"{R}/visits/999999999/case", json={"class_code": "SS0206"}, headers=worker).status_code
        == 404
    )
    listed = {v["id"]: v["case_id"] for v in client.get(f"{R}/visits", headers=worker).json()["items"]}
    assert listed[later["id"]] == made["case_id"] and listed[plain["id"]] is None
