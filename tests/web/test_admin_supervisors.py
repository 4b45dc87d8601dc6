"""The admin page of supervisors' grids (责任网格): the map and the list, assigning by the form, a
grid outside the supervisor's territory refused on the page, the console's case page preselecting
the grid's supervisor."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.web.test_pages import csrf_of, sign_in

from gridcity.db.models import Grid
from gridcity.services import cases, supervisor_grids


def street_grids(db, street: str, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    stmt = (
        select(Grid.code)
        .where(Grid.layer == "city_management", Grid.street_code == street, Grid.valid_to.is_(None))
        .order_by(Grid.code)
        .limit(n)
    )
    return list(db.scalars(stmt))


@pytest.mark.own_city
def test_assign_and_unassign_on_the_admin_page(client, db, make_user) -> None:  # type: ignore[no-untyped-def]
    sun = make_user("supervisor", "110101001")
    a, b = street_grids(db, "110101001", 2)
    elsewhere = street_grids(db, "110101002", 1)[0]
    sign_in(client, make_user("dispatcher"))
    assert client.get("/admin/supervisors").status_code == 403
    sign_in(client, make_user("admin", "110101"))
    page = client.get("/admin/supervisors")
    assert page.status_code == 200
    assert 'id="supervisor-map"' in page.text and "/static/js/admin_supervisors.js" in page.text
    assert 'src="/static/vendor/leaflet/leaflet.js"' in page.text  # vendored, nothing from a CDN
    assert sun.username in page.text and "本区域还没有分配责任网格" in page.text
    token = csrf_of(page.text)

    done = client.post(
        "/admin/supervisors",
        data={"csrf_token": token, "username": sun.username, "grid_codes": f"{a}\n{b}", "do": "assign"},
    )
    assert done.status_code == 200 and "新增 2 个" in done.text
    assert f'data-grid="{a}"' in done.text and f'data-grid="{b}"' in done.text

    refused = client.post(
        "/admin/supervisors",
        data={"csrf_token": token, "username": sun.username, "grid_codes": elsewhere, "do": "assign"},
    )
    assert refused.status_code == 422 and "辖区" in refused.text and elsewhere in refused.text
    assert supervisor_grids.grids_of(db, sun.id) == [a, b]
    # the map's grids of a window around 东华门 come with their holders
    window = client.get("/admin/supervisors/grids.geojson", params={"bbox": "116.38,39.90,116.42,39.93"})
    assert window.status_code == 200
    holders = {f["properties"]["code"]: f["properties"]["holder"] for f in window.json()["features"]}
    assert holders[a] == {"id": sun.id, "name": sun.display_name} and holders[elsewhere] is None
    assert client.get("/admin/supervisors/grids.geojson", params={"bbox": "1,2,0,1"}).status_code == 422

    ended = client.post("/admin/supervisors", data={"csrf_token": token, "grid_codes": b, "do": "unassign"})
    assert ended.status_code == 200 and "已取消 1 个网格的分配" in ended.text
    assert supervisor_grids.grids_of(db, sun.id) == [a]
    # without the page's token: refused
    assert client.post("/admin/supervisors", data={"grid_codes": a, "do": "unassign"}).status_code == 403


@pytest.mark.own_city
def test_the_case_page_preselects_the_supervisor_of_the_case_grid(platform, client, db, make_user) -> None:  # type: ignore[no-untyped-def]
    holder = make_user("supervisor", "110101001")
    make_user("supervisor", "110101001")  # another one the operator could pick
    report = cases.Report(class_code="06010", kind="event", lon=116.4040, lat=39.9140, description="x")
    case, _ = cases.report_case(platform, db, make_user("citizen"), report)
    supervisor_grids.assign(platform, db, None, holder.username, [case.grid_code])
    sign_in(client, make_user("operator"))
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    assert f'<option value="{holder.id}" selected>{holder.display_name}（责任网格）</option>' in page.text
