"""Retention (docs/security.md#retention), on SQLite and PostgreSQL: a case that ended longer ago than
GRIDCITY_CONTACT_RETENTION_DAYS loses its reporter's contact and its rating comments (read with raw
SQL) while one that ended within the period keeps them; the figures (rollups, stars) do not move; a
resident who moved out longer ago than GRIDCITY_RESIDENT_RETENTION_DAYS is anonymised; the dry run
erases nothing; each erasure is on the admin's page and in the API, with no erased value; a second
run finds nothing; the worker's job runs the same."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tests.conftest import T0
from tests.support import photos_for
from tests.web.test_pages import sign_in
from typer.testing import CliRunner

from gridcity.cli import app as cli_app
from gridcity.domain.registry import id_check_char
from gridcity.services import cases, retention, rollups
from gridcity.services.registry import records as reg
from gridcity.worker import default_jobs

DONGHUAMEN = (116.4040, 39.9140)
CGW = "110101-CGW"


def closed_hotline_case(platform, db, make_user, clock, name: str, phone: str) -> Any:  # type: ignore[no-untyped-def]
    """A 12345 call with the caller's contact, taken through every step to its closure."""
    operator = make_user("operator")
    report = cases.Report(
        class_code="06010", kind="event", lon=DONGHUAMEN[0], lat=DONGHUAMEN[1], channel="hotline",
        description="路口垃圾", contact_name=name, contact_phone=phone,
    )  # fmt: skip
    case, _ = cases.report_case(platform, db, operator, report)
    return _to_closure(platform, db, make_user, clock, case, operator)


def _to_closure(platform, db, make_user, clock, case, operator, start: str = "accept_report") -> Any:  # type: ignore[no-untyped-def]
    """The case taken from `start` through every step to its closure, each with the staff note "ok"."""
    supervisor = make_user("supervisor")
    steps = [
        ("accept_report", operator, {}),
        ("file", make_user("shift_leader"), {}),
        ("dispatch", make_user("dispatcher"), {"department_id": platform.unit_id(db, CGW, "department")}),
        ("accept", make_user("handler"), {}),
        ("report_done", make_user("handler"), {}),
        ("assign_check", operator, {"assignee_id": supervisor.id}),
        ("check_pass", supervisor, {}),
        ("close", make_user("shift_leader"), {}),
    ]
    for action, user, fields in steps[[s[0] for s in steps].index(start) :]:
        clock.advance(minutes=5)
        photos = photos_for(platform, db, user, action)
        case = cases.transition(
            platform, db, user, case.id, cases.ActionRequest(action, case.version, "ok", fields, photos)
        )
    assert case.state == "closed"
    return case


def _history(platform: Any, case_id: int) -> list[tuple[str, str, str]]:
    """(action, actor role, note) of each history row, read with raw SQL."""
    with platform.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT action, actor_role, note FROM case_events WHERE case_id = :id ORDER BY seq"),
            {"id": case_id},
        )
        return [tuple(row) for row in rows]


def _raw_case(platform: Any, case_id: int) -> tuple[Any, Any, list[str], list[int]]:
    with platform.engine.connect() as connection:
        enc = connection.execute(
            text("SELECT contact_name_enc, contact_phone_enc FROM cases WHERE id = :id"), {"id": case_id}
        ).one()
        ratings = connection.execute(
            text("SELECT comment, stars FROM case_ratings WHERE case_id = :id"), {"id": case_id}
        ).all()
    return enc[0], enc[1], [r[0] for r in ratings], [r[1] for r in ratings]


def _figures(platform: Any) -> list[Any]:
    with platform.engine.connect() as connection:
        return [
            sorted(tuple(map(str, row)) for row in connection.execute(text(f"SELECT * FROM {table}")))
            for table in ("rollup_regions", "rollup_departments")
        ]


def _resident(platform, db, moved_out_days_ago: int | None, clock) -> Any:  # type: ignore[no-untyped-def]
    first = f"11010119900101{uuid.uuid4().int % 1000:03d}"
    place = reg.create_place(platform, db, None, reg.PlaceInput("house", "房", "2号", *DONGHUAMEN))
    household = reg.create_household(platform, db, None, place.id, "2")
    number = first + id_check_char(first)
    data = reg.ResidentInput(
        household.id, "王小二", id_number=number, phone="13511112222", tags=["elderly_alone"]
    )
    resident = reg.add_resident(platform, db, None, data)
    if moved_out_days_ago is not None:
        clock.set(T0 - timedelta(days=moved_out_days_ago))
        reg.move_out(platform, db, None, resident.id)
    return resident


