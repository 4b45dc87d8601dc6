"""Class tables, per-class settings, departments and overrides (gridcity.domain.taxonomy)."""

from __future__ import annotations

import json

import pytest

from gridcity.domain.durations import Duration, TimeUnit
from gridcity.domain.errors import Invalid, NotFound
from gridcity.domain.taxonomy import (
    BEIJING_STANDARD,
    NATIONAL_STANDARD,
    PUBLIC_SECURITY_STANDARD,
    REQUIRED_STAGES,
    SOCIAL_SERVICE_STANDARD,
    Catalogue,
    ClassKind,
    Stage,
    apply_patch,
    class_from_dict,
    default_texts,
    dump_class,
    load_catalogue,
    load_default_catalogue,
    load_departments,
    parse_class_table,
)

DISTRICT = "110101"  # 东城区
STREET = "110101001"  # 东华门街道
NAMES = {"110101": "东城区", "110101001": "东华门街道", "110105": "朝阳区", "110105001": "建外街道"}


def d(text: str) -> Duration:
    return Duration.parse(text)


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_default_catalogue()


@pytest.fixture(scope="module")
def texts() -> dict[str, tuple[str, str]]:
    return default_texts()


def load_with(texts: dict[str, tuple[str, str]], *overrides: tuple[str, str]) -> Catalogue:
    return load_catalogue(
        texts["national"],
        texts["beijing"],
        texts["defaults"],
        *overrides,
        departments_toml_text=texts["departments"],
        class_csv_texts=(texts["social_service"], texts["public_security"]),
    )


# -- class tables ------------------------------------------------------------------------------------


def test_all_national_rows_load_under_their_standard(cat: Catalogue, texts) -> None:
    rows = parse_class_table(texts["national"][1], "national.csv")
    assert len(rows) == 403
    assert sum(r.kind == ClassKind.COMPONENT for r in rows) == 153
    assert sum(r.kind == ClassKind.EVENT for r in rows) == 250
    for row in rows:
        cls = cat.get(NATIONAL_STANDARD, row.code, row.kind)
        assert cls.standard == NATIONAL_STANDARD
        assert (cls.name, cls.major_name, cls.minor_code) == (row.name, row.major_name, row.minor_code)
        assert len(cls.code) == 5 and cls.code == cls.major_code + cls.minor_code
    assert len(cat.select(standard=NATIONAL_STANDARD)) == 403


def test_standards_coexist_and_codes_of_both_generations_resolve(cat: Catalogue) -> None:
    assert set(cat.standards) == {
        NATIONAL_STANDARD,
        BEIJING_STANDARD,
        SOCIAL_SERVICE_STANDARD,
        PUBLIC_SECURITY_STANDARD,
    }
    old = cat.find("0102", kind="event")  # 4-digit Beijing code
    new = cat.find("06010")  # 5-digit national code, only a matter has it
    assert (old.standard, old.name) == (BEIJING_STANDARD, "暴露垃圾")
    assert (new.standard, new.name) == (NATIONAL_STANDARD, "暴露垃圾")
    assert cat.get(BEIJING_STANDARD, "0101", "component").name == "上水井盖"
    assert cat.get(BEIJING_STANDARD, "0101", "event").name == "私搭乱建"
    assert cat.get(NATIONAL_STANDARD, "01001", "部件").name == "供水井盖"
    assert cat.get(NATIONAL_STANDARD, "01001", "管理事项").name == "供水井盖异常"
    assert cat.by_ref(new.ref) is new
    assert cat.find("SS0202").network == "social_service"
    assert cat.find("PS0402").network == "public_security"


def test_ambiguous_and_missing_codes(cat: Catalogue) -> None:
    with pytest.raises(Invalid, match="ambiguous"):
        cat.find("01001")  # national component and matter share it
    with pytest.raises(Invalid, match="ambiguous"):
        cat.get(BEIJING_STANDARD, "0102")
    with pytest.raises(NotFound):
        cat.find("99999")
    with pytest.raises(NotFound):
        cat.get(NATIONAL_STANDARD, "06010", "component")
    with pytest.raises(Invalid):
        cat.find("06010", kind="thing")


