"""The social base data of the grids (人地事物组织): the vocabularies, the checks of identity
numbers, and the rules of who sees which personal field in clear.

"人进户、户进房、房进格、格进图": a resident belongs to a household, a household lives in a house (a
place), a place lies in a unit grid and the social-service and public-security grids over it.

Personal data is kept to what the work needs. The identity number and the phone of a resident are
stored encrypted and shown masked (110101********1234, 138****5678) unless the reader's role needs
them in clear (`may_unmask`); every read in clear names its reason and is logged by the services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.domain.workflow import Role


class _Labelled(StrEnum):
    """An enum whose members carry a Chinese and an English label."""

    @property
    def label_zh(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]


class PlaceKind(_Labelled):
    BUILDING = "building"  # 楼栋
    HOUSE = "house"  # 房屋 (a dwelling: a flat in a building or a courtyard house)
    SHOP = "shop"  # 商铺
    OTHER = "other"


class OrganisationKind(_Labelled):
    COMPANY = "company"
    SCHOOL = "school"
    HOSPITAL = "hospital"
    SOCIAL_ORG = "social_org"
    GOVERNMENT = "government"
    OTHER = "other"


class ThingKind(_Labelled):
    KEY_FACILITY = "key_facility"  # 重点设施
    HAZARD = "hazard"  # 危险源 / 隐患


class RiskLevel(_Labelled):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    MAJOR = "major"


class Relationship(_Labelled):
    """A resident's relationship to the head of the household (与户主关系)."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    GRANDCHILD = "grandchild"
    SIBLING = "sibling"
    OTHER = "other"


class Gender(_Labelled):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class TagNetwork(StrEnum):
    """Which network works with a tag: social service (grid workers) or public security (police)."""

    SOCIAL_SERVICE = "social_service"
    PUBLIC_SECURITY = "public_security"


class ResidentTag(_Labelled):
    ELDERLY_ALONE = "elderly_alone"
    EMPTY_NEST = "empty_nest"
    DISABILITY = "disability"
    LOW_INCOME = "low_income"
    LEFT_BEHIND_CHILD = "left_behind_child"
    VETERAN = "veteran"
    KEY_PERSON = "key_person"
    COMMUNITY_CORRECTION = "community_correction"
    RELEASED_PRISONER = "released_prisoner"

    @property
    def network(self) -> TagNetwork:
        return TagNetwork.PUBLIC_SECURITY if self in SECURITY_TAGS else TagNetwork.SOCIAL_SERVICE


# The tags of the public-security network (治安重点人员): known to the police and the admins only.
SECURITY_TAGS = frozenset(
    {ResidentTag.KEY_PERSON, ResidentTag.COMMUNITY_CORRECTION, ResidentTag.RELEASED_PRISONER}
)


class VisitKind(_Labelled):
    VISIT = "visit"  # 走访
    SERVICE_REQUEST = "service_request"  # 服务诉求


class SubjectKind(_Labelled):
    """What a case may reference (案件关联的人、地、物、组织)."""

    PLACE = "place"
    ORGANISATION = "organisation"
    RESIDENT = "resident"
    THING = "thing"


class SubjectRole(_Labelled):
    INVOLVED = "involved"  # 涉及
    PARTY = "party"  # 当事人
    VICTIM = "victim"
    RESPONSIBLE = "responsible"


class StaffLayer(_Labelled):
    """The grid layer a grid staff member is assigned to (网格员 / 治安网格员 / 监督员)."""

    CITY_MANAGEMENT = "city_management"
    SOCIAL_SERVICE = "social_service"
    PUBLIC_SECURITY = "public_security"


class PersonalField(_Labelled):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    NAME = "name"  # a case's callback contact (services.case_contact); a resident's name is not masked


