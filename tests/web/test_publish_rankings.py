"""Publishing a month's ranking from a page (发布月排名, /dashboard/rankings) as a city leader does it:
choose an ended month and a list, preview it, publish, read the confirmation and find the month
on the public page; a correction needs its reason; only the people the API lets publish may."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import func, select
from tests.conftest import CST
from tests.integration.test_rankings import build_month
from tests.web.test_pages import csrf_of, sign_in

from gridcity.db.models import RankingSnapshot

PERIOD = "2024-10"  # no other test of this module's city makes cases or publishes rankings then
AFTER = datetime(2024, 11, 12, 9, tzinfo=CST)


def _published(db, kind: str = "district") -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    found = db.scalar(
        select(func.count()).where(RankingSnapshot.period == PERIOD, RankingSnapshot.kind == kind)
    )
    return int(found or 0)


def test_a_city_leader_previews_publishes_and_corrects_a_month(
    client, platform, db, make_user, clock
) -> None:  # type: ignore[no-untyped-def]
    build_month(platform, db, make_user, clock, monday=date(2024, 10, 14))
    clock.set(AFTER)
    sign_in(client, make_user("leader", "110000"))
    assert 'href="/dashboard/rankings"' in client.get("/dashboard").text  # the way there

    page = client.get("/dashboard/rankings")
    assert page.status_code == 200 and "发布月度排名" in page.text
    months = re.findall(r'<option value="(\d{4}-\d{2})"', page.text)
    assert months[0] == PERIOD and "2024-11" not in months  # ended months only, the newest first

    preview = client.get("/dashboard/rankings", params={"period": PERIOD, "kind": "district"})
    assert preview.status_code == 200
    assert f"预览：{PERIOD} · 区" in preview.text and "将公布为第 1 版" in preview.text
    assert "东城区" in preview.text and "首都功能核心区" in preview.text
    assert _published(db) == 0  # a preview publishes nothing

    form = {"csrf_token": csrf_of(preview.text), "period": PERIOD, "kind": "district"}
    r = client.post("/dashboard/rankings", data=form, follow_redirects=False)
    assert r.status_code == 303
    done = client.get(r.headers["location"])
    assert f"已公布 {PERIOD} 区排名（第 1 版）" in done.text
    assert f'href="/portal/rankings?period={PERIOD}&amp;kind=district"' in done.text
    assert _published(db) == 1

    public = client.get(f"/portal/rankings?period={PERIOD}&kind=district")
    assert public.status_code == 200 and "东城区" in public.text and "第 1 版" in public.text

    # publishing it again is a correction: refused without the reason, in the leader's language
    again = client.get("/dashboard/rankings", params={"period": PERIOD, "kind": "district"})
    assert "该月已公布第 1 版" in again.text and 'name="reason"' in again.text
    refused = client.post("/dashboard/rankings", data=form)
    assert refused.status_code == 409 and "再次公布即为更正：请写明更正原因" in refused.text
    assert _published(db) == 1
    reason = "东城区一件案件的结案时间录入有误"
    r = client.post("/dashboard/rankings", data={**form, "reason": reason}, follow_redirects=False)
    assert r.status_code == 303 and "第 2 版" in client.get(r.headers["location"]).text
    public = client.get(f"/portal/rankings?period={PERIOD}&kind=district").text
    assert "已更正" in public and reason in public

    # the month not yet over, a list that does not exist: clear refusals, nothing published
    current = client.post("/dashboard/rankings", data={**form, "period": "2024-11", "kind": "street"})
    assert current.status_code == 422 and "2024-11 尚未结束" in current.text
    assert client.post("/dashboard/rankings", data={**form, "kind": "weather"}).status_code == 422
    forged = client.post("/dashboard/rankings", data={"period": PERIOD, "kind": "street"})
    assert forged.status_code == 403 and _published(db, "street") == 0  # no CSRF token


def test_only_city_leaders_and_admins_publish(client, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(AFTER)
    for role, unit in (("leader", "110101"), ("dispatcher", "110000"), ("admin", "110101")):
        sign_in(client, make_user(role, unit))
        page = client.get("/dashboard/rankings", params={"period": PERIOD, "kind": "street"})
        assert page.status_code == 403 and "月度排名由市级领导或市级管理员公布" in page.text, role
        dashboard = client.get("/dashboard").text
        assert 'href="/dashboard/rankings"' not in dashboard
        token = csrf_of(dashboard)  # the person's own token: refused for the role, not the form
        r = client.post("/dashboard/rankings", data={"csrf_token": token, "period": PERIOD, "kind": "street"})
        assert r.status_code == 403, role
    assert _published(db, "street") == 0
    sign_in(client, make_user("admin", "110000"))  # a city admin may, as the API says
    assert client.get("/dashboard/rankings").status_code == 200