def test_beijing_tree_has_its_major_classes(cat: Catalogue) -> None:
    components = {c.major_code: c.major_name for c in cat.select(BEIJING_STANDARD, "component")}
    events = {c.major_code: c.major_name for c in cat.select(BEIJING_STANDARD, "event")}
    assert components == {
        "01": "公用设施",
        "02": "道路交通",
        "03": "市容环境",
        "04": "园林绿化",
        "05": "房屋土地",
        "06": "其他设施",
    }
    assert [events[k] for k in ("01", "02", "03", "04", "05", "06")] == [
        "市容环境",
        "宣传广告",
        "施工管理",
        "突发事件",
        "街面秩序",
        "其他事件",
    ]
    assert "07" in events  # the local extension class
    assert all(len(c.code) == 4 for c in cat.select(BEIJING_STANDARD))


# -- completeness -------------------------------------------------------------------------------------


def test_every_class_has_every_limit_and_a_concrete_owner(cat: Catalogue) -> None:
    for cls in cat:
        assert set(cls.limits) == set(REQUIRED_STAGES), cls.ref  # rework: half the disposal limit
        assert cls.default_urgency in cls.urgency_levels
        assert cls.network in ("city_management", "social_service", "public_security")
        for urgency in cls.urgency_levels:
            for rural in (False, True):
                assert all(cls.limit(s, urgency, rural).amount > 0 for s in Stage)
        owner = cat.owner_for(cls, DISTRICT, STREET)
        dept = cat.department(owner, NAMES)
        assert not dept.template and "{" not in dept.code and "{" not in dept.name, cls.ref
        for code in cat.cooperating_for(cls, DISTRICT, STREET):
            assert not cat.department(code).template


def test_networks_of_the_further_trees(cat: Catalogue) -> None:
    assert {c.network for c in cat.select(SOCIAL_SERVICE_STANDARD)} == {"social_service"}
    assert {c.network for c in cat.select(PUBLIC_SECURITY_STANDARD)} == {"public_security"}
    assert not any(c.public for c in cat.select(PUBLIC_SECURITY_STANDARD))
    assert not any(c.public for c in cat.select(NATIONAL_STANDARD, "component"))
    assert all(c.public for c in cat.select(NATIONAL_STANDARD, "event"))


# -- the defaults of the domain document --------------------------------------------------------------


def test_stage_defaults(cat: Catalogue) -> None:
    cls = cat.find("06010")
    # a clock per post, the design's defaults (docs/domain/clocks.md)
    assert cat.limit(cls, Stage.ACCEPT) == d("10 minutes")
    assert cat.limit(cls, Stage.VERIFY) == d("30 minutes")
    assert cat.limit(cls, "file") == d("15 minutes")
    assert cat.limit(cls, "dispatch") == d("15 minutes")
    assert cat.limit(cls, "dispatch", "urgent") == d("5 minutes")
    assert cat.limit(cls, "file", "urgent") == d("15 minutes")  # filing has no urgent limit of its own
    assert cat.limit(cls, "check") == d("1 hours")
    assert cat.limit(cls, "close") == d("30 minutes")
    assert cat.limit(cls, "decide") == d("1 work_hours")
    # 06010 暴露垃圾 is disposed of in 4 working hours: rework (返工时限) gets half of it
    assert cat.limit(cls, "dispose") == d("4 work_hours")
    assert cat.limit(cls, "rework") == d("2 work_hours")
    assert cat.limit(cls, "check", area_rural=True) == d("2 hours")
    with pytest.raises(Invalid, match="urgency"):
        cat.limit(cls, "dispose", "critical")
    with pytest.raises(Invalid, match="stage"):
        cat.limit(cls, "disposal")


