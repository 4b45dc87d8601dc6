"""The case list (`GET /api/v1/cases`) and the map layer (`GET /api/v1/cases.geojson`) read rows of
the columns they show, not ORM objects ([10]); their answers must stay byte for byte what the
per-case views make of the ORM objects (`case_summary`, `case_feature` on `Case`s), for every kind
of caller — what each may see differs (department scoping, a street's supervisor, a citizen's own
reports) — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.api.test_case_loop import DONGHUAMEN, Walker

from gridcity.api.views import FastJSON, case_summary
from gridcity.db.models import Case, OrgUnit
from gridcity.db.queries import CaseFilter
from gridcity.domain.principal import Principal
from gridcity.domain.territory import parse_bbox
from gridcity.services.access import visibility_clause
from gridcity.services.case_clock import ClockReader
from gridcity.services.case_map import case_feature

# another street of 东城区 than 东华门 (110101001): 景山街道
JINGSHAN = (116.3960, 39.9300)
WINDOW = "116.30,39.85,116.50,39.99"


@pytest.fixture
def city(platform, db, client, make_user, login, clock) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Cases in several states: reported with and without a contact, in two streets; dispatched to
    two departments, one of them long overdue; being disposed; suspended; closed. And the callers."""
    roles = ("supervisor", "operator", "shift_leader", "dispatcher", "handler", "citizen", "admin")
    users: dict[str, Principal] = {role: make_user(role) for role in roles}
    other = db.scalar(
        select(OrgUnit).where(
            OrgUnit.kind == "department",
            OrgUnit.code.startswith("110101"),
            OrgUnit.id != users["handler"].org_unit.id,
        )
    )
    users["other_handler"] = make_user("handler", other.code)
    users["street_supervisor"] = make_user("supervisor", "110101001")  # 东华门街道 only
    staff: dict[str, Any] = {role: login(u) for role, u in users.items()}
    staff["_ids"] = {role: u.id for role, u in users.items()}

    def walker(crew: dict[str, Any] | None = None) -> Walker:
        return Walker(client, crew or staff, clock)

    def dispatched(department_id: int, street: tuple[float, float] = DONGHUAMEN, **crew: Any) -> Walker:
        w = walker({**staff, **crew})
        w.report("supervisor", lon=street[0], lat=street[1])
        if w.case["state"] == "reported":
            w.do("operator", "accept", "accepted")
        if w.case["state"] == "accepted":
            w.do("shift_leader", "file", "filed")
        w.do("dispatcher", "dispatch", "dispatched", department_id=department_id)
        return w

    mine, theirs = users["handler"].org_unit.id, other.id
    dispatched(mine)  # long overdue once the clock moves on
    clock.advance(days=12)
    staff.update({role: login(u) for role, u in users.items()})  # the tokens expired meanwhile
    disposing = dispatched(mine, JINGSHAN)
    disposing.do("handler", "accept", "disposing")
    dispatched(theirs)
    suspended = dispatched(theirs, handler=staff["other_handler"])  # the other department's handler
    suspended.do("handler", "accept", "disposing")
    suspended.do("handler", "request_suspension", "suspension_requested")
    suspended.do("dispatcher", "approve_suspension", "suspended")
    closed = dispatched(mine)
    closed.do("handler", "accept", "disposing")
    closed.do("handler", "report_done", "disposed")
    closed.do("supervisor", "check_pass", "checked")
    closed.do("shift_leader", "close", "closed")
    walker().report("operator", channel="hotline", contact_name="张三丰", contact_phone="13800138000")
    walker().report("operator", channel="hotline", lon=JINGSHAN[0], lat=JINGSHAN[1], address=None)
    walker().report("citizen")
    clock.advance(hours=3)
    return {"users": users, "staff": staff}


CALLERS = ("admin", "dispatcher", "handler", "other_handler", "street_supervisor", "supervisor", "citizen")


def expected_list(platform, db, user: Principal, flt: CaseFilter, page: int, size: int) -> bytes:  # type: ignore[no-untyped-def]
    """What the list was before [10]: ORM objects through `case_summary`, one at a time."""
    now = platform.now()
    total = db.scalar(flt.count(now)) or 0
    cases = db.scalars(flt.select(now).offset((page - 1) * size).limit(size)).all()
    items = [case_summary(platform, db, c) for c in cases]
    return FastJSON({"total": total, "page": page, "page_size": size, "items": items}).body


def expected_map(platform, db, user: Principal, states: list[str], limit: int) -> bytes:  # type: ignore[no-untyped-def]
    flt = CaseFilter(
        states=states, bbox=parse_bbox(WINDOW), sort="-reported_at", extra=[visibility_clause(user)]
    )
    cases = db.scalars(flt.select(platform.now()).limit(limit + 1)).all()
    features = [case_feature(platform, ClockReader(platform, db), c) for c in cases[:limit]]
    truncated = len(cases) > limit
    return FastJSON(
        {"type": "FeatureCollection", "features": features, "truncated": truncated, "clustered": False}
    ).body


