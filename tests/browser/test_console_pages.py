"""A shift leader signs in, finds a case in the queue, files it from the case page; a citizen
follows it on the public page — in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


def test_file_a_case_from_the_queue_and_follow_it_publicly(
    page: Page, live_server, client, make_user, login
) -> None:  # type: ignore[no-untyped-def]
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "浏览器测试：暴露垃圾"}
    case = client.post("/api/v1/cases", json=body, headers=login(make_user("supervisor"))).json()
    leader = make_user("shift_leader")

    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(leader.username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name="待立案")).to_be_visible()

    page.get_by_placeholder("案件编号").fill(case["number"])
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=case["number"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("已受理")
    # the small map shows the point and the case's own unit grid, outlined in red
    expect(page.locator("#case-map[data-ready='1']")).to_be_attached()
    expect(page.locator("#case-map path[stroke='#d1242f']").first).to_be_visible()

    page.get_by_text("立案", exact=True).first.click()  # open the 立案 form
    form = page.locator("details[open] form")
    form.get_by_label("说明").fill("符合立案条件")
    form.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("已立案")
    expect(page.locator("ol.timeline")).to_contain_text("符合立案条件")

    page.goto(f"{live_server}/track?number={case['number']}")
    expect(page.locator("ol.timeline")).to_contain_text("立案 → 已立案")
    expect(page.locator("body")).not_to_contain_text(leader.username)  # no staff names in public


def test_console_map_shows_grids_and_cases(page: Page, live_server, client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "地图上的案件"}
    client.post("/api/v1/cases", json=body, headers=login(make_user("supervisor")))
    dispatcher = make_user("dispatcher")
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(dispatcher.username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="地图").click()
    # the whole district first: street outlines and case markers (or their clusters)
    expect(page.locator("#map path.leaflet-interactive").first).to_be_visible()
    expect(page.locator("#map .case-cluster, #map path[fill='#2e9e44']").first).to_be_visible()
    loaded_ms = int(page.locator("#map").get_attribute("data-loaded-ms") or 0)
    print(f"console map: district, streets and cases drawn {loaded_ms} ms after the page started")
    # close in on 东华门: the unit grids appear, and the case itself as a green marker
    page.evaluate("window.gridcityMap.setView([39.914, 116.404], 17)")
    expect(page.locator("#map path[stroke='#0b62a4']").first).to_be_visible()
    expect(page.locator("#map path[fill='#2e9e44']").first).to_be_visible()