@pytest.mark.parametrize(
    ("standard", "kind", "code"),
    [
        (NATIONAL_STANDARD, "event", "01002"),
        (NATIONAL_STANDARD, "component", "01001"),
        (BEIJING_STANDARD, "component", "0101"),
    ],
)
def test_missing_manhole_cover_is_urgent_two_calendar_hours(cat: Catalogue, standard, kind, code) -> None:
    cls = cat.get(standard, code, kind)
    urgent = cat.limit(cls, "dispose", "urgent")
    assert urgent == Duration(120, TimeUnit.MINUTES)
    assert cat.limit(cls, "dispose") == d("8 work_hours")
    assert "丢失" in cls.filing_criteria


@pytest.mark.parametrize(
    ("code", "kind", "dispose"),
    [
        ("06010", None, "4 work_hours"),  # 暴露垃圾
        ("0102", "event", "4 work_hours"),
        ("06012", None, "2 work_hours"),  # 道路不洁
        ("0104", "event", "2 work_hours"),
        ("06001", None, "20 work_days"),  # 私搭乱建: demolition
        ("0101", "event", "20 work_days"),
    ],
)
def test_dispose_limits_of_known_classes(cat: Catalogue, code, kind, dispose) -> None:
    assert cat.limit(cat.find(code, kind=kind), "dispose") == d(dispose)


def test_illegal_construction_stop_is_urgent(cat: Catalogue) -> None:
    for cls in (cat.find("06001"), cat.find("0101", kind="event"), cat.find("08016")):
        assert cat.limit(cls, "dispose", "urgent") == d("4 work_hours")


@pytest.mark.parametrize(
    ("standard", "kind", "code", "owner"),
    [
        (NATIONAL_STANDARD, "event", "01001", "BJ-ZLS"),  # 供水井盖异常
        (NATIONAL_STANDARD, "component", "01001", "BJ-ZLS"),  # 供水井盖
        (NATIONAL_STANDARD, "event", "01002", "BJ-PS"),  # 污水井盖异常
        (NATIONAL_STANDARD, "event", "01003", "BJ-PS"),  # 雨水井盖异常
        (NATIONAL_STANDARD, "event", "01011", "BJ-RQ"),  # 燃气井盖异常
        (NATIONAL_STANDARD, "event", "01037", "BJ-CGW-ZM"),  # 路灯异常
        (NATIONAL_STANDARD, "event", "06010", "110101001-HW"),  # 暴露垃圾
        (NATIONAL_STANDARD, "event", "07001", "110101001-CGZF"),  # 非法小广告
        (NATIONAL_STANDARD, "event", "09006", "110101001-CGZF"),  # 占道经营
        (NATIONAL_STANDARD, "event", "08016", "110101-GHFJ"),  # 无证建设
        (BEIJING_STANDARD, "component", "0101", "BJ-ZLS"),  # 上水井盖
        (BEIJING_STANDARD, "component", "0102", "BJ-PS"),  # 污水井盖
        (BEIJING_STANDARD, "component", "0118", "BJ-CGW-ZM"),  # 路灯
        (BEIJING_STANDARD, "event", "0102", "110101001-HW"),  # 暴露垃圾
    ],
)
def test_owners_of_known_classes(cat: Catalogue, standard, kind, code, owner) -> None:
    assert cat.owner_for(cat.get(standard, code, kind), DISTRICT, STREET) == owner


def test_department_names(cat: Catalogue) -> None:
    assert cat.department("BJ-SW").name == "北京市水务局"
    assert cat.department("110101-CGZF", NAMES).name == "东城区城市管理综合行政执法局"
    assert cat.department("110101001-PCS", NAMES).name == "北京市公安局东城分局东华门派出所"
    assert cat.department("110101001-HW").territory == STREET
    with pytest.raises(NotFound):
        cat.department("110101-NOPE")


