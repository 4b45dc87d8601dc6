"""The social registry (人地事物组织) on both databases: encryption at rest, masking by role, the
access log, grid-scoped lists, admin-only export, move-out history, the subjects of a case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from gridcity.db.models import Case, PersonalAccessLog, RegistryResident, RegistryVisit
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound
from gridcity.domain.registry import id_check_char
from gridcity.services import cases
from gridcity.services.platform import Platform
from gridcity.services.registry import records as reg

DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 110101001
NATIONAL = "GB/T 47678.5-2026"
_serial = iter(range(100, 1000))


def fake_id(born: str = "19450101") -> str:
    """A valid, unique-enough identity number born on `born` (test data, not a person)."""
    first = f"110101{born}{next(_serial):03d}"
    return first + id_check_char(first)


@dataclass
class World:
    platform: Platform
    db: Any
    admin: Any
    leader: Any
    worker_a: Any
    worker_b: Any
    police_a: Any
    dispatcher: Any
    house_a: Any
    house_b: Any
    household_a: Any
    household_b: Any
    elder: Any  # in household A, elderly living alone
    key_person: Any  # in household A, a key person (public security)
    neighbour: Any  # in household B
    elder_id: str
    elder_phone: str
    tag: str


def _second_point(platform: Platform, db: Any, first: reg.Location) -> tuple[float, float]:
    """A point of 东城区 in another social-service grid and another public-security grid."""
    state = platform.territory(db)
    layer = state.index["social_service"]
    for code, geom in zip(layer.keys, layer.geometries, strict=True):
        if not code or code == first.ss_grid_code:
            continue
        p = geom.representative_point()
        found = reg.locate(platform, db, p.x, p.y)
        if found.district_code == "110101" and found.ps_grid_code not in (None, first.ps_grid_code):
            return p.x, p.y
    raise AssertionError("the test city has one public-security grid only")


@pytest.fixture
def world(platform: Platform, db: Any, make_user: Any) -> World:
    tag = uuid.uuid4().hex[:6]
    admin = make_user("admin")
    a = reg.locate(platform, db, *DONGHUAMEN)
    b_point = _second_point(platform, db, a)
    b = reg.locate(platform, db, *b_point)
    worker_a, worker_b, police_a = make_user("grid_worker"), make_user("grid_worker"), make_user("police")
    reg.assign_grid(platform, db, admin, worker_a.username, a.ss_grid_code)
    reg.assign_grid(platform, db, admin, worker_b.username, b.ss_grid_code)
    reg.assign_grid(platform, db, admin, police_a.username, a.ps_grid_code)
    house_a = reg.create_place(
        platform, db, admin, reg.PlaceInput("house", f"房A-{tag}", f"东华门大街{tag}号", *DONGHUAMEN)
    )
    house_b = reg.create_place(
        platform, db, admin, reg.PlaceInput("house", f"房B-{tag}", f"某街{tag}号", *b_point)
    )
    household_a = reg.create_household(platform, db, worker_a, house_a.id, f"H{tag}A")
    household_b = reg.create_household(platform, db, admin, house_b.id, f"H{tag}B")
    elder_id, elder_phone = fake_id("19400101"), "13800138000"
    elder = reg.add_resident(
        platform,
        db,
        worker_a,
        reg.ResidentInput(
            household_a.id, f"王老{tag}", "head", elder_id, elder_phone, tags=["elderly_alone"]
        ),
    )
    key_person = reg.add_resident(
        platform,
        db,
        admin,
        reg.ResidentInput(
            household_a.id, f"李某{tag}", "child", fake_id("19900101"), "13900139000", tags=["key_person"]
        ),
    )
    neighbour = reg.add_resident(
        platform, db, admin, reg.ResidentInput(household_b.id, f"赵邻{tag}", "head", fake_id("19800101"))
    )
    return World(
        platform,
        db,
        admin,
        make_user("leader"),
        worker_a,
        worker_b,
        police_a,
        make_user("dispatcher"),
        house_a,
        house_b,
        household_a,
        household_b,
        elder,
        key_person,
        neighbour,
        elder_id,
        elder_phone,
        tag,
    )


def _log_rows(db: Any, record_id: int) -> list[PersonalAccessLog]:
    db.expire_all()
    return list(
        db.scalars(
            select(PersonalAccessLog).where(
                PersonalAccessLog.record_kind == "resident", PersonalAccessLog.record_id == record_id
            )
        )
    )


def test_places_lie_in_their_grids(world: World) -> None:
    a = reg.locate(world.platform, world.db, *DONGHUAMEN)
    assert world.house_a.street_code == "110101001"
    assert (world.house_a.grid_code, world.house_a.ss_grid_code, world.house_a.ps_grid_code) == (
        a.grid_code,
        a.ss_grid_code,
        a.ps_grid_code,
    )
    assert world.household_a.ss_grid_code == a.ss_grid_code  # 户进房: the household takes its house's grids
    flat = reg.create_place(
        world.platform,
        world.db,
        world.admin,
        reg.PlaceInput("building", f"楼-{world.tag}", "", *DONGHUAMEN),
    )
    room = reg.create_place(
        world.platform, world.db, world.admin, reg.PlaceInput("house", "101室", parent_id=flat.id)
    )
    assert room.grid_code == flat.grid_code and room.parent_id == flat.id
    with pytest.raises(Invalid, match="outside the city"):
        reg.create_place(world.platform, world.db, world.admin, reg.PlaceInput("shop", "x", "", 100.0, 20.0))
    with pytest.raises(Invalid, match="place kind"):
        reg.create_place(
            world.platform, world.db, world.admin, reg.PlaceInput("castle", "x", "", *DONGHUAMEN)
        )


def test_id_number_and_phone_are_encrypted_at_rest(world: World) -> None:
    with world.platform.engine.connect() as conn:
        row = (
            conn.execute(text("SELECT * FROM registry_residents WHERE id = :id"), {"id": world.elder.id})
            .mappings()
            .one()
        )
    raw = b"".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row.values())
    assert world.elder_id.encode() not in raw
    assert world.elder_phone.encode() not in raw
    assert world.elder_id[6:14].encode() not in bytes(row["id_number_enc"])
    assert row["id_number_masked"] == world.elder_id[:6] + "********" + world.elder_id[-4:]
    assert row["phone_masked"] == "138****8000"
    assert len(row["id_number_index"]) == 64  # a keyed hash, not the number


def test_unmasked_read_is_logged_with_who_when_why(world: World) -> None:
    p, db = world.platform, world.db
    masked = reg.read_resident(p, db, world.admin, world.elder.id)
    assert masked["masked"] and masked["id_number"] != world.elder_id and masked["may_unmask"]
    assert _log_rows(db, world.elder.id) == []  # a masked read is not logged
    with pytest.raises(Invalid, match="reason"):
        reg.read_resident(p, db, world.admin, world.elder.id, unmask=True)
    assert _log_rows(db, world.elder.id) == []
    clear = reg.read_resident(p, db, world.admin, world.elder.id, unmask=True, reason="核对户籍信息")
    assert (clear["id_number"], clear["phone"], clear["masked"]) == (world.elder_id, world.elder_phone, False)
    (entry,) = _log_rows(db, world.elder.id)
    assert (entry.user_id, entry.username, entry.reason, entry.action) == (
        world.admin.id,
        world.admin.username,
        "核对户籍信息",
        "view",
    )
    assert entry.at == p.now() and entry.fields == ["id_number", "phone"]
    assert entry in reg.access_log(db, world.admin, user=world.admin.username)
    with pytest.raises(Forbidden):
        reg.access_log(db, world.worker_a)


def test_the_access_log_is_append_only(world: World) -> None:
    reg.read_resident(world.platform, world.db, world.admin, world.elder.id, unmask=True, reason="入户核实")
    for statement in ("UPDATE personal_access_log SET reason = 'x'", "DELETE FROM personal_access_log"):
        with pytest.raises(DBAPIError, match="append-only"), world.platform.engine.begin() as conn:
            conn.execute(text(statement))


def test_masking_by_role(world: World) -> None:
    p, db = world.platform, world.db
    # the leader reads masked, never in clear
    seen = reg.read_resident(p, db, world.leader, world.elder.id)
    assert seen["id_number"] == world.elder.id_number_masked and not seen["may_unmask"]
    with pytest.raises(Forbidden, match="masked only"):
        reg.read_resident(p, db, world.leader, world.elder.id, unmask=True, reason="想看看")
    # the grid worker of the household's grid reads in clear, with a reason
    clear = reg.read_resident(p, db, world.worker_a, world.elder.id, unmask=True, reason="电话回访")
    assert clear["phone"] == world.elder_phone
    # another grid's worker does not see the resident at all
    with pytest.raises(NotFound):
        reg.read_resident(p, db, world.worker_b, world.elder.id)
    # the police see the key persons of their grid, in clear with a reason; not the others
    police = reg.read_resident(p, db, world.police_a, world.key_person.id, unmask=True, reason="重点人员走访")
    assert police["id_number"].startswith("11010119900101") and "key_person" in police["tags"]
    with pytest.raises(NotFound):
        reg.read_resident(p, db, world.police_a, world.elder.id)
    # a case worker sees no residents
    with pytest.raises(NotFound):
        reg.read_resident(p, db, world.dispatcher, world.elder.id)
    # public-security tags are hidden from the grid worker and the leader
    for reader in (world.worker_a, world.leader):
        assert reg.read_resident(p, db, reader, world.key_person.id)["tags"] == []


def test_grid_worker_sees_own_grid_households_and_records_visits(world: World) -> None:
    p, db = world.platform, world.db
    flt = reg.LocatedFilter(q=None)
    mine, _ = reg.list_households(db, world.worker_a, flt, limit=500)
    ids = {h["id"] for h in mine}
    assert world.household_a.id in ids and world.household_b.id not in ids
    own = next(h for h in mine if h["id"] == world.household_a.id)
    names = {r["name"]: r for r in own["residents"]}
    assert names[world.elder.name]["phone"] == "138****8000"
    assert names[world.elder.name]["tags"] == ["elderly_alone"]
    theirs, _ = reg.list_households(db, world.worker_b, flt, limit=500)
    assert world.household_b.id in {h["id"] for h in theirs}
    assert world.household_a.id not in {h["id"] for h in theirs}
    visit = reg.record_visit(p, db, world.worker_a, world.household_a.id, "visit", "上门看望，身体良好")
    assert visit.user_id == world.worker_a.id and visit.ss_grid_code == world.household_a.ss_grid_code
    with pytest.raises(Forbidden):
        reg.record_visit(p, db, world.worker_b, world.household_a.id, "visit", "不是我的网格")
    with pytest.raises(Invalid, match="note"):
        reg.record_visit(p, db, world.worker_a, world.household_a.id, "service_request", "")
    assert visit.id in {v.id for v in reg.list_visits(db, world.worker_a, world.household_a.id)}
    assert visit.id not in {v.id for v in reg.list_visits(db, world.worker_b)}
    # the grid worker records residents of their own grid only, and no public-security tags
    with pytest.raises(Forbidden):
        reg.add_resident(p, db, world.worker_b, reg.ResidentInput(world.household_a.id, "外人"))
    with pytest.raises(Forbidden, match="key_person"):
        reg.add_resident(
            p, db, world.worker_a, reg.ResidentInput(world.household_a.id, "某", tags=["key_person"])
        )


def test_police_see_key_persons_of_their_grids(world: World) -> None:
    p, db = world.platform, world.db
    rows, total = reg.list_residents(db, world.police_a, reg.ResidentFilter(), limit=500)
    ids = {r["id"] for r in rows}
    assert world.key_person.id in ids
    assert not ids & {world.elder.id, world.neighbour.id}
    assert all("key_person" in r["tags"] or r["tags"] for r in rows) and total == len(rows)
    with pytest.raises(Forbidden):
        reg.list_households(db, world.police_a, reg.LocatedFilter())
    # the police set and clear public-security tags, and nothing else
    reg.update_resident(p, db, world.police_a, world.key_person.id, {"tags": []})
    assert world.key_person.id not in {
        r["id"] for r in reg.list_residents(db, world.police_a, reg.ResidentFilter())[0]
    }
    with pytest.raises(Forbidden):
        reg.update_resident(p, db, world.police_a, world.elder.id, {"name": "改名"})
    # a grid worker's tag edit keeps the public-security tags they cannot see
    reg.update_resident(p, db, world.admin, world.key_person.id, {"tags": ["key_person"]})
    reg.update_resident(p, db, world.worker_a, world.key_person.id, {"tags": ["disability"]})
    db.expire_all()
    assert db.get(RegistryResident, world.key_person.id).tags == ["disability", "key_person"]


def test_export_is_for_admins_and_logged(world: World) -> None:
    p, db = world.platform, world.db
    flt = reg.ResidentFilter(household_id=world.household_a.id)
    for outsider in (world.leader, world.worker_a, world.police_a):
        with pytest.raises(Forbidden, match="only an admin"):
            reg.export_residents_csv(p, db, outsider, flt, "需要导出")
    with pytest.raises(Invalid, match="reason"):
        reg.export_residents_csv(p, db, world.admin, flt, None)
    body, count = reg.export_residents_csv(p, db, world.admin, flt, "年度核查")
    assert count == 2 and world.elder_id in body and world.elder_phone in body
    assert body.startswith("\ufeffid,household_id")
    db.expire_all()
    entry = db.scalars(
        select(PersonalAccessLog)
        .where(PersonalAccessLog.action == "export", PersonalAccessLog.user_id == world.admin.id)
        .order_by(PersonalAccessLog.id.desc())
    ).first()
    assert entry is not None
    assert entry.reason == "年度核查" and entry.detail == {"household_id": world.household_a.id, "rows": 2}


def test_move_out_keeps_history(world: World) -> None:
    p, db = world.platform, world.db
    # an ID number lives in one household at a time
    with pytest.raises(Conflict, match="registered already"):
        reg.add_resident(
            p, db, world.admin, reg.ResidentInput(world.household_b.id, "重名", id_number=world.elder_id)
        )
    reg.move_out(p, db, world.worker_a, world.elder.id)
    current, _ = reg.list_residents(db, world.admin, reg.ResidentFilter(household_id=world.household_a.id))
    assert world.elder.id not in {r["id"] for r in current}
    everyone, _ = reg.list_residents(
        db, world.admin, reg.ResidentFilter(household_id=world.household_a.id, include_moved_out=True)
    )
    gone = next(r for r in everyone if r["id"] == world.elder.id)
    assert gone["moved_out_at"] is not None
    with pytest.raises(Conflict, match="history"):
        reg.update_resident(p, db, world.admin, world.elder.id, {"name": "x"})
    moved = reg.add_resident(
        p,
        db,
        world.admin,
        reg.ResidentInput(world.household_b.id, world.elder.name, id_number=world.elder_id),
    )
    found = reg.find_by_id_number(p, db, world.admin, world.elder_id)
    assert {r["id"] for r in found} == {world.elder.id, moved.id}
    with pytest.raises(Conflict, match="residents"):
        reg.end_household(p, db, world.admin, world.household_b.id)
    with pytest.raises(Conflict, match="households"):
        reg.end_place(p, db, world.admin, world.house_b.id)


def test_case_subjects(world: World, make_user: Any) -> None:
    p, db = world.platform, world.db
    supervisor = make_user("supervisor")
    report = cases.Report(
        class_code="06010", kind="event", standard=NATIONAL, lon=DONGHUAMEN[0], lat=DONGHUAMEN[1]
    )
    case, _ = cases.report_case(p, db, supervisor, report)
    reg.link_subject(p, db, world.admin, case.id, "place", world.house_a.id, "involved", "事发地")
    reg.link_subject(p, db, world.police_a, case.id, "resident", world.key_person.id, "party")
    org = reg.create_organisation(
        p, db, world.admin, reg.OrganisationInput("company", f"公司{world.tag}", place_id=world.house_a.id)
    )
    reg.link_subject(p, db, world.admin, case.id, "organisation", org.id)
    with pytest.raises(Conflict):
        reg.link_subject(p, db, world.admin, case.id, "place", world.house_a.id)
    with pytest.raises(NotFound):  # the police do not see the elder
        reg.link_subject(p, db, world.police_a, case.id, "resident", world.elder.id)
    with pytest.raises(Invalid, match="subject kind"):
        reg.link_subject(p, db, world.admin, case.id, "animal", 1)
    by_admin = {s["kind"]: s for s in reg.case_subjects(db, world.admin, case.id)}
    assert by_admin["resident"]["subject"]["name"] == world.key_person.name
    assert by_admin["place"]["note"] == "事发地" and by_admin["organisation"]["subject"]["name"] == org.name
    by_dispatcher = {s["kind"]: s for s in reg.case_subjects(db, world.dispatcher, case.id)}
    person = by_dispatcher["resident"]["subject"]
    assert person["masked"] and person["name"] == world.key_person.name[0] + "*" * (
        len(world.key_person.name) - 1
    )
    assert "id_number" not in person


def test_service_request_becomes_a_case_with_its_visit(world: World) -> None:
    p, db = world.platform, world.db
    note = "老人反映家中暖气不热，请协调物业"
    visit = reg.record_visit(
        p, db, world.worker_a, world.household_a.id, "service_request", note, world.elder.id, "SS0202"
    )
    assert visit.case_id is not None
    case = cases.get_case(db, world.admin, visit.case_id)
    assert (case.class_code, case.network, case.channel) == ("SS0202", "social_service", "supervisor")
    assert case.state == "accepted"  # the grid's own staff reported it on site: no verification
    assert case.reporter_id == world.worker_a.id and case.description == note
    assert (case.lon, case.lat) == (world.house_a.lon, world.house_a.lat)
    assert case.ss_grid_code == world.household_a.ss_grid_code
    # nothing of the household's personal data beyond what the worker typed
    for secret in (world.elder.name, world.elder_id, world.elder_phone, world.house_a.address):
        assert secret not in (case.description or "") and secret not in (case.address or "")
    subjects = {s["kind"]: s for s in reg.case_subjects(db, world.admin, case.id)}
    assert subjects["place"]["subject_id"] == world.house_a.id
    assert (subjects["resident"]["subject_id"], subjects["resident"]["role"]) == (world.elder.id, "party")
    assert [v.case_id for v in reg.list_visits(db, world.worker_a) if v.id == visit.id] == [case.id]

    # a plain visit with a class, an unknown class, another grid, an admin: refused, nothing written
    before = db.scalar(select(func.count()).select_from(RegistryVisit))
    cases_before = db.scalar(select(func.count()).select_from(Case))
    with pytest.raises(Invalid, match="service request"):
        reg.record_visit(p, db, world.worker_a, world.household_a.id, "visit", "看望", None, "SS0202")
    with pytest.raises(Invalid, match="no case class 'XX9999'"):
        reg.record_visit(
            p, db, world.worker_a, world.household_a.id, "service_request", "诉求", None, "XX9999"
        )
    with pytest.raises(Forbidden):
        reg.record_visit(
            p, db, world.worker_b, world.household_a.id, "service_request", "诉求", None, "SS0202"
        )
    with pytest.raises(Forbidden, match="grid worker"):
        reg.record_visit(p, db, world.admin, world.household_a.id, "service_request", "诉求", None, "SS0202")
    assert db.scalar(select(func.count()).select_from(RegistryVisit)) == before
    assert db.scalar(select(func.count()).select_from(Case)) == cases_before


def test_an_earlier_service_request_becomes_a_case_once(world: World) -> None:
    p, db = world.platform, world.db
    request = reg.record_visit(p, db, world.worker_a, world.household_a.id, "service_request", "楼道灯坏了")
    plain = reg.record_visit(p, db, world.worker_a, world.household_a.id, "visit", "看望")
    assert request.case_id is None
    with pytest.raises(Forbidden):
        reg.request_case(p, db, world.worker_b, request.id, "SS0205")
    with pytest.raises(Invalid, match="not a service request"):
        reg.request_case(p, db, world.worker_a, plain.id, "SS0205")
    with pytest.raises(Invalid, match="no case class"):
        reg.request_case(p, db, world.worker_a, request.id, "nope")
    with pytest.raises(NotFound):
        reg.request_case(p, db, world.worker_a, 2**31 - 1, "SS0205")
    db.expire_all()
    assert db.get(RegistryVisit, request.id).case_id is None  # the refusals left no trace

    visit, case = reg.request_case(p, db, world.worker_a, request.id, "SS0205")
    assert visit.case_id == case.id and case.reporter_id == world.worker_a.id
    assert cases.get_case(db, world.admin, case.id).description == "楼道灯坏了"
    subjects = reg.case_subjects(db, world.admin, case.id)
    assert [(s["kind"], s["subject_id"]) for s in subjects] == [("place", world.house_a.id)]
    with pytest.raises(Conflict, match="already"):
        reg.request_case(p, db, world.worker_a, request.id, "SS0205")


def test_access_log_page_filters_by_user_resident_and_days(world: World) -> None:
    p, db = world.platform, world.db
    reg.read_resident(p, db, world.admin, world.elder.id, unmask=True, reason="核对户籍信息")
    reg.read_resident(p, db, world.worker_a, world.elder.id, unmask=True, reason="电话回访")
    reg.read_resident(p, db, world.admin, world.neighbour.id, unmask=True, reason="核对邻居")
    today = p.now().astimezone(p.calendar(db).tz).date()
    mine = reg.AccessLogFilter(user=world.admin.username)
    rows, total = reg.access_log_page(p, db, world.admin, mine)
    assert [r["reason"] for r in rows] == ["核对邻居", "核对户籍信息"] and total == 2  # newest first
    assert rows[1]["record_name"] == world.elder.name[0] + "*" * (len(world.elder.name) - 1)
    elder = reg.AccessLogFilter(resident_id=world.elder.id, since=today, until=today)
    rows, total = reg.access_log_page(p, db, world.admin, elder)
    assert {r["username"] for r in rows} == {world.admin.username, world.worker_a.username} and total == 2
    first, _ = reg.access_log_page(p, db, world.admin, elder, limit=1)
    second, _ = reg.access_log_page(p, db, world.admin, elder, limit=1, offset=1)
    assert [r["id"] for r in first + second] == [r["id"] for r in rows]
    tomorrow = reg.AccessLogFilter(resident_id=world.elder.id, since=today + timedelta(days=1))
    assert reg.access_log_page(p, db, world.admin, tomorrow) == ([], 0)
    with pytest.raises(Invalid, match="after it ends"):
        reg.access_log_page(
            p, db, world.admin, reg.AccessLogFilter(since=today, until=today - timedelta(days=1))
        )
    with pytest.raises(Forbidden):
        reg.access_log_page(p, db, world.leader, elder)