@pytest.mark.own_city
def test_contacts_are_erased_after_the_period_and_the_figures_stay(  # type: ignore[no-untyped-def]
    platform, db, make_user, clock, client, login, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = platform.settings.contact_retention_days
    clock.set(T0 - timedelta(days=days + 30))
    old = closed_hotline_case(platform, db, make_user, clock, "赵老伯", "13800001111")
    operator = make_user("operator")
    clock.advance(hours=1)
    callback = cases.ActionRequest(
        "callback", old.version, "来电人表示垃圾已清走，很满意", {"verdict": "satisfied", "solved": True}
    )
    cases.transition(platform, db, operator, old.id, callback)
    clock.set(T0 - timedelta(days=days - 30))
    recent = closed_hotline_case(platform, db, make_user, clock, "钱阿姨", "13900002222")
    moved_long_ago = _resident(platform, db, platform.settings.resident_retention_days + 10, clock)
    moved_lately = _resident(platform, db, 10, clock)
    staying = _resident(platform, db, None, clock)
    clock.set(T0)
    db.expire_all()
    figures = _figures(platform)
    name, phone, comments, stars = _raw_case(platform, old.id)
    assert name is not None and phone is not None and comments == ["来电人表示垃圾已清走，很满意"]

    # the dry run counts, erases nothing
    preview = retention.run(platform, db, "test", dry_run=True)
    assert preview.cases >= 1 and old.id in preview.case_ids and recent.id not in preview.case_ids
    assert moved_long_ago.id in preview.resident_ids and moved_lately.id not in preview.resident_ids
    assert _raw_case(platform, old.id)[:3] == (name, phone, comments)

    done = retention.run(platform, db, "test", batch=1)  # one record per transaction
    assert done.cases == preview.cases and done.residents == preview.residents

    erased_name, erased_phone, erased_comments, stars_after = _raw_case(platform, old.id)
    assert (erased_name, erased_phone, erased_comments) == (None, None, [""])
    assert stars_after == stars  # the callback's verdict counts as before
    history = _history(platform, old.id)
    assert history[-1] == ("callback", "operator", "")  # what the caller said, gone from the history too
    assert history[0] == ("report", "operator", "路口垃圾")  # the description stays
    assert [note for _, _, note in history[1:-1]] == ["ok"] * 8  # the staff's notes stay
    kept = _raw_case(platform, recent.id)
    assert kept[0] is not None and kept[1] is not None  # ended within the period: kept
    assert _figures(platform) == figures  # every rollup row as it was
    with platform.sessions() as session:
        assert rollups.differences(platform, session) == []  # and as a recount finds them
        assert session.get(cases.Case, old.id).state == "closed"  # the case itself stays

    with platform.engine.connect() as connection:
        gone = (
            connection.execute(
                text("SELECT * FROM registry_residents WHERE id = :id"), {"id": moved_long_ago.id}
            )
            .mappings()
            .one()
        )
        assert gone["name"] == retention.ANONYMOUS_NAME
        assert [gone[c] for c in ("id_number_enc", "id_number_index", "id_number_masked", "phone_enc")] == [
            None
        ] * 4
        assert (gone["phone_masked"], gone["birth_date"], gone["moved_out_at"] is not None) == (
            None,
            None,
            True,
        )
        for other in (moved_lately, staying):
            row = connection.execute(
                text("SELECT name, id_number_enc FROM registry_residents WHERE id = :id"), {"id": other.id}
            ).one()
            assert row[0] == "王小二" and row[1] is not None

    # the record: on the admin's page and in the API, with no erased value
    admin = make_user("admin")
    listed = client.get("/api/v1/retention/erasures", headers=login(admin))
    assert listed.status_code == 200, listed.text
    items = {(i["kind"], i["record_id"]): i for i in listed.json()["items"]}
    entry = items[("case_contact", old.id)]
    assert entry["fields"] == ["contact_name", "contact_phone", "rating_comments", "history_notes"]
    assert entry["case_number"] == platform.case_number(old) and entry["erased_by"] == "test"
    assert ("resident", moved_long_ago.id) in items and ("case_contact", recent.id) not in items
    assert ("resident", moved_lately.id) not in items
    for secret in ("13800001111", "赵", "王小二", "13511112222", "很满意"):
        assert secret not in listed.text
    only_residents = client.get(
        "/api/v1/retention/erasures", params={"kind": "resident"}, headers=login(admin)
    )
    assert {i["kind"] for i in only_residents.json()["items"]} == {"resident"}
    refused = client.get("/api/v1/retention/erasures", headers=login(make_user("dispatcher")))
    assert refused.status_code == 403

    sign_in(client, admin)
    page = client.get("/admin/retention")
    assert page.status_code == 200
    assert platform.case_number(old) in page.text and f"人员 #{moved_long_ago.id}" in page.text
    assert "联系人姓名" in page.text and f"{days} 天" in page.text
    assert "13800001111" not in page.text and "赵老伯" not in page.text

    # nothing left: a second run, the worker's job and the command find nothing more to erase
    assert retention.run(platform, db, "test").cases == 0
    [job] = [j for j in default_jobs(60.0) if j.name == "retention"]
    assert job.run(platform, threading.Event()) == "retention: case contacts erased 0, residents anonymised 0"
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url)
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(platform.settings.data_dir))
    result = CliRunner().invoke(cli_app, ["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "case contacts (365 days after the case ended):" in result.output and "due" in result.output


@pytest.mark.own_city
def test_a_citizens_words_in_the_history_go_and_the_history_refuses_every_other_change(  # type: ignore[no-untyped-def]
    platform, db, make_user, clock
) -> None:
    days = platform.settings.contact_retention_days
    clock.set(T0 - timedelta(days=days + 30))
    citizen, operator = make_user("citizen"), make_user("operator")
    report = cases.Report(
        class_code="06010", kind="event", lon=DONGHUAMEN[0], lat=DONGHUAMEN[1], channel="citizen",
        description="小区门口垃圾堆放",
    )  # fmt: skip
    case, _ = cases.report_case(platform, db, citizen, report)
    case = _to_closure(platform, db, make_user, clock, case, operator)
    clock.advance(hours=2)
    reason = "还没清走。我是3号楼的孙先生，电话13700003333"
    case = cases.transition(
        platform, db, citizen, case.id, cases.ActionRequest("reopen", case.version, reason)
    )
    comment = "孙先生补充：晚上八点后最多"
    case = cases.transition(
        platform, db, citizen, case.id, cases.ActionRequest("comment", case.version, comment)
    )
    staff_comment = "已联系环卫，今晚清运"
    case = cases.transition(
        platform, db, operator, case.id, cases.ActionRequest("comment", case.version, staff_comment)
    )
    case = _to_closure(platform, db, make_user, clock, case, operator, start="dispatch")
    clock.set(T0)
    before = _history(platform, case.id)
    assert ("reopen", "citizen", reason) in before and ("comment", "citizen", comment) in before

    # the database lets nothing else change: another text, a staff note, another column, a row removed
    personal = f"case_id = {case.id} AND action = 'reopen'"
    for statement in (
        f"UPDATE case_events SET note = 'rewritten' WHERE {personal}",
        f"UPDATE case_events SET note = '', actor_name = 'x' WHERE {personal}",
        f"UPDATE case_events SET note = '' WHERE case_id = {case.id} AND actor_role = 'operator'",
        f"UPDATE case_events SET note = '' WHERE case_id = {case.id} AND action = 'report'",
        f"DELETE FROM case_events WHERE {personal}",
    ):
        with pytest.raises(DBAPIError, match="append-only"), platform.engine.begin() as connection:
            connection.execute(text(statement))
    assert _history(platform, case.id) == before

    assert retention.run(platform, db, "test").cases >= 1
    after = _history(platform, case.id)
    assert ("reopen", "citizen", "") in after and ("comment", "citizen", "") in after
    assert ("comment", "operator", staff_comment) in after  # the staff's note stays
    assert after[0] == ("report", "citizen", "小区门口垃圾堆放")  # and the description
    assert [row for row in after if row[1] != "citizen"] == [row for row in before if row[1] != "citizen"]
    with platform.engine.connect() as connection:
        [fields] = connection.execute(
            text("SELECT fields FROM retention_erasures WHERE record_id = :id"), {"id": case.id}
        ).one()
    assert "history_notes" in (fields if isinstance(fields, list) else __import__("json").loads(fields))
