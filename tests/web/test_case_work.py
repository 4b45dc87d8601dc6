"""Working cases all day on the pages: every field of an action on its form (class and urgency on 立案,
a grouped department picker and 配合单位 on 派遣), the confirmation and the next case of the queue
after an action, bulk actions from a queue, the shortcuts' help and the printable case sheet."""

from __future__ import annotations

import re

from tests.web.test_pages import csrf_of, report, sign_in

from gridcity.db.models import Case

STANDARD = "GB/T 47678.5-2026"
SEWER_LID = f"{STANDARD}:event:01002"  # 污水井盖异常: another class of the same network


def filed(client, login, make_user) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """A supervisor's report (accepted at once), filed by a shift leader: waiting for dispatch."""
    case = report(client, login, make_user)
    body = {"action": "file", "version": case["version"]}
    r = client.post(
        f"/api/v1/cases/{case['id']}/actions", json=body, headers=login(make_user("shift_leader"))
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def queue_order(client, queue: str) -> list[int]:  # type: ignore[no-untyped-def]
    """The case ids of a queue page, top to bottom."""
    page = client.get("/work", params={"queue": queue})
    return [int(i) for i in re.findall(rf'href="/cases/(\d+)\?queue={queue}" data-key-open', page.text)]


def test_the_file_form_corrects_class_and_urgency(client, make_user, login, platform) -> None:  # type: ignore[no-untyped-def]
    case = report(client, login, make_user)
    sign_in(client, make_user("shift_leader"))
    page = client.get(f"/cases/{case['id']}", params={"queue": "file"})
    assert page.status_code == 200
    # the class picker, grouped by major class, preselects the case's class; urgency in words
    assert re.search(rf'<option value="{STANDARD}:event:06010"[^>]* selected>06010 暴露垃圾', page.text)
    assert '<optgroup label="事件 · ' in page.text and 'name="urgency"' in page.text
    assert re.search(r'<option value="urgent"\s*>紧急</option>', page.text)
    form = {
        "csrf_token": csrf_of(page.text),
        "action": "file",
        "version": str(case["version"]),
        "queue": "file",
        "class_ref": SEWER_LID,
        "urgency": "urgent",
        "note": "实为污水井盖，且在路口",
    }
    done = client.post(f"/cases/{case['id']}/act", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case['id']}?queue=file&done=file"
    shown = client.get(done.headers["location"])
    assert "已办理：立案" in shown.text and 'role="status"' in shown.text
    now = client.get(f"/api/v1/cases/{case['id']}", headers=login(make_user("operator"))).json()
    assert (now["class_code"], now["urgency"], now["state"]) == ("01002", "urgent", "filed")
    # the confirmation is for the person who acted, right after: not on a later visit by another
    sign_in(client, make_user("dispatcher"))
    assert "已办理：立案" not in client.get(done.headers["location"]).text


def test_the_dispatch_form_groups_departments_and_names_assisting_ones(  # type: ignore[no-untyped-def]
    client, make_user, login, platform, db
) -> None:
    case = filed(client, login, make_user)
    other = filed(client, login, make_user)
    ids = {
        code: platform.unit_id(db, code, "department") for code in ("110101001-HW", "110101001-CSGL", "BJ-SW")
    }
    sign_in(client, make_user("dispatcher"))
    page = client.get(f"/cases/{case['id']}", params={"queue": "dispatch"})
    html = page.text
    for group in ("市级部门", "公共服务企业", "区级部门 · 东城区", "街道 · 东华门街道"):
        assert f'<optgroup label="{group}">' in html, group
    # the routing's suggestion is the default lead; the class's 配合单位 are preselected
    lead = re.search(r'<select name="department_id" id="department-\d+">(.*?)</select>', html, re.S)
    assert lead and re.search(
        rf'<option value="{ids["110101001-HW"]}"[^>]* selected>[^<]*（建议）', lead.group(1)
    )
    assisting = re.search(
        r'<select name="cooperating_ids" id="cooperating-\d+" multiple size="8">(.*?)</select>', html, re.S
    )
    assert assisting and re.search(
        rf'<option value="{ids["110101001-CSGL"]}"[^>]* selected>', assisting.group(1)
    )
    assert 'placeholder="输入名称或代码筛选"' in html  # the filter box (shown by picker.js)

    form = {
        "csrf_token": csrf_of(html),
        "action": "dispatch",
        "version": str(case["version"]),
        "queue": "dispatch",
        "department_id": str(ids["110101001-HW"]),
        "cooperating_named": "1",
        "cooperating_ids": [str(ids["BJ-SW"]), str(ids["110101001-HW"])],  # the lead is dropped
        "note": "请环卫所清运，水务局配合",
    }
    done = client.post(f"/cases/{case['id']}/act", data=form)
    assert done.status_code == 200
    assert "已派遣至 东华门街道环卫所" in done.text and "配合单位：北京市水务局" in done.text
    now = client.get(f"/api/v1/cases/{case['id']}", headers=login(make_user("operator"))).json()
    assert [u["code"] for u in now["cooperating"]] == ["BJ-SW"]
    # the next case of the dispatch queue: the queue's first now that this one has left it
    remaining = queue_order(client, "dispatch")
    assert case["id"] not in remaining and other["id"] in remaining
    assert (
        f'<a href="/cases/{remaining[0]}?queue=dispatch" rel="next" data-key-next>下一件 ›</a>' in done.text
    )
    # none chosen means none (not the class's default units)
    third = filed(client, login, make_user)
    page = client.get(f"/cases/{third['id']}")
    form.update(csrf_token=csrf_of(page.text), version=str(third["version"]), cooperating_ids=[])
    client.post(f"/cases/{third['id']}/act", data=form)
    now = client.get(f"/api/v1/cases/{third['id']}", headers=login(make_user("operator"))).json()
    assert now["state"] == "dispatched" and now["cooperating"] == []


def test_the_next_case_follows_the_queue_order(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        filed(client, login, make_user)
    sign_in(client, make_user("dispatcher"))
    order = queue_order(client, "dispatch")
    assert len(order) >= 3
    page = client.get(f"/cases/{order[0]}", params={"queue": "dispatch"})
    assert f'href="/cases/{order[1]}?queue=dispatch" rel="next"' in page.text
    page = client.get(f"/cases/{order[-1]}", params={"queue": "dispatch"})  # the last: round to the top
    assert f'href="/cases/{order[0]}?queue=dispatch" rel="next"' in page.text
    # opened from elsewhere (the bell, a link): the person's own queue
    page = client.get(f"/cases/{order[0]}")
    assert f'href="/cases/{order[1]}?queue=dispatch" rel="next"' in page.text
    assert client.get(f"/cases/{order[0]}", params={"queue": "nonsense"}).status_code == 200


def test_bulk_dispatch_acts_on_each_case_and_refuses_a_stale_one(  # type: ignore[no-untyped-def]
    client, make_user, login, platform, db
) -> None:
    picked = [filed(client, login, make_user) for _ in range(3)]
    unit = platform.unit_id(db, "110101-CGW", "department")
    sign_in(client, make_user("dispatcher"))
    queue = client.get("/work", params={"queue": "dispatch"})
    assert "data-select-all" in queue.text and 'action="/work/bulk"' in queue.text
    for case in picked:
        assert f'name="case" value="{case["id"]}:{case["version"]}"' in queue.text
    stale = picked[2]
    comment = {"action": "comment", "version": stale["version"], "note": "补充：垃圾较多"}
    r = client.post(
        f"/api/v1/cases/{stale['id']}/actions", json=comment, headers=login(make_user("operator"))
    )
    assert r.status_code == 200
    form = {
        "csrf_token": csrf_of(queue.text),
        "queue": "dispatch",
        "action": "dispatch",
        "department_id": str(unit),
        "note": "统一派城管委",
        "case": [f"{c['id']}:{c['version']}" for c in picked],
    }
    # without the page's CSRF token nothing happens
    assert client.post("/work/bulk", data={**form, "csrf_token": "0" * 64}).status_code == 403
    result = client.post("/work/bulk", data=form)
    assert result.status_code == 200
    assert "2 件成功，1 件未办理" in result.text
    assert result.text.count("已派遣至 东城区城市管理委员会") == 2
    assert "在您打开后已被他人处理" in result.text and "changed since you loaded it" not in result.text
    with platform.sessions() as fresh:
        for case in picked:
            row = fresh.get(Case, case["id"])
            dispatches = [e for e in row.events if e.action == "dispatch"]
            if case is stale:
                assert row.state == "filed" and not dispatches
            else:
                assert row.state == "dispatched" and row.department_id == unit and len(dispatches) == 1
    # nothing ticked, or an action the queue does not offer: a clear refusal in Chinese
    none = client.post("/work/bulk", data={**form, "case": []})
    assert none.status_code == 422 and "请先勾选要办理的案件" in none.text
    odd = client.post("/work/bulk", data={**form, "action": "close"})
    assert odd.status_code == 422 and "该队列不提供这项批量操作" in odd.text
    # the same refusal in English for a person reading English
    client.cookies.set("gridcity_lang", "en")
    again = client.post("/work/bulk", data={**form, "case": [f"{stale['id']}:{stale['version']}"]})
    assert "0 done, 1 refused" in again.text and "changed since you loaded it" in again.text
    client.cookies.delete("gridcity_lang")


def test_bulk_actions_are_offered_by_queue_and_role(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    filed(client, login, make_user)
    sign_in(client, make_user("shift_leader"))
    page = client.get("/work", params={"queue": "dispatch"}).text
    assert 'action="/work/bulk"' not in page and "data-select-all" not in page  # not the leader's step
    report(client, login, make_user)
    page = client.get("/work", params={"queue": "file"}).text
    assert "data-select-all" in page and '<option value="file">立案</option>' in page


def test_the_case_page_has_its_shortcuts_and_a_printable_sheet(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    case = report(client, login, make_user)
    sign_in(client, make_user("shift_leader"))
    page = client.get(f"/cases/{case['id']}").text
    assert 'id="keys-help"' in page and "键盘快捷键" in page and "<kbd>j</kbd>" in page
    assert "data-print" in page and ">打印<" in page and "案件单" in page
    assert "/static/js/work_keys.js" in page and "/static/js/picker.js" in page
    css = client.get("/static/app.css").text
    assert "@media print" in css and ".bar, .skip-link, .no-print, form, button" in css
    client.cookies.set("gridcity_lang", "en")
    page = client.get(f"/cases/{case['id']}").text
    assert "Keyboard shortcuts" in page and ">Print<" in page and "Case sheet" in page
    client.cookies.delete("gridcity_lang")


def test_a_transfer_takes_the_network_of_the_class_chosen(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    case = filed(client, login, make_user)
    sign_in(client, make_user("dispatcher"))
    page = client.get(f"/cases/{case['id']}")
    assert '<optgroup label="社会服务 · ' in page.text  # the other networks' classes, by network
    form = {
        "csrf_token": csrf_of(page.text),
        "action": "transfer",
        "version": str(case["version"]),
        "network": "",
        "class_ref": "GRIDCITY-SS-2026:event:SS0102",
        "note": "属社会服务事项",
    }
    done = client.post(f"/cases/{case['id']}/act", data=form)
    assert done.status_code == 200 and "已办理：转办" in done.text
    now = client.get(f"/api/v1/cases/{case['id']}", headers=login(make_user("operator"))).json()
    assert (now["network"], now["class_code"]) == ("social_service", "SS0102")
