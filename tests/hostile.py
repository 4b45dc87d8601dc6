"""Hostile strings in every field a person can type, for the output-safety tests
(tests/web/test_hostile_strings.py over the server's HTML and the exports, and
tests/browser/test_hostile_strings.py in a real browser).

`plant` writes them through the services, as the forms and the API do: a citizen's and a
supervisor's reports (description, address), the notes of the workflow's actions, a class renamed
by the city's admin, a department renamed, a user's display name, the registry's places,
organisations, residents and visits. Street and community names arrive only through the
`gridcity territory` imports of files the operator chose; they are written straight into the
territory here. Webhook and integration names cannot carry any of this (a strict pattern): the
test checks that they are refused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select, update

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case, OrgUnit, User
from gridcity.domain.principal import Principal
from gridcity.services import cases, classes, departments, users
from gridcity.services.platform import Platform
from gridcity.services.registry import records as reg

# What an attacker types. Each runs script (or shows a live formula) if a page or a spreadsheet
# takes it as markup: an element with an event handler, a script block, a script-closing tag
# inside a script block, a javascript: URL, a template expression, a spreadsheet formula.
MARKUP = '"><img src=x onerror=alert(1)>{{7*7}}</script><script>alert(2)</script>'
FORMULA = '=HYPERLINK("http://evil","x")'
HOSTILE = MARKUP + "javascript:alert(3)"
# the same, as the server must write it into HTML (Jinja's escaping)
ESCAPED = (
    "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;{{7*7}}&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
)
# formula-leading descriptions every spreadsheet export must neutralise (OWASP, and the full-width
# forms Chinese input methods type)
FORMULAS = (FORMULA, "+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "＝1+1", "＋1", "－2", "＠SUM(A1)")

DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道, 东城区
CLASS = {"class_code": "06010", "standard": "GB/T 47678.5-2026", "kind": "event"}  # 暴露垃圾
PASSWORD = "secret-pw"


@dataclass
class Planted:
    """What `plant` made: the people (username → role) and the rows that carry hostile strings."""

    people: dict[str, Principal] = field(default_factory=dict)
    reported: int = 0  # a citizen's report, still reported (the operator's queue, the portal)
    disposing: int = 0  # a supervisor's report, filed, dispatched and accepted (every stage's note)
    formula_cases: list[int] = field(default_factory=list)  # one per FORMULAS, by the citizen
    department: str = ""  # the code of the renamed department
    class_ref: str = ""


def _person(db, role: str, unit: str, display_name: str | None = None) -> Principal:  # type: ignore[no-untyped-def]
    name = f"hostile-{role}-{uuid.uuid4().hex[:6]}"
    return users.principal_of(
        users.add_user(db, name, PASSWORD, role, unit, display_name=display_name, policy=None)
    )


def plant(platform: Platform) -> Planted:
    out = Planted()
    with platform.sessions() as db:
        admin = _person(db, "admin", "110000")
        people = {
            "admin": admin,
            "citizen": _person(db, "citizen", "110000", display_name=HOSTILE),
            "supervisor": _person(db, "supervisor", "110101", display_name=HOSTILE),
            "operator": _person(db, "operator", "110101"),
            "shift_leader": _person(db, "shift_leader", "110101"),
            "dispatcher": _person(db, "dispatcher", "110101"),
            "leader": _person(db, "leader", "110000"),
            "grid_worker": _person(db, "grid_worker", "110101001"),
            "police": _person(db, "police", "110101001"),
        }
        # the admin renames the class, a user: whatever is reported from now on carries the name
        classes.patch_class(platform, db, admin, CLASS["class_code"], CLASS["standard"], {"name": HOSTILE})
        out.class_ref = f"{CLASS['standard']}:{CLASS['kind']}:{CLASS['class_code']}"
        users.change_user(db, admin, people["operator"].id, display_name=HOSTILE)

        def report(who: Principal, description: str, address: str | None = HOSTILE) -> Case:
            case, _ = cases.report_case(
                platform,
                db,
                who,
                cases.Report(
                    lon=DONGHUAMEN[0], lat=DONGHUAMEN[1], description=description, address=address, **CLASS
                ),
            )
            return case

        out.reported = report(people["citizen"], FORMULA + HOSTILE).id
        out.formula_cases = [report(people["citizen"], text, address=text).id for text in FORMULAS]

        case = report(people["supervisor"], HOSTILE)
        version = case.version

        def act(who: Principal, action: str, **fields: object) -> None:
            nonlocal version
            request = cases.ActionRequest(action, version, HOSTILE, fields)
            version = cases.transition(platform, db, who, case.id, request).version

        act(people["shift_leader"], "file")
        act(people["dispatcher"], "dispatch")
        unit = db.get(OrgUnit, db.get(Case, case.id).department_id)  # type: ignore[union-attr]
        assert unit is not None
        departments.rename_department(platform, db, admin, unit.id, HOSTILE)
        out.department = unit.code
        people["handler"] = _person(db, "handler", unit.code, display_name=HOSTILE)
        act(people["handler"], "accept")
        out.disposing = case.id

        # street and community names (the territory imports of the operator's files)
        where = reg.locate(platform, db, *DONGHUAMEN)
        with unit_of_work(db):
            for code in (where.street_code, where.community_code):
                db.execute(update(OrgUnit).where(OrgUnit.code == code).values(name=HOSTILE))
        platform.invalidate()

        # the registry: a place, its household and resident, an organisation, a visit
        reg.assign_grid(platform, db, admin, people["grid_worker"].username, where.ss_grid_code or "")
        reg.assign_grid(platform, db, admin, people["police"].username, where.ps_grid_code or "")
        house = reg.create_place(platform, db, admin, reg.PlaceInput("house", HOSTILE, HOSTILE, *DONGHUAMEN))
        household = reg.create_household(platform, db, admin, house.id, "1")
        resident = reg.add_resident(
            platform,
            db,
            admin,
            reg.ResidentInput(household.id, HOSTILE[:40], tags=["key_person", "elderly_alone"]),
        )
        reg.add_resident(platform, db, admin, reg.ResidentInput(household.id, "@SUM(A1)"))
        reg.create_organisation(
            platform,
            db,
            admin,
            reg.OrganisationInput("company", HOSTILE, lon=DONGHUAMEN[0], lat=DONGHUAMEN[1]),
        )
        reg.record_visit(
            platform, db, people["grid_worker"], household.id, note=HOSTILE, resident_id=resident.id
        )
        db.expire_all()
        assert db.scalar(select(User.display_name).where(User.id == people["operator"].id)) == HOSTILE
    out.people = people
    return out