def test_departments_for_territory(cat: Catalogue) -> None:
    city = [x for x in cat.departments.values() if not x.template]
    per_district = sum(x.template and x.tier == "district" for x in cat.departments.values())
    per_street = sum(x.template and x.tier == "street" for x in cat.departments.values())
    units = cat.departments_for_territory(
        {"110101": "东城区", "110105": "朝阳区"}, {"110101001": "东华门街道", "110105001": "建外街道"}
    )
    assert len(units) == len(city) + 2 * per_district + 2 * per_street
    codes = {u.code: u for u in units}
    assert codes["110105-CGW"].name == "朝阳区城市管理委员会"
    assert codes["110105001-HW"].name == "建外街道环卫所"
    assert not any(u.template for u in units)
    assert len(cat.departments_for_territory(["110101"], include_city=False)) == per_district
    with pytest.raises(Invalid):
        cat.departments_for_territory(["1101"])


def test_owner_needs_a_consistent_location(cat: Catalogue) -> None:
    cls = cat.find("06010")
    with pytest.raises(Invalid, match="street"):
        cat.owner_for(cls, DISTRICT)  # a street template needs the street
    with pytest.raises(Invalid):
        cat.owner_for(cls, "110105", STREET)  # street not in the district
    assert cat.owner_for(cls, street_code=STREET) == "110101001-HW"


# -- overrides ----------------------------------------------------------------------------------------

CITY_OVERRIDE = """
[[class]]
standard = "GB/T 47678.5-2026"
kind = "event"
code = "06010"
limits = { dispose = "3 work_hours" }
owner_by_area = { "110105" = "{district}-HW", "110105001" = "{street}-CSGL" }

[[major]]
standard = "GB/T 47678.5-2026"
major_code = "06"
limits = { dispose = "2 work_days" }
major_name = "市容环境"

[[local_class]]
standard = "GB/T 47678.5-2026"
kind = "event"
major_code = "10"
major_name = "其他事项类"
minor_code = "901"
code = "10901"
name = "共享充电宝柜破损"
owner_department = "{district}-SCJG"
limits = { dispose = "2 work_days" }

[[department]]
code = "BJ-CDB"
name = "共享充电运营企业联络组"
tier = "city"
kind = "enterprise"
networks = ["city_management"]
"""


def test_override_changes_a_limit_and_an_owner_for_one_district(texts) -> None:
    cat = load_with(texts, ("city.toml", CITY_OVERRIDE))
    cls = cat.find("06010")
    assert cat.limit(cls, "dispose") == d("3 work_hours")
    assert cat.owner_for(cls, DISTRICT, STREET) == "110101001-HW"  # other districts unchanged
    assert cat.owner_for(cls, "110105", "110105002") == "110105-HW"  # the district entry
    assert cat.owner_for(cls, "110105", "110105001") == "110105001-CSGL"  # the street entry wins
    # a major-level override never beats a class-level default; it does reach the rest of the major
    assert cat.limit(cat.find("06012"), "dispose") == d("2 work_hours")
    assert cat.limit(cat.find("06002"), "dispose") == d("2 work_days")
    assert cat.find("06002").major_name == "市容环境"
    local = cat.find("10901")
    assert (local.name, cat.owner_for(local, DISTRICT, STREET)) == ("共享充电宝柜破损", "110101-SCJG")
    assert local.source == "local (city.toml)"
    assert "BJ-CDB" in cat.departments
    # the default catalogue is untouched
    assert load_default_catalogue().limit(load_default_catalogue().find("06010"), "dispose") == d(
        "4 work_hours"
    )


def test_later_files_win_at_the_same_level(texts) -> None:
    first = (
        '[[class]]\nstandard = "GB/T 47678.5-2026"\ncode = "06010"\nlimits = { dispose = "1 work_hours" }\n'
    )
    second = (
        '[[class]]\nstandard = "GB/T 47678.5-2026"\ncode = "06010"\nlimits = { dispose = "5 work_hours" }\n'
    )
    cat = load_with(texts, ("a.toml", first), ("b.toml", second))
    assert cat.limit(cat.find("06010"), "dispose") == d("5 work_hours")


