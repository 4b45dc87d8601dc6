"""/api/v1/rankings: publish a month (city-level leaders and admins, with a bearer token), read the
latest or an earlier version and the list of versions (public); clear 403 / 409 / 422 / 404."""

from __future__ import annotations

from datetime import date, datetime

from tests.integration.test_evaluation import CST
from tests.integration.test_rankings import build_month

PERIOD = "2025-11"  # no other test makes cases or publishes rankings then


def test_publish_read_correct_and_list_versions(client, login, platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    build_month(platform, db, make_user, clock, monday=date(2025, 11, 10))
    clock.set(datetime(2025, 12, 1, 9, tzinfo=CST))
    leader = login(make_user("leader", "110000"))

    r = client.post(f"/api/v1/rankings/{PERIOD}/district", headers=leader)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["period"], body["kind"], body["version"], body["corrected"]) == (
        PERIOD,
        "district",
        1,
        False,
    )
    assert body["config"]["composite"] == "region"
    assert {i["key"] for i in body["config"]["indicators"]} >= {"closure_rate", "on_time_closure_rate"}
    [dc] = [row for row in body["rows"] if row["scope"]["code"] == "110101"]
    assert dc["scope"]["name"] == "东城区" and dc["peer_group"] == "首都功能核心区" and dc["rank"] == 1
    assert dc["indicators"]["closure_rate"] == {
        **dc["indicators"]["closure_rate"],
        "numerator": 1,
        "denominator": 2,
    }
    assert dc["indicators"]["closure_rate"]["value"] == 50.0
    assert isinstance(dc["composite"], float) and dc["grade"] in "ABCDE"

    # public read, no sign-in
    r = client.get(f"/api/v1/rankings/{PERIOD}/district")
    assert r.status_code == 200 and r.json()["version"] == 1 and r.json()["versions"] == 1

    r = client.post(f"/api/v1/rankings/{PERIOD}/district", headers=leader, json={})
    assert r.status_code == 409 and "reason" in r.json()["detail"]
    r = client.post(f"/api/v1/rankings/{PERIOD}/district", headers=leader, json={"reason": "数据更正"})
    assert r.status_code == 201 and r.json()["version"] == 2

    latest = client.get(f"/api/v1/rankings/{PERIOD}/district").json()
    assert (latest["version"], latest["corrected"], latest["reason"], latest["versions"]) == (
        2,
        True,
        "数据更正",
        2,
    )
    first = client.get(f"/api/v1/rankings/{PERIOD}/district?version=1").json()
    assert (first["version"], first["reason"]) == (1, None)
    listed = client.get(f"/api/v1/rankings/{PERIOD}/district/versions").json()
    assert [(v["version"], v["reason"]) for v in listed["versions"]] == [(1, None), (2, "数据更正")]


def test_refusals(client, login, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2025, 12, 1, 9, tzinfo=CST))
    r = client.post("/api/v1/rankings/2025-04/district")
    assert r.status_code == 401
    r = client.post("/api/v1/rankings/2025-04/district", headers=login(make_user("leader")))  # 东城区's
    assert r.status_code == 403 and "city-level" in r.json()["detail"]
    r = client.post("/api/v1/rankings/2025-04/district", headers=login(make_user("supervisor")))
    assert r.status_code == 403

    admin = login(make_user("admin", "110000"))
    r = client.post("/api/v1/rankings/2025-12/district", headers=admin)
    assert r.status_code == 422 and "has not ended" in r.json()["detail"]
    r = client.post("/api/v1/rankings/2025-4/district", headers=admin)
    assert r.status_code == 422 and "not a month" in r.json()["detail"]
    r = client.post("/api/v1/rankings/2025-04/grid", headers=admin)
    assert r.status_code == 422 and "kind of ranking" in r.json()["detail"]
    r = client.post("/api/v1/rankings/2025-04/district", headers=admin, json={"reason": "x" * 3000})
    assert r.status_code == 422

    r = client.get("/api/v1/rankings/2025-03/district")
    assert r.status_code == 404 and "not published" in r.json()["detail"]
    r = client.get("/api/v1/rankings/2025-03/district?version=0")
    assert r.status_code == 422
    r = client.get("/api/v1/rankings/2025-03/street/versions")
    assert r.status_code == 200 and r.json()["versions"] == []
