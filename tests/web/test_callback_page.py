"""The 回访 (callback) on the case page as an operator uses it: the button on a closed 12345 case only,
the verdict and whether it was solved, and the rating it leaves on the page."""

from __future__ import annotations

import re

from tests.support import photos_for
from tests.web.test_pages import DONGHUAMEN, GARBAGE, csrf_of, sign_in

from gridcity.services import cases

CGW = "110101-CGW"


def closed_case(platform, db, make_user, clock, channel: str) -> cases.Case:  # type: ignore[no-untyped-def, name-defined]
    """A report of `channel` taken through every step to its closure, through the services."""
    operator = make_user("operator")
    reporter = operator if channel == "hotline" else make_user("supervisor")
    report = cases.Report(
        class_code=GARBAGE["class_code"], kind="event", lon=DONGHUAMEN[0], lat=DONGHUAMEN[1], channel=channel
    )
    case, _ = cases.report_case(platform, db, reporter, report)
    supervisor = make_user("supervisor")
    steps = [("file", make_user("shift_leader"), {})]
    if channel == "hotline":
        steps.insert(0, ("accept_report", operator, {}))
    steps += [
        ("dispatch", make_user("dispatcher"), {"department_id": platform.unit_id(db, CGW, "department")}),
        ("accept", make_user("handler"), {}),
        ("report_done", make_user("handler"), {}),
        ("assign_check", operator, {"assignee_id": supervisor.id}),
        ("check_pass", supervisor, {}),
        ("close", make_user("shift_leader"), {}),
    ]
    for action, user, fields in steps:
        clock.advance(minutes=5)
        photos = photos_for(platform, db, user, action)  # 处置反馈 and 核查 need one
        case = cases.transition(
            platform, db, user, case.id, cases.ActionRequest(action, case.version, "ok", fields, photos)
        )
    assert case.state == "closed"
    return case


def test_an_operator_calls_a_12345_caller_back_from_the_case_page(  # type: ignore[no-untyped-def]
    client, platform, db, make_user, clock
) -> None:
    hotline = closed_case(platform, db, make_user, clock, "hotline")
    patrol = closed_case(platform, db, make_user, clock, "supervisor")
    operator = make_user("operator")
    sign_in(client, operator)
    assert "回访" not in client.get(f"/cases/{patrol.id}").text  # not a 12345 case: no callback
    page = client.get(f"/cases/{hotline.id}")
    assert page.status_code == 200 and "回访" in page.text and 'name="verdict"' in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "action": "callback",
        "version": str(hotline.version),
        "verdict": "basically_satisfied",
        "solved": "true",
        "note": "来电人称已清理，基本满意",
    }
    done = client.post(f"/cases/{hotline.id}/act", data=form, follow_redirects=True)
    assert done.status_code == 200
    assert "回访 · 基本满意 · 已解决" in done.text and "★★★☆☆" in done.text

    # a second callback of the same closure is refused on the page, in Chinese
    version = re.search(r'name="version" value="(\d+)"', done.text)
    assert version is not None and int(version.group(1)) == hotline.version + 1
    form["csrf_token"], form["version"] = csrf_of(done.text), version.group(1)
    again = client.post(f"/cases/{hotline.id}/act", data=form)
    assert again.status_code == 409 and "已回访" in again.text
