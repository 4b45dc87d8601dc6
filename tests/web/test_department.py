"""The department desk as a handler uses it: the department's cases by deadline, 签收 in one press,
requests waiting for a decision, the cases it only cooperates on, CSV of each tab."""

from __future__ import annotations

import csv
import io

from tests.web.test_pages import DONGHUAMEN, GARBAGE, TIANTAN, csrf_of, sign_in

from gridcity.services import cases

CGW = "110101-CGW"  # the district's city-management department (城管委), handlers' default unit


def dispatched_case(  # type: ignore[no-untyped-def]
    platform,
    db,
    make_user,
    department_code: str = CGW,
    cooperating: list[int] | None = None,
    where=DONGHUAMEN,
):
    """A supervisor's report, filed and dispatched to the department, through the services."""
    report = cases.Report(class_code=GARBAGE["class_code"], kind="event", lon=where[0], lat=where[1])
    case, _ = cases.report_case(platform, db, make_user("supervisor"), report)
    case = cases.transition(
        platform, db, make_user("shift_leader"), case.id, cases.ActionRequest("file", case.version)
    )
    fields: dict = {"department_id": platform.unit_id(db, department_code, "department")}
    if cooperating is not None:
        fields["cooperating_ids"] = cooperating
    return cases.transition(
        platform,
        db,
        make_user("dispatcher"),
        case.id,
        cases.ActionRequest("dispatch", case.version, fields=fields),
    )


def test_handler_lands_on_the_desk_and_accepts_in_one_press(client, platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    first = dispatched_case(platform, db, make_user)
    clock.advance(minutes=5)
    second = dispatched_case(platform, db, make_user)
    handler = make_user("handler")
    sign_in(client, handler)
    assert client.get("/", follow_redirects=False).headers["location"] == "/dept"
    desk = client.get("/dept")
    assert desk.status_code == 200 and "待签收" in desk.text
    numbers = [platform.case_number(first), platform.case_number(second)]
    # by deadline: the older dispatch is due first and is listed first
    assert all(n in desk.text for n in numbers) and desk.text.index(numbers[0]) < desk.text.index(numbers[1])

    form = {"csrf_token": csrf_of(desk.text), "case_id": str(first.id), "version": str(first.version)}
    done = client.post("/dept/accept", data=form, follow_redirects=True)
    assert done.status_code == 200 and f"{numbers[0]} 已签收" in done.text
    assert "处置中" in done.text and numbers[0] in done.text  # now in the disposing tab
    db.expire_all()
    assert cases.get_case(db, handler, first.id).state == "disposing"

    # the same press again (a stale page, or a colleague was faster): a message, nothing changes
    again = client.post("/dept/accept", data=form)
    assert again.status_code == 409 and 'role="alert"' in again.text
    assert client.post("/dept/accept", data={**form, "csrf_token": "forged"}).status_code == 403


def test_tabs_show_only_this_department_and_cooperating_cases(client, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
    own = dispatched_case(platform, db, make_user)
    elsewhere = dispatched_case(platform, db, make_user, department_code="110101-SW")  # 水务局
    cgw = platform.unit_id(db, CGW, "department")
    assisted = dispatched_case(platform, db, make_user, department_code="110101-SW", cooperating=[cgw])
    sign_in(client, make_user("handler"))
    incoming = client.get("/dept").text
    assert platform.case_number(own) in incoming
    assert platform.case_number(elsewhere) not in incoming
    assert platform.case_number(assisted) not in incoming  # not ours to accept
    cooperating = client.get("/dept", params={"tab": "cooperating"}).text
    assert platform.case_number(assisted) in cooperating and platform.case_number(own) not in cooperating
    assert "签收" not in cooperating.split("<tbody>")[1]  # no accept button on a cooperating case

    exported = client.get("/dept.csv", params={"tab": "incoming"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    listed = {r[0] for r in rows[1:]}  # (other tests' cases of this department are listed too)
    assert rows[0][0] == "number" and platform.case_number(own) in listed
    assert not listed & {platform.case_number(elsewhere), platform.case_number(assisted)}


def test_overdue_cases_are_counted_and_marked(client, platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    case = dispatched_case(platform, db, make_user)
    clock.advance(days=10)  # far past any 签收 limit
    sign_in(client, make_user("handler"))
    desk = client.get("/dept").text
    assert "已超时" in desk and platform.case_number(case) in desk
    assert 'class="light red"' in desk


def test_the_desk_is_for_handlers_and_refuses_bad_input(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("dispatcher"))
    refused = client.get("/dept")
    assert refused.status_code == 403 and "专业部门" in refused.text
    client.cookies.clear()
    sign_in(client, make_user("handler"))
    assert client.get("/dept", params={"tab": "nonsense"}).status_code == 422
    page = client.get("/dept")
    bad = client.post("/dept/accept", data={"csrf_token": csrf_of(page.text), "case_id": "x", "version": "1"})
    assert bad.status_code == 422


def test_the_bell_shows_the_sweeps_warnings_and_escalations(client, platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    from gridcity.services import sweep

    # a street and a department no other test of this file uses, so that the bell's latest few
    # entries are this case's (the test city is shared by the tests of a worker)
    case = dispatched_case(platform, db, make_user, department_code="110101-JT", where=TIANTAN)
    number = platform.case_number(case)
    clock.advance(days=3)  # 签收 and disposal far past their limit: red at once, then the street platform
    sweep.sweep(platform, db)
    sign_in(client, make_user("handler", "110101-JT"))
    panel = client.get("/notifications/panel").text
    assert any("预警" in line and number in line for line in panel.splitlines()), panel
    client.cookies.clear()
    sign_in(client, make_user("shift_leader", "110101016"))
    panel = client.get("/notifications/panel").text
    assert any("升级" in line and number in line for line in panel.splitlines()), panel
