"""The pages as a person uses them (server-rendered HTML over the same services as the API)."""

from __future__ import annotations

import csv
import io
import re

from tests.support import jpeg, post_login

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


def sign_in(client, user, password: str = "secret-pw"):  # type: ignore[no-untyped-def]
    r = post_login(client, user.username, password)
    assert r.status_code == 303, r.text
    return r


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def report(client, login, make_user, role: str = "supervisor") -> dict:  # type: ignore[no-untyped-def, type-arg]
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "路口暴露垃圾"}
    r = client.post("/api/v1/cases", json=body, headers=login(make_user(role)))
    assert r.status_code == 201
    return r.json()


def test_sign_in_lands_each_role_on_its_queue_and_sign_out_ends_it(client, make_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/work", follow_redirects=False).headers["location"].startswith("/login")
    bad = post_login(client, "nobody", "x")
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    sign_in(client, make_user("dispatcher"))
    landing = client.get("/", follow_redirects=False)
    assert landing.headers["location"] == "/work?queue=dispatch"
    page = client.get("/work?queue=dispatch")
    assert page.status_code == 200 and "待派遣" in page.text
    # signing out needs the page's CSRF token; without it nothing happens
    assert client.post("/logout", data={}).status_code == 403
    out = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/work", follow_redirects=False).status_code == 303  # signed out: back to sign-in


def test_queue_shows_the_case_and_the_case_page_acts(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    case = report(client, login, make_user)  # a supervisor's report: accepted, waiting to be filed
    sign_in(client, make_user("shift_leader"))
    queue = client.get("/work", params={"queue": "file", "q": case["number"]})
    assert case["number"] in queue.text and "暴露垃圾" in queue.text
    page = client.get(f"/cases/{case['id']}")
    assert page.status_code == 200
    assert "立案" in page.text and case["grids"]["city_management"] in page.text
    token = csrf_of(page.text)
    form = {"csrf_token": token, "action": "file", "version": str(case["version"]), "note": "符合立案条件"}
    done = client.post(f"/cases/{case['id']}/act", data=form, follow_redirects=True)
    assert done.status_code == 200 and "已立案" in done.text and "符合立案条件" in done.text
    # the same form again is stale: the person is told so, on the page, and nothing changes
    again = client.post(f"/cases/{case['id']}/act", data=form)
    assert again.status_code == 409 and "在您打开后已被他人处理" in again.text  # in Chinese ([8])
    assert "changed since you loaded it" not in again.text
    client.cookies.set("gridcity_lang", "en")  # the same refusal to a person reading English
    in_english = client.post(f"/cases/{case['id']}/act", data=form)
    assert in_english.status_code == 409 and "changed since you loaded it" in in_english.text
    client.cookies.delete("gridcity_lang")
    # a form without the CSRF token is refused
    forged = client.post(f"/cases/{case['id']}/act", data={**form, "csrf_token": "0" * 64})
    assert forged.status_code == 403


def test_queue_exports_csv(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    case = report(client, login, make_user)
    sign_in(client, make_user("operator"))
    r = client.get("/work.csv", params={"queue": "all", "q": case["number"]})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "number" and rows[1][0] == case["number"] and rows[1][2] == "暴露垃圾"
    assert client.get("/work.csv", params={"queue": "nonsense"}).status_code == 422


def test_public_tracking_shows_progress_without_personal_data(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    case = report(client, login, make_user, role="citizen")
    page = client.get("/track", params={"number": case["number"]})
    assert page.status_code == 200
    assert case["number"] in page.text and "已上报" in page.text and "东华门街道" in page.text
    assert "路口暴露垃圾" not in page.text  # the reporter's own words are not published
    assert client.get("/track", params={"number": "2026111699999999"}).status_code == 404
    assert client.get("/track", params={"number": "not-a-number"}).status_code == 404


def test_language_switch(client) -> None:  # type: ignore[no-untyped-def]
    assert "登录" in client.get("/login").text
    client.get("/lang/en")
    assert "Sign in" in client.get("/login").text
    client.get("/lang/zh")


def test_vendored_libraries_are_served_locally(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/htmx/htmx.min.js", "/static/app.css"):
        assert client.get(path).status_code == 200, path


def test_the_bell_shows_what_needs_the_user(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    case = report(client, login, make_user, role="citizen")  # a citizen's report waits for an operator
    sign_in(client, make_user("operator"))
    panel = client.get("/notifications/panel")
    assert panel.status_code == 200
    assert case["number"] in panel.text and f'href="/cases/{case["id"]}"' in panel.text
    # the operators of the area share its tasks: other tests' too, so at least one ("99+" past 99)
    unseen = re.search(r'class="count some">(\d+)(\+?)<', panel.text)
    assert unseen is not None and int(unseen.group(1)) >= 1
    # a task is no note to mark read: it stays until someone does it (tests/api/test_bell.py)
    assert "/notifications/seen" not in panel.text


JPEG = jpeg()  # a whole JPEG: uploads are judged by decoding them (services.upload_files)


def test_department_reports_done_with_a_photo_on_the_case_page(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    case = report(client, login, make_user)
    handler = make_user("handler")
    unit = client.get("/api/v1/me", headers=login(handler)).json()["org_unit"]["id"]
    url = f"/api/v1/cases/{case['id']}/actions"
    for role, body in (
        ("shift_leader", {"action": "file"}),
        ("dispatcher", {"action": "dispatch", "department_id": unit}),
    ):
        case = client.post(
            url, json={**body, "version": case["version"]}, headers=login(make_user(role))
        ).json()
    case = client.post(
        url, json={"action": "accept", "version": case["version"]}, headers=login(handler)
    ).json()

    sign_in(client, handler)
    page = client.get(f"/cases/{case['id']}")
    assert 'name="photos"' in page.text and 'enctype="multipart/form-data"' in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "action": "report_done",
        "version": str(case["version"]),
        "note": "已清运",
    }
    bad = client.post(
        f"/cases/{case['id']}/act", data=form, files={"photos": ("x.jpg", b"not a photo", "image/jpeg")}
    )
    assert bad.status_code == 422 and "不是 JPEG、PNG 或 WebP 图片" in bad.text
    assert "处置中" in bad.text  # nothing changed
    done = client.post(
        f"/cases/{case['id']}/act",
        data=form,
        files={"photos": ("after.jpg", JPEG, "image/jpeg")},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "已反馈" in done.text
    photo = re.search(r'src="(/api/v1/attachments/\d+)"', done.text)
    assert photo, "the history shows the photo"
    assert client.get(photo.group(1)).content == JPEG  # the session cookie may read it


TIANTAN = (116.4107, 39.8822)  # 天坛街道 110101016


def test_queue_filters_by_street_class_and_overdue_and_the_csv_follows(
    client, make_user, login, clock
) -> None:  # type: ignore[no-untyped-def]
    north = report(client, login, make_user)
    body = {**GARBAGE, "lon": TIANTAN[0], "lat": TIANTAN[1], "description": "天坛东门外暴露垃圾"}
    south = client.post("/api/v1/cases", json=body, headers=login(make_user("supervisor"))).json()
    assert (north["street_code"], south["street_code"]) == ("110101001", "110101016")
    sign_in(client, make_user("shift_leader"))

    page = client.get("/work", params={"queue": "file", "street": "110101016"})
    assert south["number"] in page.text and north["number"] not in page.text
    assert '<option value="110101016" selected>天坛街道</option>' in page.text  # the choice is kept
    # the queue links keep the filter, and so does the CSV download
    assert "/work?queue=all&amp;sort=deadline&amp;street=110101016" in page.text
    exported = client.get("/work.csv", params={"queue": "file", "street": "110101016"}).content.decode(
        "utf-8-sig"
    )
    assert south["number"] in exported and north["number"] not in exported

    by_class = client.get("/work", params={"queue": "file", "class_code": "06010", "q": south["number"]})
    assert south["number"] in by_class.text
    assert south["number"] not in client.get("/work", params={"queue": "file", "class_code": "01010101"}).text

    # 立案 and 派遣 have 30 minutes together: at once the case is in time, two hours later overdue
    assert south["number"] not in client.get("/work", params={"queue": "file", "overdue": "1"}).text
    clock.advance(hours=2)
    assert south["number"] in client.get("/work", params={"queue": "file", "overdue": "1"}).text

    assert client.get("/work", params={"network": "space"}).status_code == 422
    assert client.get("/work", params={"page": "0"}).status_code == 422
    beyond = client.get("/work", params={"queue": "file", "page": "100000"})
    assert beyond.status_code == 200 and "没有案件" in beyond.text