_LABELS: dict[StrEnum, tuple[str, str]] = {
    PlaceKind.BUILDING: ("楼栋", "building"),
    PlaceKind.HOUSE: ("房屋", "house"),
    PlaceKind.SHOP: ("商铺", "shop"),
    PlaceKind.OTHER: ("其他场所", "other place"),
    OrganisationKind.COMPANY: ("企业", "company"),
    OrganisationKind.SCHOOL: ("学校", "school"),
    OrganisationKind.HOSPITAL: ("医院", "hospital"),
    OrganisationKind.SOCIAL_ORG: ("社会组织", "social organisation"),
    OrganisationKind.GOVERNMENT: ("机关单位", "government body"),
    OrganisationKind.OTHER: ("其他组织", "other organisation"),
    ThingKind.KEY_FACILITY: ("重点设施", "key facility"),
    ThingKind.HAZARD: ("危险源", "hazard"),
    RiskLevel.LOW: ("低", "low"),
    RiskLevel.MEDIUM: ("中", "medium"),
    RiskLevel.HIGH: ("高", "high"),
    RiskLevel.MAJOR: ("重大", "major"),
    Relationship.HEAD: ("户主", "head"),
    Relationship.SPOUSE: ("配偶", "spouse"),
    Relationship.CHILD: ("子女", "child"),
    Relationship.PARENT: ("父母", "parent"),
    Relationship.GRANDCHILD: ("孙辈", "grandchild"),
    Relationship.SIBLING: ("兄弟姐妹", "sibling"),
    Relationship.OTHER: ("其他", "other"),
    Gender.MALE: ("男", "male"),
    Gender.FEMALE: ("女", "female"),
    Gender.UNKNOWN: ("未知", "unknown"),
    ResidentTag.ELDERLY_ALONE: ("独居老人", "elderly living alone"),
    ResidentTag.EMPTY_NEST: ("空巢老人", "empty-nest elderly"),
    ResidentTag.DISABILITY: ("残疾人", "person with disability"),
    ResidentTag.LOW_INCOME: ("低保户", "minimum-living-allowance household"),
    ResidentTag.LEFT_BEHIND_CHILD: ("留守儿童", "left-behind child"),
    ResidentTag.VETERAN: ("退役军人", "veteran"),
    ResidentTag.KEY_PERSON: ("重点人员", "key person (public security)"),
    ResidentTag.COMMUNITY_CORRECTION: ("社区矫正人员", "person under community correction"),
    ResidentTag.RELEASED_PRISONER: ("刑满释放人员", "released prisoner"),
    VisitKind.VISIT: ("走访", "visit"),
    VisitKind.SERVICE_REQUEST: ("服务诉求", "service request"),
    SubjectKind.PLACE: ("场所", "place"),
    SubjectKind.ORGANISATION: ("组织", "organisation"),
    SubjectKind.RESIDENT: ("人员", "person"),
    SubjectKind.THING: ("物", "thing"),
    SubjectRole.INVOLVED: ("涉及", "involved"),
    SubjectRole.PARTY: ("当事人", "party"),
    SubjectRole.VICTIM: ("受害人", "victim"),
    SubjectRole.RESPONSIBLE: ("责任方", "responsible"),
    StaffLayer.CITY_MANAGEMENT: ("城市管理网格", "city-management grid"),
    StaffLayer.SOCIAL_SERVICE: ("社会服务网格", "social-service grid"),
    StaffLayer.PUBLIC_SECURITY: ("治安网格", "public-security grid"),
    PersonalField.ID_NUMBER: ("身份证号", "ID number"),
    PersonalField.PHONE: ("电话", "phone"),
    PersonalField.NAME: ("姓名", "name"),
}


E = TypeVar("E", bound=StrEnum)

# What a refusal calls a vocabulary in Chinese (the English name is the key callers pass).
_CHOICE_NAMES_ZH = {
    "tag": "标签",
    "place kind": "场所类型",
    "organisation kind": "组织类型",
    "thing kind": "事物类型",
    "risk level": "风险等级",
    "relationship": "与户主关系",
    "gender": "性别",
    "visit kind": "走访类型",
    "subject kind": "关联对象类型",
    "subject role": "关联对象角色",
}


def parse_choice(enum: type[E], value: str | None, what: str) -> E:
    """A member of a vocabulary by its value; Invalid naming the choices otherwise."""
    try:
        return enum((value or "").strip())
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        choices_zh = "、".join(
            f"{m.value}（{m.label_zh}）" if isinstance(m, _Labelled) else m.value for m in enum
        )
        refusal = message(
            "registry.unknown_choice",
            what=what,
            what_zh=_CHOICE_NAMES_ZH.get(what, what),
            value=value,
            choices=choices,
            choices_zh=choices_zh,
        )
        raise Invalid(refusal) from None


def parse_tags(values: list[str] | tuple[str, ...] | None) -> list[ResidentTag]:
    """Tags in vocabulary order, each once."""
    tags = {parse_choice(ResidentTag, v, "tag") for v in values or ()}
    return [t for t in ResidentTag if t in tags]


