"""The admin pages of the systems docked with the platform (系统对接), as the city platform's admin
uses them: webhook subscriptions (事件推送订阅) and department systems (部门系统对接) — a new secret
or key shown once, bad input answered with the service's message and nothing stored, a revoked key
refused by the API at once, and nobody but the city's admin let in."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from tests.web.test_pages import csrf_of, report, sign_in

from gridcity.services import webhooks

CGW = "110101-CGW"


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def _open(client: TestClient, url: str) -> tuple[str, str]:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return page.text, csrf_of(page.text)


def _row(html: str, attribute: str, name: str) -> str:
    """One table row of the page ('' when the name is not listed)."""
    found = re.search(rf'<tr {attribute}="{re.escape(name)}".*?</tr>', html, re.S)
    return found.group(0) if found else ""


def _deliveries(row: str) -> dict[str, int]:
    return {state: int(n) for state, n in re.findall(r'data-state="(\w+)">(\d+)<', row)}


def test_the_city_admin_subscribes_a_system_and_disables_it(client, login, make_user, platform, db) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110000"))
    html, token = _open(client, "/admin/webhooks")
    assert 'href="/admin/webhooks"' in html and 'aria-current="page"' in html and "事件推送订阅" in html
    for event in webhooks.EVENTS:
        assert f'name="events" value="{event}"' in html

    name = _unique("district-platform")
    url = "https://example.org/gridcity/events"
    added = client.post(
        "/admin/webhooks/subscriptions",
        data={
            "csrf_token": token,
            "name": name,
            "url": url,
            "events": ["dispatched", "any"],
            "department": "",
        },
    )
    assert added.status_code == 201, added.text
    secret = added.text.split('id="webhook-secret">', 1)[1].split("<", 1)[0]
    assert len(secret) >= webhooks.MIN_SECRET
    row = _row(added.text, "data-subscription", name)
    assert url in row and "dispatched, any" in row and "启用" in row

    listing = client.get("/admin/webhooks").text
    row = _row(listing, "data-subscription", name)
    assert row and secret not in listing  # shown once only
    assert _deliveries(row) == {"pending": 0, "delivered": 0, "failed": 0, "cancelled": 0}

    # a case reported now is to be pushed to it: the page counts the pending delivery
    report(client, login, make_user)
    while webhooks.fan_out(platform, db)[0]:
        pass
    pending = _deliveries(_row(client.get("/admin/webhooks").text, "data-subscription", name))["pending"]
    assert pending >= 1

    again = client.post(
        "/admin/webhooks/subscriptions", data={"csrf_token": token, "name": name, "url": url, "events": "any"}
    )
    assert again.status_code == 409 and "已存在" in again.text

    disabled = client.post(
        "/admin/webhooks/subscriptions/disable",
        data={"csrf_token": token, "name": name},
        follow_redirects=False,
    )
    assert disabled.status_code == 303 and disabled.headers["location"] == "/admin/webhooks"
    row = _row(client.get("/admin/webhooks").text, "data-subscription", name)
    assert "已停用" in row and "/disable" not in row
    assert _deliveries(row)["pending"] == 0 and _deliveries(row)["cancelled"] == pending

    missing = client.post(
        "/admin/webhooks/subscriptions/disable", data={"csrf_token": token, "name": "no-such"}
    )
    assert missing.status_code == 404 and "没有名为" in missing.text


def test_bad_subscriptions_are_refused_with_the_message_and_nothing_stored(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110000"))
    _, token = _open(client, "/admin/webhooks")
    cases = [
        ({"url": "ftp://example.org/x", "events": "any"}, 422, "不是 http:// 或 https:// 网址"),
        ({"url": "https://example.org/x", "events": "teleported"}, 422, "未知的事件"),
        ({"url": "https://example.org/x"}, 422, "请至少选择一种事件"),
        ({"url": "https://example.org/x", "events": "any", "department": "NO-SUCH"}, 404, "的部门或企业"),
        ({"url": "", "events": "any"}, 422, "请填写接收事件的网址"),
    ]
    for fields, status, message in cases:
        name = _unique("bad")
        r = client.post("/admin/webhooks/subscriptions", data={"csrf_token": token, "name": name, **fields})
        assert r.status_code == status and message in r.text, (fields, r.status_code)
        assert 'role="alert"' in r.text and 'id="webhook-secret"' not in r.text
        assert f'value="{name}"' in r.text  # the form keeps what was typed
        assert not _row(client.get("/admin/webhooks").text, "data-subscription", name)
    nameless = client.post(
        "/admin/webhooks/subscriptions",
        data={"csrf_token": token, "url": "https://example.org/x", "events": "any"},
    )
    assert nameless.status_code == 422 and "请填写订阅名称" in nameless.text


def test_a_department_system_key_is_shown_once_works_and_is_revoked(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110000"))
    html, token = _open(client, "/admin/integrations")
    assert 'href="/admin/integrations"' in html and "部门系统对接" in html and "X-Api-Key" in html
    assert f'<option value="{CGW}"' in html

    name = _unique("cgw-orders")
    issued = client.post(
        "/admin/integrations/systems", data={"csrf_token": token, "name": name, "department": CGW}
    )
    assert issued.status_code == 201, issued.text
    key = issued.text.split('id="integration-key">', 1)[1].split("<", 1)[0]
    headers = {"X-Api-Key": key}
    assert client.get("/api/v1/integrations/cases", headers=headers).status_code == 200

    listing = client.get("/admin/integrations").text
    row = _row(listing, "data-system", name)
    assert CGW in row and "启用" in row and key not in listing  # shown once only

    again = client.post(
        "/admin/integrations/systems", data={"csrf_token": token, "name": name, "department": CGW}
    )
    assert again.status_code == 409 and "已存在" in again.text

    revoked = client.post(
        "/admin/integrations/systems/revoke", data={"csrf_token": token, "name": name}, follow_redirects=False
    )
    assert revoked.status_code == 303 and revoked.headers["location"] == "/admin/integrations"
    refused = client.get("/api/v1/integrations/cases", headers=headers)
    assert refused.status_code == 403 and "revoked" in refused.json()["detail"]
    assert "已吊销" in _row(client.get("/admin/integrations").text, "data-system", name)


def test_bad_department_systems_are_refused_with_the_message(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110000"))
    _, token = _open(client, "/admin/integrations")
    name = _unique("ghost")
    unknown = client.post(
        "/admin/integrations/systems", data={"csrf_token": token, "name": name, "department": "NO-SUCH"}
    )
    assert unknown.status_code == 404 and "的部门或企业" in unknown.text
    assert 'id="integration-key"' not in unknown.text
    assert not _row(client.get("/admin/integrations").text, "data-system", name)
    empty = client.post(
        "/admin/integrations/systems", data={"csrf_token": token, "name": " ", "department": CGW}
    )
    assert empty.status_code == 422 and "请填写系统名称" in empty.text
    bad = client.post(
        "/admin/integrations/systems", data={"csrf_token": token, "name": "no spaces", "department": CGW}
    )
    assert bad.status_code == 422 and "不是有效的对接系统名称" in bad.text
    missing = client.post("/admin/integrations/systems/revoke", data={"csrf_token": token, "name": "no-such"})
    assert missing.status_code == 404 and "的对接系统" in missing.text


def test_only_the_city_admin_gets_in_and_forms_need_their_token(client, make_user) -> None:  # type: ignore[no-untyped-def]
    pages = ("/admin/webhooks", "/admin/integrations")
    for page in pages:
        assert client.get(page, follow_redirects=False).headers["location"].startswith("/login")

    sign_in(client, make_user("dispatcher"))
    for page in pages:
        refused = client.get(page)
        assert refused.status_code == 403 and "管理员" in refused.text

    sign_in(client, make_user("admin", "110101"))  # a district's admin: the services refuse them
    token = csrf_of(client.get("/admin").text)
    for page in pages:
        refused = client.get(page)
        assert refused.status_code == 403 and "只有市级管理员可以" in refused.text
    posted = client.post(
        "/admin/webhooks/subscriptions",
        data={"csrf_token": token, "name": "district-x", "url": "https://example.org/x", "events": "any"},
    )
    assert posted.status_code == 403
    posted = client.post(
        "/admin/integrations/systems", data={"csrf_token": token, "name": "district-y", "department": CGW}
    )
    assert posted.status_code == 403

    sign_in(client, make_user("admin", "110000"))
    forged_name, forged_system = _unique("forged"), _unique("forged")
    forged = client.post(
        "/admin/webhooks/subscriptions",
        data={"csrf_token": "0" * 64, "name": forged_name, "url": "https://example.org/x", "events": "any"},
    )
    assert forged.status_code == 403 and forged_name not in client.get("/admin/webhooks").text
    forged = client.post("/admin/integrations/systems", data={"name": forged_system, "department": CGW})
    assert forged.status_code == 403 and forged_system not in client.get("/admin/integrations").text
