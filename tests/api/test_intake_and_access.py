"""Reporting, idempotency, attachments, scope, and authentication, as a caller sees them."""

from __future__ import annotations

import io

import pytest
from tests.support import jpeg, post_login

DONGHUAMEN = (116.4040, 39.9140)
XICHENG = (116.3660, 39.9120)  # 西城区, outside the 东城区 staff's territory
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}
JPEG = jpeg()  # a whole JPEG: uploads are judged by decoding them (services.upload_files)


def report_body(**extra):  # type: ignore[no-untyped-def]
    return {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "暴露垃圾", **extra}


def test_same_client_key_twice_makes_one_case(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    first = client.post("/api/v1/cases", json=report_body(client_key="phone-42-0001"), headers=headers)
    again = client.post("/api/v1/cases", json=report_body(client_key="phone-42-0001"), headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    listed = client.get("/api/v1/cases", params={"q": first.json()["number"]}, headers=headers).json()
    assert listed["total"] == 1
    # another reporter cannot hijack the key
    other = login(make_user("supervisor"))
    clash = client.post("/api/v1/cases", json=report_body(client_key="phone-42-0001"), headers=other)
    assert clash.status_code == 409


def test_bad_reports_get_clear_errors(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    outside = client.post("/api/v1/cases", json=report_body(lon=121.47, lat=31.23), headers=headers)
    assert outside.status_code == 404 and "outside the city" in outside.json()["detail"]
    unknown = client.post("/api/v1/cases", json=report_body(class_code="99999"), headers=headers)
    assert unknown.status_code == 404 and "99999" in unknown.json()["detail"]
    bad_lat = client.post("/api/v1/cases", json=report_body(lat=123), headers=headers)
    assert bad_lat.status_code == 422 and "lat" in bad_lat.json()["detail"]
    channel = client.post("/api/v1/cases", json=report_body(channel="hotline"), headers=headers)
    assert channel.status_code == 403 and "hotline" in channel.json()["detail"]
    foreign = client.post("/api/v1/cases", json=report_body(lon=XICHENG[0], lat=XICHENG[1]), headers=headers)
    assert foreign.status_code == 403 and "outside the territory" in foreign.json()["detail"]


def test_photo_upload_is_checked_and_attached(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    up = client.post(
        "/api/v1/attachments", files={"file": ("p.jpg", io.BytesIO(JPEG), "image/jpeg")}, headers=headers
    )
    assert up.status_code == 201 and up.json()["content_type"] == "image/jpeg"
    fake = client.post(
        "/api/v1/attachments",
        files={"file": ("x.jpg", io.BytesIO(b"#!/bin/sh\n"), "image/jpeg")},
        headers=headers,
    )
    assert fake.status_code == 422 and fake.json()["code"] == "upload.not_image"
    empty = client.post(
        "/api/v1/attachments", files={"file": ("e.jpg", io.BytesIO(b""), "image/jpeg")}, headers=headers
    )
    assert empty.status_code == 422
    case = client.post(
        "/api/v1/cases", json=report_body(attachment_ids=[up.json()["id"]]), headers=headers
    ).json()
    photo = case["history"][0]["attachments"][0]
    assert photo["id"] == up.json()["id"]
    assert client.get(photo["url"], headers=headers).content == JPEG
    reuse = client.post("/api/v1/cases", json=report_body(attachment_ids=[up.json()["id"]]), headers=headers)
    assert reuse.status_code == 422 and "already belongs" in reuse.json()["detail"]
    # ids beyond what the id column holds name no photo: a 422, not a database error
    huge = client.post("/api/v1/cases", json=report_body(attachment_ids=[2**40]), headers=headers)
    assert huge.status_code == 422 and "attachment_ids" in huge.text
    assert client.get(f"/api/v1/attachments/{2**40}", headers=headers).status_code == 422


def test_oversized_upload_is_refused(client, make_user, login, platform) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    big = JPEG + b"\x00" * platform.settings.max_upload_bytes
    r = client.post(
        "/api/v1/attachments", files={"file": ("big.jpg", io.BytesIO(big), "image/jpeg")}, headers=headers
    )
    assert r.status_code == 422 and "limit" in r.json()["detail"]


def test_each_user_sees_only_cases_in_scope(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    reporter = login(make_user("supervisor"))
    case = client.post("/api/v1/cases", json=report_body(), headers=reporter).json()
    url = f"/api/v1/cases/{case['id']}"
    assert client.get(url, headers=login(make_user("leader", "110000"))).status_code == 200  # city sees all
    assert client.get(url, headers=login(make_user("operator", "110101001"))).status_code == 200  # its street
    assert client.get(url, headers=login(make_user("operator", "110102"))).status_code == 404  # 西城区
    assert client.get(url, headers=login(make_user("handler"))).status_code == 404  # not dispatched to it
    citizen = login(make_user("citizen"))
    assert client.get(url, headers=citizen).status_code == 404
    own = client.post("/api/v1/cases", json=report_body(), headers=citizen).json()
    mine = client.get("/api/v1/cases", headers=citizen).json()
    assert [c["id"] for c in mine["items"]] == [own["id"]]


def test_case_list_filters(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    made = client.post("/api/v1/cases", json=report_body(), headers=headers).json()
    lister = login(make_user("operator"))
    by_grid = client.get(
        "/api/v1/cases", params={"grid": made["grids"]["city_management"]}, headers=lister
    ).json()
    assert made["id"] in [c["id"] for c in by_grid["items"]]
    by_state = client.get(
        "/api/v1/cases", params={"state": "closed", "q": made["number"]}, headers=lister
    ).json()
    assert by_state["total"] == 0
    bad = client.get("/api/v1/cases", params={"sort": "colour"}, headers=lister)
    assert bad.status_code == 422 and "unknown sort" in bad.json()["detail"]
    naive = client.get("/api/v1/cases", params={"reported_from": "2026-11-01T00:00:00"}, headers=lister)
    assert naive.status_code == 422


@pytest.mark.parametrize(
    ("form", "status"),
    [({"username": "nobody", "password": "x"}, 401), ({"username": "supervisor"}, 422)],
)
def test_sign_in_errors(client, form, status) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/auth/token", data=form).status_code == status


def test_me_and_missing_token(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    user = make_user("dispatcher")
    me = client.get("/api/v1/me", headers=login(user)).json()
    assert (
        me["role"] == "dispatcher"
        and me["org_unit"]["code"] == "110101"
        and me["org_unit"]["kind"] == "district"
    )
    anonymous = client.get("/api/v1/me")
    assert anonymous.status_code == 401 and "sign in" in anonymous.json()["detail"]
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401


def test_absurd_ids_and_pages_are_a_clear_422(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("operator"))
    huge = 2**90
    for url in (f"/api/v1/cases/{huge}", f"/api/v1/attachments/{huge}"):
        r = client.get(url, headers=headers)
        assert r.status_code == 422, url
    assert client.get("/api/v1/notifications", params={"since_id": huge}, headers=headers).status_code == 422
    assert client.get("/api/v1/cases", params={"page": huge}, headers=headers).status_code == 422
    act = client.post("/api/v1/cases/1/actions", json={"action": "file", "version": huge}, headers=headers)
    assert act.status_code == 422


def test_traffic_light_and_overdue_filter_follow_the_clock(client, clock, make_user, login) -> None:  # type: ignore[no-untyped-def]
    reporter = login(make_user("supervisor"))
    case = client.post("/api/v1/cases", json=report_body(), headers=reporter).json()
    # a supervisor's report is accepted at once: the shift leader has 15 calendar minutes to file it
    assert case["clock"]["stage"] == "file" and case["clock"]["limit_seconds"] == 15 * 60
    leader = login(make_user("shift_leader"))

    def seen(**params: object) -> dict:  # type: ignore[type-arg]
        listed = client.get("/api/v1/cases", params={"q": case["number"], **params}, headers=leader).json()
        return {c["id"]: c for c in listed["items"]}

    assert seen()[case["id"]]["traffic_light"] == "green"
    clock.advance(minutes=13)  # 87 % of the limit
    assert seen()[case["id"]]["traffic_light"] == "yellow"
    assert case["id"] not in seen(overdue=True)
    clock.advance(minutes=3)
    assert seen()[case["id"]]["traffic_light"] == "red"
    assert case["id"] in seen(overdue=True) and case["id"] not in seen(overdue=False)


def test_cases_of_a_map_window_as_geojson(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    made = client.post("/api/v1/cases", json=report_body(), headers=login(make_user("supervisor"))).json()
    window = {"bbox": "116.40,39.91,116.41,39.92"}
    mine = client.get("/api/v1/cases.geojson", params=window, headers=login(make_user("operator"))).json()
    found = [f for f in mine["features"] if f["properties"]["id"] == made["id"]]
    assert found and found[0]["geometry"]["coordinates"] == [DONGHUAMEN[0], DONGHUAMEN[1]]
    assert found[0]["properties"]["light"] == "green"
    elsewhere = client.get(
        "/api/v1/cases.geojson", params=window, headers=login(make_user("operator", "110102"))
    )
    assert made["id"] not in [
        f["properties"]["id"] for f in elsewhere.json()["features"]
    ]  # not in 西城区's scope
    assert (
        client.get(
            "/api/v1/cases.geojson", params={"bbox": "1,2"}, headers=login(make_user("operator"))
        ).status_code
        == 422
    )


def test_the_session_cookie_reads_but_never_writes(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("supervisor")
    post_login(client, user.username, "secret-pw")
    assert client.get("/api/v1/me").json()["username"] == user.username
    write = client.post("/api/v1/cases", json=report_body())
    assert write.status_code == 401  # a write needs the Authorization header: no cross-site requests