# --- identity numbers -------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_check_char(first17: str) -> str:
    """The check character of a resident identity number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class IdNumber:
    """A checked 18-digit resident identity number (公民身份号码)."""

    value: str
    birth_date: date
    gender: Gender


def parse_id_number(text: str, today: date | None = None) -> IdNumber:
    """Check an 18-digit identity number: form, birth date (a real day, not in the future, after
    1900) and the check character; the region part must look like a GB/T 2260 code."""
    value = (text or "").strip().upper().replace(" ", "")
    if not _ID_RE.match(value):
        raise Invalid(message("registry.id_form"))
    if value[0] in "09":
        raise Invalid(message("registry.id_region", region=value[:6]))
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise Invalid(message("registry.id_birth_not_a_day", born=value[6:14])) from None
    if born.year < 1900 or (today is not None and born > today):
        raise Invalid(message("registry.id_birth_range", born=born.isoformat()))
    if id_check_char(value[:17]) != value[17]:
        raise Invalid(message("registry.id_check"))
    gender = Gender.MALE if int(value[16]) % 2 else Gender.FEMALE
    return IdNumber(value, born, gender)


# GB 32100-2015 统一社会信用代码: 18 characters of this alphabet (no I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def parse_uscc(text: str) -> str:
    """Check a unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters of the
    code's alphabet, region code digits, and the check character."""
    value = (text or "").strip().upper().replace(" ", "")
    if not _USCC_RE.match(value):
        raise Invalid(message("registry.uscc_form"))
    if not value[2:8].isdigit():
        raise Invalid(message("registry.uscc_region", region=value[2:8]))
    if uscc_check_char(value[:17]) != value[17]:
        raise Invalid(message("registry.uscc_check"))
    return value


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}\d{7,8}$")


def parse_phone(text: str) -> str:
    """A mainland mobile number (11 digits from 13…19) or a landline with its area code
    (010-12345678); spaces, dashes and a +86 prefix are dropped."""
    value = re.sub(r"[\s\-()]", "", text or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if _MOBILE_RE.match(value) or _LANDLINE_RE.match(value):
        return value
    raise Invalid(message("registry.not_a_phone", text=text))


# --- masking --------------------------------------------------------------------------------


def mask_id_number(value: str) -> str:
    """110101********1234: region kept, birth date and sequence hidden, the last four kept."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678 for a mobile; a landline keeps its area code and last four digits."""
    if _MOBILE_RE.match(value):
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    head = 3 if value.startswith(("010", "02")) else 4
    head = min(head, len(value) - 4)
    return value[:head] + "*" * (len(value) - head - 4) + value[-4:]


def mask_name(name: str) -> str:
    """张** — for people a reader may know exists (a case's party) but not see in the registry."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


# --- who sees what ----------------------------------------------------------------------------

# Roles that work with the registry at all. Others (case workers, departments, citizens) see places,
# organisations and things in their area, and residents only masked as the parties of a case.
REGISTRY_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.GRID_WORKER, Role.POLICE})


@dataclass(frozen=True)
class ResidentContext:
    """What the rules need to know of a reader and a resident, as plain facts."""

    role: Role
    in_area: bool  # the record lies in the reader's organisation unit's territory
    in_own_grid: bool  # …in one of the reader's assigned grids of the reader's layer
    security_tagged: bool  # the resident carries a public-security tag (key person etc.)


def may_see_resident(ctx: ResidentContext) -> bool:
    """May the reader see the resident's record at all (masked)?

    An admin or a leader: everyone in their area. A grid worker (社会服务网格员): the households of
    their own social-service grids. The police (治安网格员/社区民警): the key persons of their own
    public-security grids. Nobody else."""
    if ctx.role in (Role.ADMIN, Role.LEADER):
        return ctx.in_area
    if ctx.role == Role.GRID_WORKER:
        return ctx.in_own_grid
    if ctx.role == Role.POLICE:
        return ctx.in_own_grid and ctx.security_tagged
    return False


def may_unmask(ctx: ResidentContext) -> bool:
    """May the reader see the identity number and phone in clear (with a reason, logged)?

    The admin of the area (to correct records), the grid worker of the resident's grid (visits and
    services need the phone), the police for the key persons of their grids. Leaders read masked:
    their work is over counts and cases, not persons."""
    if ctx.role == Role.LEADER:
        return False
    return may_see_resident(ctx)


def visible_tags(role: Role, tags: list[str]) -> list[str]:
    """The public-security tags are for the police and the admins; a grid worker or leader sees the
    social-service tags only."""
    if role in (Role.ADMIN, Role.POLICE):
        return list(tags)
    return [t for t in tags if t not in SECURITY_TAGS]


def may_set_tag(role: Role, tag: ResidentTag) -> bool:
    """Who may put on or take off a tag: the admins any; the police the public-security tags; the
    grid workers the social-service tags."""
    if role == Role.ADMIN:
        return True
    if tag in SECURITY_TAGS:
        return role == Role.POLICE
    return role == Role.GRID_WORKER


MIN_REASON = 4
MAX_REASON = 500


def check_reason(reason: str | None) -> str:
    """A read of personal data in clear must say why (为何查看), in a few words at least."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise Invalid(message("registry.reason_too_short", least=MIN_REASON))
    if len(text) > MAX_REASON:
        raise Invalid(message("registry.reason_too_long", most=MAX_REASON))
    return text
