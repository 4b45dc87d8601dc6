"""The public rankings page /portal/rankings as a resident uses it, without signing in: the
published table per peer group with composite and grade, best and worst marked, the correction
note of a corrected month, the month's supervision list without personal data, the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

from tests.integration.test_evaluation import CST
from tests.integration.test_rankings import build_month

from gridcity.db.models import SupervisionEntry
from gridcity.services import rankings

PERIOD = "2025-09"  # no other test makes cases or publishes rankings then


def _row_of(html: str, name: str) -> str:
    found = re.search(r"<tr[^>]*>(?:(?!</tr>).)*?<strong>" + name + r"</strong>.*?</tr>", html, re.S)
    assert found, f"no row for {name}"
    return found.group(0)


def test_the_page_shows_the_published_month(client, platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    _, ids = build_month(platform, db, make_user, clock, monday=date(2025, 9, 8))
    db.add(
        SupervisionEntry(
            case_id=ids["X"], month=PERIOD, added_at=datetime(2025, 9, 20, tzinfo=CST), reason="escalated"
        )
    )
    db.commit()
    clock.set(datetime(2025, 10, 9, 9, tzinfo=CST))
    leader = make_user("leader", "110000")
    rankings.publish(platform, db, leader, PERIOD, "district")

    r = client.get(f"/portal/rankings?period={PERIOD}&kind=district")
    assert r.status_code == 200
    html = r.text
    assert "月度排名公示" in html and "首都功能核心区" in html and "综合得分" in html
    dongcheng, xicheng = _row_of(html, "东城区"), _row_of(html, "西城区")
    assert 'data-mark="best"' in dongcheng and 'data-mark="worst"' in xicheng
    assert re.search(r"结案率.*?50\.00", dongcheng, re.S)  # 1 of 2 closed
    assert "已更正" not in html
    # the supervision list: number, class, street, days open — no person, no description
    assert "本月督办案件" in html and "金融街" in html and "暴露垃圾" in html
    for private in ("王小明", "13800000000", "ranking test", "evaluation test", leader.username):
        assert private not in html

    # corrected: the public sees the latest version, the note with its reason and date, and the old one
    clock.set(datetime(2025, 10, 12, 9, tzinfo=CST))
    rankings.publish(platform, db, leader, PERIOD, "district", "西城区一件案件的位置录入有误")
    html = client.get(f"/portal/rankings?period={PERIOD}&kind=district").text
    assert "已更正" in html and "西城区一件案件的位置录入有误" in html and "2025-10-12" in html
    assert "第 2 版" in html
    old = client.get(f"/portal/rankings?period={PERIOD}&kind=district&version=1")
    assert old.status_code == 200 and "第 1 版" in old.text

    r = client.get(f"/portal/rankings.csv?period={PERIOD}&kind=district&version=2")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert table[0][:4] == ["排名 rank", "组 group", "代码 code", "名称 name"]
    [dc] = [line for line in table[1:] if line[2] == "110101"]
    assert dc[1] == "首都功能核心区" and dc[0] == "1" and dc[-1] in "ABCDE"

    en = client.get(f"/portal/rankings?period={PERIOD}&kind=district", headers={"Accept-Language": "en"})
    assert en.status_code == 200


def test_bad_choices_get_a_clear_message(client, platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2025, 10, 9, 9, tzinfo=CST))
    rankings.publish(platform, db, None, "2025-01", "street")
    r = client.get("/portal/rankings?period=2025-01&kind=department")
    assert r.status_code == 404 and "排名尚未发布" in r.text
    r = client.get("/portal/rankings?period=2025-1&kind=street")
    assert r.status_code == 422 and "不是月份" in r.text
    r = client.get("/portal/rankings.csv?period=2024-01&kind=street")
    assert r.status_code == 404
    r = client.get("/portal/rankings?period=2025-01&kind=street")
    assert r.status_code == 200 and "东华门街道" in r.text