def test_the_list_and_the_map_answer_as_the_per_case_views(platform, db, client, city) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, set[int]] = {}
    for role in CALLERS:
        user, headers = city["users"][role], city["staff"][role]
        base = CaseFilter(sort="-reported_at", extra=[visibility_clause(user)])
        for params, flt in (
            ({}, base),
            ({"page_size": 2, "page": 2}, base),
            ({"sort": "deadline", "page_size": 3}, CaseFilter(sort="deadline", extra=base.extra)),
            ({"overdue": "true"}, CaseFilter(overdue=True, extra=base.extra)),
            ({"state": "dispatched,closed"}, CaseFilter(states=["dispatched", "closed"], extra=base.extra)),
        ):
            r = client.get("/api/v1/cases", params=params, headers=headers)
            assert r.status_code == 200, r.text
            page, size = int(params.get("page", 1)), int(params.get("page_size", 50))
            assert r.content == expected_list(platform, db, user, flt, page, size), (role, params)
        seen[role] = {item["id"] for item in client.get("/api/v1/cases", headers=headers).json()["items"]}

        for states, limit in (([], 5000), ([], 2), (["suspended", "reported"], 5000)):
            params = {"bbox": WINDOW, "limit": limit, **({"state": ",".join(states)} if states else {})}
            r = client.get("/api/v1/cases.geojson", params=params, headers=headers)
            assert r.status_code == 200, r.text
            assert r.content == expected_map(platform, db, user, states, limit), (role, params)

    # the callers do see different cases, and every kind of case is among them
    everything = seen["admin"]
    assert seen["handler"] and seen["other_handler"] and not seen["handler"] & seen["other_handler"]
    assert seen["street_supervisor"] < seen["supervisor"] <= everything
    assert seen["citizen"] and seen["citizen"] < everything
    states = {c.state for c in db.scalars(select(Case).where(Case.id.in_(everything)))}
    assert {"reported", "dispatched", "disposing", "suspended", "closed"} <= states
    lights = {f["properties"]["light"] for f in client.get(
        "/api/v1/cases.geojson", params={"bbox": WINDOW}, headers=city["staff"]["admin"]
    ).json()["features"]}  # fmt: skip
    assert {"red", "green", None} <= lights


def _cells(window: str) -> list[tuple[float, float, float, float]]:
    """The window's 16 × 16 cells, as the clusters name them."""
    w, s, e, n = parse_bbox(window)
    dx, dy = (e - w) / 16, (n - s) / 16
    cells = [(r, c) for r in range(16) for c in range(16)]
    return [(w + c * dx, s + r * dy, w + (c + 1) * dx, s + (r + 1) * dy) for r, c in cells]


@pytest.mark.parametrize("role", ["admin", "handler", "other_handler", "supervisor"])
def test_a_window_fuller_than_the_limit_comes_as_clusters_that_count_every_case(client, city, role) -> None:  # type: ignore[no-untyped-def]
    headers = city["staff"][role]
    one_by_one = client.get("/api/v1/cases.geojson", params={"bbox": WINDOW}, headers=headers).json()
    cases = one_by_one["features"]
    assert not one_by_one["clustered"] and not one_by_one["truncated"] and len(cases) >= 2

    full = {"bbox": WINDOW, "limit": 1, "cluster": "true"}
    r = client.get("/api/v1/cases.geojson", params=full, headers=headers)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["clustered"] and not answer["truncated"]
    clusters = [f["properties"] for f in answer["features"]]
    assert all(c["cluster"] for c in clusters)
    # every case the caller may see is counted once, in the cell it lies in, with its own light
    assert sum(c["count"] for c in clusters) == len(cases)
    for light in ("red", "yellow", "green"):
        shown = sum(f["properties"]["light"] == light for f in cases)
        assert sum(c["lights"][light] for c in clusters) == shown
    cells = _cells(WINDOW)
    for feature in answer["features"]:
        props, (lon, lat) = feature["properties"], feature["geometry"]["coordinates"]
        west, south, east, north = props["bbox"]
        assert any(props["bbox"] == pytest.approx(list(c)) for c in cells)  # one of the window's cells
        assert west <= lon <= east and south <= lat <= north  # the mean of points inside the cell
        points = [f["geometry"]["coordinates"] for f in cases]
        inside = [p for p in points if west <= p[0] <= east and south <= p[1] <= north]
        assert props["count"] == len(inside)
        urgent = [light for light in ("red", "yellow", "green") if props["lights"][light]]
        assert props["light"] == (urgent[0] if urgent else None)


def test_clusters_only_when_the_window_holds_more_than_the_limit(client, city) -> None:  # type: ignore[no-untyped-def]
    headers = city["staff"]["admin"]
    plain = client.get("/api/v1/cases.geojson", params={"bbox": WINDOW}, headers=headers)
    asked = client.get("/api/v1/cases.geojson", params={"bbox": WINDOW, "cluster": "true"}, headers=headers)
    assert asked.content == plain.content  # room for every case: the cases themselves
    # without `cluster`, a full window is cut to the latest `limit`, as before
    cut = client.get("/api/v1/cases.geojson", params={"bbox": WINDOW, "limit": 1}, headers=headers).json()
    assert cut["truncated"] and not cut["clustered"] and len(cut["features"]) == 1
    # the state filter holds for clusters too
    states = {"bbox": WINDOW, "state": "closed,suspended", "limit": 1, "cluster": "true"}
    clustered = client.get("/api/v1/cases.geojson", params=states, headers=headers).json()
    counted = sum(f["properties"]["count"] for f in clustered["features"])
    listed = client.get("/api/v1/cases", params={"state": "closed,suspended"}, headers=headers).json()
    assert clustered["clustered"] and counted == listed["total"] >= 2