def test_global_defaults_can_be_overridden(texts) -> None:
    cat = load_with(
        texts,
        (
            "city.toml",
            '[defaults]\nlimits = { verify = "20 minutes" }\nrural_limits = { check = "3 hours" }\n',
        ),
    )
    cls = cat.find("0102", kind="event")
    assert cat.limit(cls, "verify") == d("20 minutes")
    assert cat.limit(cls, "check", area_rural=True) == d("3 hours")


CLASS = '[[class]]\nstandard = "GB/T 47678.5-2026"\nkind = "event"\ncode = "06010"\n'


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (CLASS + 'limits = { disposal = "1 work_days" }', "class[0].limits.disposal"),
        (CLASS + 'limits = { dispose = "4 fortnights" }', "class[0].limits.dispose"),
        (CLASS + 'limits = { dispose = "0 minutes" }', "class[0].limits.dispose"),
        (CLASS + 'limits = { check = "" }', "class[0].limits.check"),
        (CLASS + "urgent_limits = { dispose = 4 }", "class[0].urgent_limits.dispose"),
        (CLASS + 'owner_department = "BJ-NOPE"', "class[0].owner_department"),
        (CLASS + 'owner_department = "{district}-NOPE"', "class[0].owner_department"),
        (CLASS + 'owner_by_area = { "110105" = "BJ-NOPE" }', "class[0].owner_by_area.110105"),
        (CLASS + 'owner_by_area = { "1101" = "BJ-SW" }', "class[0].owner_by_area.1101"),
        (CLASS + 'cooperating = ["BJ-SW", "BJ-NOPE"]', "class[0].cooperating[1]"),
        (CLASS + 'network = "traffic"', "class[0].network"),
        (CLASS + "public = 1", "class[0].public"),
        (CLASS + 'dispose_limit = "4 work_hours"', "class[0].dispose_limit"),
        (CLASS + 'default_urgency = "critical"', "class[0].default_urgency"),
        ('[[class]]\nstandard = "GB/T 47678.5-2026"\ncode = "06999"\npublic = true', "class[0].code"),
        ('[[class]]\nstandard = "GB/T 47678.5-2026"\nkind = "component"\ncode = "06010"', "class[0].code"),
        ('[[class]]\nstandard = "GB/T 47678.5-2026"\npublic = true', "class[0].code"),
        (
            '[[major]]\nstandard = "GB/T 47678.5-2026"\nmajor_code = "66"\npublic = true',
            "major[0].major_code",
        ),
        ('[[standard]]\nstandard = "GB/T 99999-2030"\npublic = true', "standard[0].standard"),
        (
            '[[local_class]]\nstandard = "GB/T 47678.5-2026"\nkind = "event"\nmajor_code = "06"\n'
            'major_name = "市容环境类"\nminor_code = "010"\nname = "重复"',
            "local_class[0].code",
        ),
        ("[limits]\ndispose = 3", "limits"),
        ("[[class]\nbroken", "city.toml"),
        (
            '[[department]]\ncode = "{district}-X"\nname = "X"\ntier = "city"\nkind = "bureau"\n'
            'networks = ["city_management"]',
            "department[0].code",
        ),
    ],
)
def test_bad_override_files_name_the_key(texts, text, key) -> None:
    with pytest.raises(Invalid) as err:
        load_with(texts, ("city.toml", text))
    assert "city.toml" in err.value.message
    assert key in err.value.message


def test_bad_class_tables(texts) -> None:
    header = "standard,kind,major_code,major_name,minor_code,code,name\n"
    with pytest.raises(Invalid, match="major_code"):
        parse_class_table(header + "X,event,01,A,02,0103,B\n", "x.csv")
    with pytest.raises(Invalid, match="kind"):
        parse_class_table(header + "X,thing,01,A,02,0102,B\n", "x.csv")
    with pytest.raises(Invalid, match="column"):
        parse_class_table("standard,kind\nX,event\n", "x.csv")
    with pytest.raises(Invalid, match="twice"):
        load_catalogue(texts["national"], texts["national"], texts["defaults"])


def test_departments_file_is_valid_and_documented(texts) -> None:
    depts = load_departments(texts["departments"][1])
    assert depts["BJ-SW"].tier == "city" and depts["BJ-SW"].kind == "bureau"
    assert depts["BJ-PS"].kind == "enterprise"
    assert depts["{district}-CGZF"].template and depts["{district}-CGZF"].tier == "district"
    assert depts["{street}-HW"].template and depts["{street}-HW"].tier == "street"
    assert {n for x in depts.values() for n in x.networks} == {
        "city_management",
        "social_service",
        "public_security",
    }


# -- API edits ----------------------------------------------------------------------------------------


def test_dump_is_json_and_round_trips(cat: Catalogue) -> None:
    for cls in (cat.find("06010"), cat.find("0101", kind="component"), cat.find("PS0101")):
        dumped = dump_class(cls)
        assert json.loads(json.dumps(dumped, ensure_ascii=False)) == dumped
        assert apply_patch(cls, dumped) == cls
        assert cat.apply_patch(cls, dumped) == cls


def test_class_from_dict_restores_a_dump(cat: Catalogue) -> None:
    cls = cat.find("06001")
    dumped = json.loads(json.dumps(dump_class(cls)))
    assert class_from_dict(dumped, departments=cat.departments) == cls
    assert cat.find("06001", NATIONAL_STANDARD) is cls  # standard as the second argument
    with pytest.raises(Invalid, match=r"class\.limits"):
        class_from_dict({**dumped, "limits": {"dispose": "4 work_hours"}})
    with pytest.raises(Invalid, match=r"class\.owner_department"):
        class_from_dict({**dumped, "owner_department": "BJ-NOPE"}, departments=cat.departments)


def test_apply_patch_changes_and_validates(cat: Catalogue) -> None:
    cls = cat.find("06010")
    changed = cat.apply_patch(
        cls,
        {
            "limits": {"dispose": "6 work_hours"},
            "owner_by_area": {"110105": "{district}-CGZF"},
            "urgent_limits": {"dispatch": ""},
            "urgency_levels": ["low", "normal", "urgent", "critical"],
        },
    )
    assert changed.limit("dispose") == d("6 work_hours")
    assert changed.limit("verify") == d("30 minutes")  # other stages kept
    assert changed.limit("dispatch", "critical") == d("15 minutes")  # urgent dispatch removed
    assert changed.limit("rework") == d("3 work_hours")  # half the new disposal limit
    assert changed.limit("dispose", "low") == d("6 work_hours")
    assert cat.owner_for(changed, "110105", "110105001") == "110105-CGZF"
    assert cls.limit("dispose") == d("4 work_hours")  # the original is unchanged
    new_cat = cat.with_class(changed)
    assert new_cat.find("06010") == changed and len(new_cat) == len(cat)
    assert cat.find("06010") is cls
    with pytest.raises(Invalid, match=r"patch\.limits\.dispose"):
        cat.apply_patch(cls, {"limits": {"dispose": "soon"}})
    with pytest.raises(Invalid, match=r"patch\.owner_department"):
        cat.apply_patch(cls, {"owner_department": "BJ-NOPE"})
    with pytest.raises(Invalid, match=r"patch\.code"):
        cat.apply_patch(cls, {"code": "06011"})
    with pytest.raises(Invalid, match=r"patch\.default_urgency"):
        cat.apply_patch(cls, {"default_urgency": "rush"})
    with pytest.raises(Invalid, match=r"patch\.colour"):
        apply_patch(cls, {"colour": "red"})
