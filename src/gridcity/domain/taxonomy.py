"""Class tables (部件 components, 事件 events), per-class settings and the department catalogue.

A class is identified by `(standard, kind, code)`: two generations of code tables coexist in one city
(GB/T 47678.5-2026 with 5-digit type codes, the Beijing generation of CJ/T 214-2007 with 4-digit
codes), plus one tree per further network (social service, public security). Within one standard a
component and an event may share a code (GB/T 47678.5 component 01001 供水井盖 and matter 01001
供水井盖异常; Beijing component 0101 上水井盖 and event 0101 私搭乱建), so lookups by code alone take
an optional kind and raise `Invalid` when the answer is ambiguous.

Per class a city sets the network, the owner department (主责部门, per district/street if needed),
cooperating units (配合单位), urgency levels, filing and closing criteria (立案/结案条件) and the time
limit of each stage. All of it comes from files (package data `data/classes/`, `data/departments/`)
and city override files with the same schema (see the header of `data/classes/defaults.toml`); the
API edits a class with `apply_patch`. Everything here is pure: functions over texts and values.

Department codes may be templates: `{district}-CGZF` is instantiated per district (6-digit code),
`{street}-HW` per street (9-digit code); `owner_for` resolves the template for a case's location.
"""

from __future__ import annotations

import csv
import re
import string
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from gridcity.domain.durations import Duration
from gridcity.domain.errors import Invalid, NotFound
from gridcity.domain.messages import Message, message

NATIONAL_STANDARD = "GB/T 47678.5-2026"
BEIJING_STANDARD = "CJ/T 214-2007-BJ"
SOCIAL_SERVICE_STANDARD = "GRIDCITY-SS-2026"
PUBLIC_SECURITY_STANDARD = "GRIDCITY-PS-2026"

NETWORKS: tuple[str, ...] = ("city_management", "social_service", "public_security")
NETWORK_LABELS = {"city_management": "城市管理", "social_service": "社会服务", "public_security": "社会治安"}
TIERS: tuple[str, ...] = ("city", "district", "street")
_TIER_LABELS = {"city": "市级", "district": "区级", "street": "街道级"}
DEPARTMENT_KINDS: tuple[str, ...] = ("bureau", "enterprise", "department")


class Stage(StrEnum):
    """The timed posts of a case (docs/domain/clocks.md): each has its own clock and limit, and its
    lateness is charged to whoever holds the post."""

    ACCEPT = "accept"  # 受理: the operator decides on a report (send to verify, accept, reject)
    VERIFY = "verify"  # 核实: the supervisor checks a report on site
    FILE = "file"  # 立案: the shift leader files the accepted case
    DISPATCH = "dispatch"  # 派遣: the dispatcher sends the filed case to a department
    DISPOSE = "dispose"  # 处置: the department disposes of it
    REWORK = "rework"  # 返工: the department redoes it after a failed check
    CHECK = "check"  # 核查: the supervisor checks the disposal on site
    CLOSE = "close"  # 结案: the shift leader closes the checked case
    DECIDE = "decide"  # 审批: the platform decides a request (extension, return, suspension, void)

    @property
    def label_zh(self) -> str:
        return _STAGE_LABELS[self]

    @property
    def label_en(self) -> str:
        return _STAGE_LABELS_EN[self]

    @classmethod
    def known(cls, value: object) -> Stage | None:
        """The stage a stored value names, or None (no clock, or a value of an older version)."""
        try:
            return cls(str(value))
        except ValueError:
            return None

    @property
    def is_department(self) -> bool:
        """A department's stage: its lateness escalates and goes on the supervision list; the
        command centre's own stages are warned and counted in the post indicators only."""
        return self in DEPARTMENT_STAGES


_STAGE_LABELS = {
    Stage.ACCEPT: "受理",
    Stage.VERIFY: "核实",
    Stage.FILE: "立案",
    Stage.DISPATCH: "派遣",
    Stage.DISPOSE: "处置",
    Stage.REWORK: "返工",
    Stage.CHECK: "核查",
    Stage.CLOSE: "结案",
    Stage.DECIDE: "审批",
}
_STAGE_LABELS_EN = {
    Stage.ACCEPT: "Accept",
    Stage.VERIFY: "Verify",
    Stage.FILE: "File",
    Stage.DISPATCH: "Dispatch",
    Stage.DISPOSE: "Dispose",
    Stage.REWORK: "Rework",
    Stage.CHECK: "Check",
    Stage.CLOSE: "Close",
    Stage.DECIDE: "Decide",
}
DEPARTMENT_STAGES = frozenset({Stage.DISPOSE, Stage.REWORK})
# Every class sets a limit for these; the rework limit may be left out: half the disposal limit.
REQUIRED_STAGES = tuple(s for s in Stage if s is not Stage.REWORK)


# The actions that may carry photos (workflow rows with an `attachments` field), by value: the ones a
# class may require a photo for (`photo_required`, docs/domain/evidence.md). A test keeps this list
# equal to the workflow table's; taxonomy cannot import the workflow (it imports `Stage` from here).
PHOTO_ACTIONS: tuple[str, ...] = (
    "verify_ok",  # 核实属实
    "verify_false",  # 核实不属实
    "report_done",  # 处置反馈
    "check_pass",  # 核查通过
    "check_fail",  # 核查不通过
    "self_handle",  # 自行处置
)
# The default when a stored class predates the setting: a supervisor's 核实 and 核查 and a
# department's 处置反馈 (defaults.toml sets the same).
DEFAULT_PHOTO_REQUIRED: tuple[str, ...] = (
    "verify_ok",
    "verify_false",
    "report_done",
    "check_pass",
    "check_fail",
)


class ClassKind(StrEnum):
    COMPONENT = "component"  # 部件 / 管理部件
    EVENT = "event"  # 事件 / 管理事项

    @property
    def label_zh(self) -> str:
        return {"component": "部件", "event": "事件"}[self.value]


_KIND_ALIASES = {
    "component": ClassKind.COMPONENT,
    "部件": ClassKind.COMPONENT,
    "管理部件": ClassKind.COMPONENT,
    "event": ClassKind.EVENT,
    "事件": ClassKind.EVENT,
    "管理事项": ClassKind.EVENT,
    "事项": ClassKind.EVENT,
}

ClassKey = tuple[str, str, str]  # (standard, kind, code)


@dataclass(frozen=True)
class DepartmentDef:
    """A responsible unit. `template` units have `{district}` / `{street}` in their code and name."""

    code: str
    name: str
    tier: str  # city | district | street
    kind: str  # bureau | enterprise | department
    networks: tuple[str, ...]
    template: bool = False
    territory: str = ""  # the district / street code of an instantiated template, else ""


@dataclass(frozen=True)
class ClassDef:
    """One minor class with the city's settings. Maps are read-only; change a class with `apply_patch`."""

    standard: str
    kind: str  # 'component' | 'event' (a ClassKind)
    major_code: str
    major_name: str
    minor_code: str
    code: str  # full type code = major_code + minor_code
    name: str
    name_en: str
    network: str
    owner_department: str  # department code or template code
    owner_by_area: Mapping[str, str]  # district (6) / street (9) code -> department (template) code
    cooperating: tuple[str, ...]
    urgency_levels: tuple[str, ...]  # least to most urgent
    default_urgency: str
    filing_criteria: str
    closing_criteria: str
    limits: Mapping[Stage, Duration]  # every stage
    urgent_limits: Mapping[Stage, Duration]  # stages that differ above the default urgency
    public: bool
    rural_limits: Mapping[Stage, Duration] = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""
    # the actions (PHOTO_ACTIONS values) refused without at least one photo
    photo_required: tuple[str, ...] = DEFAULT_PHOTO_REQUIRED

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def key(self) -> ClassKey:
        return (self.standard, str(self.kind), self.code)

    @property
    def ref(self) -> str:
        """One string naming the class: 'GB/T 47678.5-2026:event:06010' (see `Catalogue.by_ref`)."""
        return f"{self.standard}:{self.kind}:{self.code}"

    def is_urgent(self, urgency: str | None) -> bool:
        level = self.default_urgency if urgency is None else urgency
        if level not in self.urgency_levels:
            raise Invalid(
                message(
                    "class.unknown_urgency",
                    level=level,
                    code=self.code,
                    name=self.name,
                    levels=", ".join(self.urgency_levels),
                ),
                key="urgency",
            )
        return self.urgency_levels.index(level) > self.urgency_levels.index(self.default_urgency)

    def limit(self, stage: Stage | str, urgency: str | None = None, area_rural: bool = False) -> Duration:
        """The time limit of `stage`: urgent limit if urgent, else rural limit if rural, else the limit."""
        st = _stage(stage, "stage")
        if self.is_urgent(urgency) and st in self.urgent_limits:
            return self.urgent_limits[st]
        if area_rural and st in self.rural_limits:
            return self.rural_limits[st]
        if st not in self.limits:  # only rework may be unset: 返工时限 = half the disposal limit
            return self.limit(Stage.DISPOSE, urgency, area_rural).halved()
        return self.limits[st]

    def effective_limits(self, urgency: str | None = None) -> dict[Stage, Duration]:
        """Every stage's limit at this urgency, the derived rework limit included (what people see)."""
        return {s: self.limit(s, urgency) for s in Stage}


# --------------------------------------------------------------------------------------------------
# Field validation (shared by files and API patches)
# --------------------------------------------------------------------------------------------------

SETTING_FIELDS: tuple[str, ...] = (
    "network",
    "owner_department",
    "owner_by_area",
    "cooperating",
    "urgency_levels",
    "default_urgency",
    "filing_criteria",
    "closing_criteria",
    "limits",
    "urgent_limits",
    "rural_limits",
    "public",
    "photo_required",
)
CLASS_PATCH_FIELDS: tuple[str, ...] = ("name", "name_en", *SETTING_FIELDS)
MAJOR_PATCH_FIELDS: tuple[str, ...] = ("major_name", *SETTING_FIELDS)
IDENTITY_FIELDS: tuple[str, ...] = (
    "standard",
    "kind",
    "major_code",
    "major_name",
    "minor_code",
    "code",
    "source",
    "ref",
)
_MAP_FIELDS = ("owner_by_area", "limits", "urgent_limits", "rural_limits")
_STAGE_MAP_FIELDS = ("limits", "urgent_limits", "rural_limits")
_TEXT_FIELDS = ("name", "name_en", "major_name", "filing_criteria", "closing_criteria")
_REQUIRED_TEXT = ("name", "major_name")
_AREA_CODE = re.compile(r"^\d{6}(\d{3})?$")
_DEPT_CODE = re.compile(r"^(?:[A-Za-z0-9_.\-]|\{district\}|\{street\})+$")
_CLASS_CODE = re.compile(r"^[A-Za-z0-9]+$")
_NAME_FIELDS = {"district", "street", "district_name", "district_short", "street_name", "street_short"}


def _stage(value: object, key: str) -> Stage:
    try:
        return Stage(str(value))
    except ValueError:
        stages = ", ".join(s.value for s in Stage)
        raise Invalid(
            message("settings.unknown_stage", at=key, value=value, stages=stages), key=key
        ) from None


def _duration(value: object, key: str) -> Duration:
    if isinstance(value, Duration):
        duration = value
    elif isinstance(value, Mapping) and {"amount", "unit"} <= set(value):
        try:
            duration = Duration.parse(f"{value['amount']} {value['unit']}")
        except Invalid as exc:
            raise Invalid(message("settings.problem", at=key, reason=exc.reason), key=key) from None
    elif isinstance(value, str):
        try:
            duration = Duration.parse(value)
        except Invalid as exc:
            raise Invalid(message("settings.problem", at=key, reason=exc.reason), key=key) from None
    else:
        raise Invalid(message("settings.not_duration", at=key, value=value), key=key)
    if duration.amount <= 0:
        raise Invalid(message("settings.limit_not_positive", at=key), key=key)
    return duration


def _text(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise Invalid(message("settings.not_text", at=key, value=value), key=key)
    return value.strip()


def _normalize(fld: str, value: Any, key: str, departments: _Departments | None) -> Any:
    """Validate one patch field; maps come back as dicts where None means 'remove this key'."""
    if fld in _TEXT_FIELDS:
        text = _text(value, key)
        if fld in _REQUIRED_TEXT and not text:
            raise Invalid(message("settings.empty", at=key), key=key)
        return text
    if fld == "network":
        if value not in NETWORKS:
            raise Invalid(
                message("settings.unknown_network", at=key, value=value, networks=", ".join(NETWORKS)),
                key=key,
            )
        return value
    if fld == "owner_department":
        return _department_ref(value, key, departments)
    if fld == "cooperating":
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise Invalid(message("settings.not_department_list", at=key), key=key)
        codes = [_department_ref(v, f"{key}[{i}]", departments) for i, v in enumerate(value)]
        return tuple(dict.fromkeys(codes))
    if fld == "urgency_levels":
        if isinstance(value, str) or not isinstance(value, Sequence) or not value:
            raise Invalid(message("settings.not_level_list", at=key), key=key)
        levels = tuple(_text(v, f"{key}[{i}]") for i, v in enumerate(value))
        if any(not level for level in levels) or len(set(levels)) != len(levels):
            raise Invalid(message("settings.levels_not_distinct", at=key, levels=list(levels)), key=key)
        return levels
    if fld == "default_urgency":
        level = _text(value, key)
        if not level:
            raise Invalid(message("settings.empty", at=key), key=key)
        return level
    if fld == "public":
        if not isinstance(value, bool):
            raise Invalid(message("settings.not_boolean", at=key, value=value), key=key)
        return value
    if fld == "photo_required":
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise Invalid(message("settings.not_action_list", at=key), key=key)
        unknown = [v for v in value if v not in PHOTO_ACTIONS]
        if unknown:
            raise Invalid(
                message(
                    "settings.no_photo_action",
                    at=key,
                    unknown=", ".join(map(repr, unknown)),
                    actions=", ".join(PHOTO_ACTIONS),
                ),
                key=key,
            )
        return tuple(a for a in PHOTO_ACTIONS if a in value)  # the table's order, each once
    if fld in _MAP_FIELDS:
        if not isinstance(value, Mapping):
            raise Invalid(message("settings.not_table", at=key, value=value), key=key)
        out: dict[Any, Any] = {}
        for k, v in value.items():
            sub = f"{key}.{k}"
            if fld == "owner_by_area":
                area = str(k)
                if not _AREA_CODE.match(area):
                    raise Invalid(message("settings.not_area_code", at=sub), key=sub)
                out[area] = None if v == "" else _department_ref(v, sub, departments)
            else:
                st = _stage(k, sub)
                if v == "":
                    if fld == "limits" and st in REQUIRED_STAGES:
                        raise Invalid(
                            message("settings.limit_required", at=sub, stage=st.value, stage_zh=st.label_zh),
                            key=sub,
                        )
                    out[st] = None
                else:
                    out[st] = _duration(v, sub)
        return out
    raise Invalid(message("settings.unknown_field", at=key), key=key)


def _normalize_patch(
    patch: Mapping[str, Any], where: str, allowed: Sequence[str], departments: _Departments | None
) -> dict[str, Any]:
    if not isinstance(patch, Mapping):
        raise Invalid(message("settings.not_field_table", at=where), key=where)
    out = {}
    for fld, value in patch.items():
        key = f"{where}.{fld}"
        if fld not in allowed:
            raise Invalid(message("settings.field_not_allowed", at=key, allowed=", ".join(allowed)), key=key)
        out[fld] = _normalize(fld, value, key, departments)
    return out


def _merge(settings: dict[str, Any], origins: dict[str, str], patch: Mapping[str, Any], where: str) -> None:
    for fld, value in patch.items():
        if fld in _MAP_FIELDS:
            merged = dict(settings.get(fld, {}))
            for k, v in value.items():
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = v
            settings[fld] = merged
        else:
            settings[fld] = value
        origins[fld] = where


def _department_ref(value: object, key: str, departments: _Departments | None) -> str:
    code = _text(value, key)
    if not code or not _DEPT_CODE.match(code):
        raise Invalid(message("department.bad_code", at=key, value=value), key=key)
    if departments is not None and not departments.knows(code):
        raise Invalid(message("department.unknown_at", at=key, code=code), key=key)
    return code


# --------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------


def _template_regex(code: str) -> re.Pattern[str]:
    parts = re.split(r"(\{district\}|\{street\})", code)
    pattern = "".join(
        r"(?P<district>\d{6})"
        if p == "{district}"
        else r"(?P<street>\d{9})"
        if p == "{street}"
        else re.escape(p)
        for p in parts
    )
    return re.compile(f"^{pattern}$")


def _short(name: str, suffixes: Sequence[str]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class _Departments:
    """Concrete departments plus templates, with instantiation of template codes."""

    def __init__(self, defs: Iterable[DepartmentDef]) -> None:
        self.by_code: dict[str, DepartmentDef] = {}
        for d in defs:
            self.by_code[d.code] = d
        self.templates = [(d, _template_regex(d.code)) for d in self.by_code.values() if d.template]

    def knows(self, code: str) -> bool:
        return code in self.by_code or any(rx.match(code) for _, rx in self.templates)

    def instantiate(
        self, template: DepartmentDef, district: str | None, street: str | None, names: Mapping[str, str]
    ) -> DepartmentDef:
        if street and not district:
            district = street[:6]
        if "{street}" in template.code and not street:
            raise Invalid(message("department.needs_street", code=template.code), key="street")
        if "{district}" in template.code and not district:
            raise Invalid(message("department.needs_district", code=template.code), key="district")
        district_name = names.get(district or "", district or "")
        street_name = names.get(street or "", street or "")
        values = {
            "district": district or "",
            "street": street or "",
            "district_name": district_name,
            "district_short": _short(district_name, ("区", "县")),
            "street_name": street_name,
            "street_short": _short(street_name, ("街道办事处", "地区办事处", "街道", "地区", "镇", "乡")),
        }
        return replace(
            template,
            code=template.code.format(**values),
            name=template.name.format(**values),
            template=False,
            territory=(street if "{street}" in template.code else district) or "",
        )

    def get(self, code: str, names: Mapping[str, str]) -> DepartmentDef:
        if code in self.by_code:
            return self.by_code[code]
        for template, rx in self.templates:
            m = rx.match(code)
            if m:
                parts = m.groupdict()
                street = parts.get("street")
                district = parts.get("district") or (street[:6] if street else None)
                return self.instantiate(template, district, street, names)
        raise NotFound(message("department.unknown", code=code), key="department")


def _parse_departments(entries: object, where: str) -> list[DepartmentDef]:
    if not isinstance(entries, list):
        raise Invalid(message("settings.not_array", at=where, section="department"), key=where)
    out = []
    allowed = {"code", "name", "tier", "kind", "networks", "note"}
    for i, entry in enumerate(entries):
        at = f"{where}[{i}]"
        if not isinstance(entry, Mapping):
            raise Invalid(message("settings.not_entry_table", at=at), key=at)
        for k in entry:
            if k not in allowed:
                raise Invalid(
                    message("settings.field_not_allowed", at=f"{at}.{k}", allowed=", ".join(sorted(allowed))),
                    key=f"{at}.{k}",
                )
        for k in ("code", "name", "tier", "kind", "networks"):
            if k not in entry:
                raise Invalid(message("settings.missing", at=f"{at}.{k}"), key=f"{at}.{k}")
        code = _department_ref(entry["code"], f"{at}.code", None)
        name = _text(entry["name"], f"{at}.name")
        tier, kind, networks = entry["tier"], entry["kind"], entry["networks"]
        if tier not in TIERS:
            raise Invalid(
                message("department.unknown_tier", at=f"{at}.tier", tier=tier, tiers=", ".join(TIERS)),
                key=f"{at}.tier",
            )
        if kind not in DEPARTMENT_KINDS:
            raise Invalid(
                message(
                    "department.unknown_kind", at=f"{at}.kind", kind=kind, kinds=", ".join(DEPARTMENT_KINDS)
                ),
                key=f"{at}.kind",
            )
        if isinstance(networks, str) or not isinstance(networks, Sequence) or not networks:
            raise Invalid(message("settings.not_nonempty_list", at=f"{at}.networks"), key=f"{at}.networks")
        for j, n in enumerate(networks):
            if n not in NETWORKS:
                where_n = f"{at}.networks[{j}]"
                networks_all = ", ".join(NETWORKS)
                raise Invalid(
                    message("settings.unknown_network", at=where_n, value=n, networks=networks_all),
                    key=where_n,
                )
        template = "{district}" in code or "{street}" in code
        expected = {"city": "", "district": "{district}", "street": "{street}"}[tier]
        if (expected and expected not in code) or (not expected and template):
            refusal = (
                message(
                    "department.code_needs_placeholder",
                    at=f"{at}.code",
                    tier=tier,
                    tier_zh=_TIER_LABELS[tier],
                    placeholder=expected,
                )
                if expected
                else message("department.city_code_placeholder", at=f"{at}.code")
            )
            raise Invalid(refusal, key=f"{at}.code")
        if tier == "district" and "{street}" in code:
            raise Invalid(message("department.district_code_street", at=f"{at}.code"), key=f"{at}.code")
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(name) if f is not None}
        except ValueError as exc:
            raise Invalid(
                message("department.bad_name", at=f"{at}.name", error=str(exc)), key=f"{at}.name"
            ) from None
        if fields - _NAME_FIELDS or (fields and not template):
            raise Invalid(
                message(
                    "department.name_placeholders",
                    at=f"{at}.name",
                    fields=sorted(fields),
                    allowed=", ".join(sorted(_NAME_FIELDS)),
                ),
                key=f"{at}.name",
            )
        out.append(DepartmentDef(code, name, tier, kind, tuple(networks), template))
    return out


def load_departments(toml_text: str, name: str = "departments.toml") -> dict[str, DepartmentDef]:
    """Parse a department catalogue file ([[department]] entries) into code -> DepartmentDef."""
    doc = _parse_toml(toml_text, name)
    for k in doc:
        if k not in ("department", "about"):
            raise Invalid(
                message("settings.unknown_section", at=f"{name}: {k}", sections="[[department]]"), key=k
            )
    out: dict[str, DepartmentDef] = {}
    for d in _parse_departments(doc.get("department", []), f"{name}: department"):
        if d.code in out:
            raise Invalid(message("department.defined_twice", at=name, code=d.code), key=d.code)
        out[d.code] = d
    return out


# --------------------------------------------------------------------------------------------------
# Class tables (CSV)
# --------------------------------------------------------------------------------------------------

_CSV_COLUMNS = {
    "standard": ("standard", "standard_ref"),
    "kind": ("kind",),
    "major_code": ("major_code",),
    "major_name": ("major_name",),
    "minor_code": ("minor_code",),
    "code": ("code", "full_code"),
    "name": ("name", "name_zh"),
    "name_en": ("name_en", "name_en_gloss"),
    "source": ("source",),
}
_CSV_OPTIONAL = ("name_en", "source")


@dataclass(frozen=True)
class ClassRow:
    """One line of a class table: the identity of a class before settings are applied."""

    standard: str
    kind: ClassKind
    major_code: str
    major_name: str
    minor_code: str
    code: str
    name: str
    name_en: str
    source: str

    @property
    def key(self) -> ClassKey:
        return (self.standard, str(self.kind), self.code)


def _kind(value: object, key: str) -> ClassKind:
    kind = _KIND_ALIASES.get(str(value).strip())
    if kind is None:
        raise Invalid(message("settings.unknown_kind", at=key, value=value), key=key)
    return kind


def _make_row(values: Mapping[str, Any], at: str, default_source: str) -> ClassRow:
    standard = _text(values.get("standard", ""), f"{at}.standard")
    if not standard:
        raise Invalid(message("settings.missing", at=f"{at}.standard"), key=f"{at}.standard")
    kind = _kind(values.get("kind", ""), f"{at}.kind")
    major_code = _text(values.get("major_code", ""), f"{at}.major_code")
    minor_code = _text(values.get("minor_code", ""), f"{at}.minor_code")
    code = _text(values.get("code", "") or major_code + minor_code, f"{at}.code")
    for fld, v in (("major_code", major_code), ("minor_code", minor_code), ("code", code)):
        if not _CLASS_CODE.match(v):
            raise Invalid(message("class.bad_code", at=f"{at}.{fld}", value=v), key=f"{at}.{fld}")
    if code != major_code + minor_code:
        raise Invalid(
            message("class.code_mismatch", at=f"{at}.code", code=code, major=major_code, minor=minor_code),
            key=f"{at}.code",
        )
    name = _text(values.get("name", ""), f"{at}.name")
    major_name = _text(values.get("major_name", ""), f"{at}.major_name")
    if not name or not major_name:
        raise Invalid(message("class.names_empty", at=at), key=f"{at}.name")
    return ClassRow(
        standard,
        kind,
        major_code,
        major_name,
        minor_code,
        code,
        name,
        _text(values.get("name_en", "") or "", f"{at}.name_en"),
        _text(values.get("source", "") or default_source or standard, f"{at}.source"),
    )


def parse_class_table(csv_text: str, name: str = "classes.csv") -> list[ClassRow]:
    """Rows of a class table CSV (national column names or ours); lines starting with '#' are comments."""
    lines = [
        ln for ln in csv_text.lstrip("\ufeff").splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    reader = csv.DictReader(lines)
    header = reader.fieldnames or []
    columns: dict[str, str] = {}
    for fld, aliases in _CSV_COLUMNS.items():
        found = next((a for a in aliases if a in header), None)
        if found is None and fld not in _CSV_OPTIONAL:
            raise Invalid(
                message("settings.missing_column", at=name, column=fld, have=", ".join(header)), key=fld
            )
        if found is not None:
            columns[fld] = found
    rows = []
    for i, rec in enumerate(reader, start=2):
        values = {fld: rec.get(col) or "" for fld, col in columns.items()}
        rows.append(_make_row(values, f"{name}: row {i}", default_source=""))
    return rows


# --------------------------------------------------------------------------------------------------
# Settings files (TOML)
# --------------------------------------------------------------------------------------------------

_SECTIONS = ("defaults", "standard", "major", "class", "local_class", "department", "about")


def _parse_toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(message("settings.not_toml", at=name, error=str(exc)), key=name) from None


def _entries(doc: Mapping[str, Any], section: str, name: str) -> list[tuple[str, Mapping[str, Any]]]:
    entries = doc.get(section, [])
    if not isinstance(entries, list):
        raise Invalid(message("settings.not_array", at=f"{name}: {section}", section=section), key=section)
    out = []
    for i, entry in enumerate(entries):
        at = f"{name}: {section}[{i}]"
        if not isinstance(entry, Mapping):
            raise Invalid(message("settings.not_entry_table", at=at), key=at)
        out.append((at, entry))
    return out


def _split(entry: Mapping[str, Any], selectors: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    sel = {k: v for k, v in entry.items() if k in selectors}
    rest = {k: v for k, v in entry.items() if k not in selectors}
    return sel, rest


def _selector_kind(sel: Mapping[str, Any], at: str) -> ClassKind | None:
    return None if "kind" not in sel else _kind(sel["kind"], f"{at}.kind")


def _selector_standard(sel: Mapping[str, Any], at: str) -> str:
    if "standard" not in sel:
        raise Invalid(message("settings.missing", at=f"{at}.standard"), key=f"{at}.standard")
    return _text(sel["standard"], f"{at}.standard")


@dataclass
class _Layers:
    defaults: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    standards: list[tuple[str, str, ClassKind | None, dict[str, Any]]] = field(default_factory=list)
    majors: list[tuple[str, str, ClassKind | None, str, dict[str, Any]]] = field(default_factory=list)
    classes: list[tuple[str, str, ClassKind | None, tuple[str, ...], dict[str, Any]]] = field(
        default_factory=list
    )
    local_rows: list[tuple[str, ClassRow]] = field(default_factory=list)


def _read_settings(
    doc: Mapping[str, Any], name: str, layers: _Layers, departments: _Departments | None
) -> None:
    for k in doc:
        if k not in _SECTIONS:
            sections = ", ".join(_SECTIONS[:-1])
            raise Invalid(message("settings.unknown_section", at=f"{name}: {k}", sections=sections), key=k)
    if "defaults" in doc:
        at = f"{name}: defaults"
        layers.defaults.append((at, _normalize_patch(doc["defaults"], at, SETTING_FIELDS, departments)))
    for at, entry in _entries(doc, "standard", name):
        sel, rest = _split(entry, ("standard", "kind"))
        std, kind = _selector_standard(sel, at), _selector_kind(sel, at)
        layers.standards.append((at, std, kind, _normalize_patch(rest, at, SETTING_FIELDS, departments)))
    for at, entry in _entries(doc, "major", name):
        sel, rest = _split(entry, ("standard", "kind", "major_code"))
        std, kind = _selector_standard(sel, at), _selector_kind(sel, at)
        if "major_code" not in sel:
            raise Invalid(message("settings.missing", at=f"{at}.major_code"), key=f"{at}.major_code")
        major = _text(sel["major_code"], f"{at}.major_code")
        layers.majors.append(
            (at, std, kind, major, _normalize_patch(rest, at, MAJOR_PATCH_FIELDS, departments))
        )
    for at, entry in _entries(doc, "class", name):
        sel, rest = _split(entry, ("standard", "kind", "code", "codes"))
        std, kind = _selector_standard(sel, at), _selector_kind(sel, at)
        if ("code" in sel) == ("codes" in sel):
            raise Invalid(message("settings.code_or_codes", at=f"{at}.code"), key=f"{at}.code")
        raw = [sel["code"]] if "code" in sel else sel["codes"]
        if isinstance(raw, str) or not isinstance(raw, Sequence) or not raw:
            raise Invalid(message("settings.not_code_list", at=f"{at}.codes"), key=f"{at}.codes")
        codes = tuple(_text(c, f"{at}.code") for c in raw)
        layers.classes.append(
            (at, std, kind, codes, _normalize_patch(rest, at, CLASS_PATCH_FIELDS, departments))
        )
    for at, entry in _entries(doc, "local_class", name):
        identity = ("standard", "kind", "major_code", "major_name", "minor_code", "code", "name", "name_en")
        sel, rest = _split(entry, identity)
        row = _make_row(sel, at, default_source=f"local ({name})")
        patch = _normalize_patch(rest, at, SETTING_FIELDS, departments)
        layers.local_rows.append((at, row))
        layers.classes.append((at, row.standard, row.kind, (row.code,), patch))


# --------------------------------------------------------------------------------------------------
# Building classes
# --------------------------------------------------------------------------------------------------

_FALLBACKS: dict[str, Any] = {
    "owner_by_area": {},
    "cooperating": (),
    "filing_criteria": "",
    "closing_criteria": "",
    "urgent_limits": {},
    "rural_limits": {},
    "public": True,
    "photo_required": DEFAULT_PHOTO_REQUIRED,
}
_REQUIRED_SETTINGS = ("network", "owner_department", "urgency_levels", "default_urgency", "limits")


def _finish(identity: Mapping[str, Any], settings: Mapping[str, Any], origins: Mapping[str, str]) -> ClassDef:
    label = f"{identity['standard']} {identity['kind']} {identity['code']} {identity['name']}"

    def where(fld: str) -> str:
        return origins.get(fld, "defaults")

    for fld in _REQUIRED_SETTINGS:
        if fld not in settings:
            raise Invalid(message("class.setting_missing", label=label, field=fld), key=fld)
    missing = [s.value for s in REQUIRED_STAGES if s not in settings["limits"]]
    if missing:
        key = f"{where('limits')}.limits"
        raise Invalid(
            message("class.limits_missing", at=key, label=label, stages=", ".join(missing)), key=key
        )
    levels, default = settings["urgency_levels"], settings["default_urgency"]
    if default not in levels:
        key = f"{where('default_urgency')}.default_urgency"
        raise Invalid(
            message(
                "class.default_urgency",
                at=key,
                default=default,
                label=label,
                levels=list(levels),
                origin=where("urgency_levels"),
            ),
            key=key,
        )
    values = {**_FALLBACKS, **settings}
    return ClassDef(
        standard=identity["standard"],
        kind=identity["kind"],
        major_code=identity["major_code"],
        major_name=values.get("major_name", identity["major_name"]),
        minor_code=identity["minor_code"],
        code=identity["code"],
        name=values.get("name", identity["name"]),
        name_en=values.get("name_en", identity["name_en"]),
        network=values["network"],
        owner_department=values["owner_department"],
        owner_by_area=MappingProxyType(dict(values["owner_by_area"])),
        cooperating=tuple(values["cooperating"]),
        urgency_levels=tuple(levels),
        default_urgency=default,
        filing_criteria=values["filing_criteria"],
        closing_criteria=values["closing_criteria"],
        limits=MappingProxyType(_ordered(values["limits"])),
        urgent_limits=MappingProxyType(_ordered(values["urgent_limits"])),
        public=values["public"],
        rural_limits=MappingProxyType(_ordered(values["rural_limits"])),
        source=identity["source"],
        photo_required=tuple(values["photo_required"]),
    )


def _ordered(limits: Mapping[Stage, Duration]) -> dict[Stage, Duration]:
    return {s: limits[s] for s in Stage if s in limits}


def _settings_of(cls: ClassDef) -> dict[str, Any]:
    return {
        "name": cls.name,
        "name_en": cls.name_en,
        "major_name": cls.major_name,
        "network": cls.network,
        "owner_department": cls.owner_department,
        "owner_by_area": dict(cls.owner_by_area),
        "cooperating": cls.cooperating,
        "urgency_levels": cls.urgency_levels,
        "default_urgency": cls.default_urgency,
        "filing_criteria": cls.filing_criteria,
        "closing_criteria": cls.closing_criteria,
        "limits": dict(cls.limits),
        "urgent_limits": dict(cls.urgent_limits),
        "rural_limits": dict(cls.rural_limits),
        "public": cls.public,
        "photo_required": cls.photo_required,
    }


def _identity_of(cls: ClassDef) -> dict[str, Any]:
    return {
        "standard": cls.standard,
        "kind": cls.kind,
        "major_code": cls.major_code,
        "major_name": cls.major_name,
        "minor_code": cls.minor_code,
        "code": cls.code,
        "name": cls.name,
        "name_en": cls.name_en,
        "source": cls.source,
    }


def apply_patch(
    cls: ClassDef,
    patch: Mapping[str, Any],
    *,
    departments: Mapping[str, DepartmentDef] | None = None,
    where: str = "patch",
) -> ClassDef:
    """A copy of `cls` with `patch` applied, validated like a file entry (maps merge; "" removes a key).

    Identity fields (standard, kind, code, ...) may be present but must be unchanged, so that
    `apply_patch(cls, dump_class(cls))` is the identity. With `departments`, codes must be known.
    """
    index = None if departments is None else _Departments(departments.values())
    return _apply_patch(cls, patch, index, where)


def _apply_patch(cls: ClassDef, patch: Mapping[str, Any], index: _Departments | None, where: str) -> ClassDef:
    if not isinstance(patch, Mapping):
        raise Invalid(message("settings.not_object", at=where), key=where)
    current = dump_class(cls)
    fields = {}
    for fld, value in patch.items():
        if fld in IDENTITY_FIELDS and fld != "major_name":
            if value != current[fld]:
                raise Invalid(
                    message("settings.unchangeable", at=f"{where}.{fld}", value=current[fld]),
                    key=f"{where}.{fld}",
                )
            continue
        fields[fld] = value
    normalized = _normalize_patch(fields, where, (*CLASS_PATCH_FIELDS, "major_name"), index)
    settings = _settings_of(cls)
    origins: dict[str, str] = {}
    _merge(settings, origins, normalized, where)
    return _finish(_identity_of(cls), settings, origins)


def class_from_dict(
    data: Mapping[str, Any],
    *,
    departments: Mapping[str, DepartmentDef] | None = None,
    where: str = "class",
) -> ClassDef:
    """A class from a complete dict as made by `dump_class` (e.g. stored in a database), validated."""
    if not isinstance(data, Mapping):
        raise Invalid(message("settings.not_object", at=where), key=where)
    identity_fields = (
        "standard",
        "kind",
        "major_code",
        "major_name",
        "minor_code",
        "code",
        "name",
        "name_en",
    )
    row = _make_row(
        {k: data.get(k, "") for k in identity_fields} | {"source": data.get("source", "")}, where, ""
    )
    if "ref" in data and data["ref"] != f"{row.standard}:{row.kind}:{row.code}":
        raise Invalid(message("class.ref_mismatch", at=f"{where}.ref"), key=f"{where}.ref")
    index = None if departments is None else _Departments(departments.values())
    skip = {*identity_fields, "source", "ref"}
    patch = _normalize_patch({k: v for k, v in data.items() if k not in skip}, where, SETTING_FIELDS, index)
    settings: dict[str, Any] = {}
    origins: dict[str, str] = {}
    _merge(settings, origins, patch, where)
    identity = {f: getattr(row, f) for f in (*identity_fields, "source")}
    return _finish(identity, settings, origins)


def dump_class(cls: ClassDef) -> dict[str, Any]:
    """A JSON-able dict of the class; durations as text ('4 work_hours'), accepted back by apply_patch."""
    return {
        "ref": cls.ref,
        "standard": cls.standard,
        "kind": str(cls.kind),
        "major_code": cls.major_code,
        "major_name": cls.major_name,
        "minor_code": cls.minor_code,
        "code": cls.code,
        "name": cls.name,
        "name_en": cls.name_en,
        "network": cls.network,
        "owner_department": cls.owner_department,
        "owner_by_area": dict(cls.owner_by_area),
        "cooperating": list(cls.cooperating),
        "urgency_levels": list(cls.urgency_levels),
        "default_urgency": cls.default_urgency,
        "filing_criteria": cls.filing_criteria,
        "closing_criteria": cls.closing_criteria,
        "limits": {s.value: str(d) for s, d in cls.limits.items()},
        "urgent_limits": {s.value: str(d) for s, d in cls.urgent_limits.items()},
        "rural_limits": {s.value: str(d) for s, d in cls.rural_limits.items()},
        "public": cls.public,
        "photo_required": list(cls.photo_required),
        "source": cls.source,
    }


# --------------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------------


def _area_codes(district_code: str | None, street_code: str | None) -> tuple[str | None, str | None]:
    if street_code is not None and not re.fullmatch(r"\d{9}", street_code):
        raise Invalid(message("territory.not_street_code", code=street_code), key="street_code")
    if district_code is not None and not re.fullmatch(r"\d{6}", district_code):
        raise Invalid(message("territory.not_district_code", code=district_code), key="district_code")
    if street_code and district_code and street_code[:6] != district_code:
        raise Invalid(
            message("territory.street_outside", street=street_code, district=district_code), key="street_code"
        )
    if street_code and not district_code:
        district_code = street_code[:6]
    return district_code, street_code


def _names(codes: Mapping[str, str] | Iterable[str]) -> tuple[list[str], dict[str, str]]:
    if isinstance(codes, Mapping):
        return list(codes), {str(k): str(v) for k, v in codes.items()}
    return list(codes), {}


class Catalogue:
    """All classes of all standards with their settings, and the department catalogue. Immutable."""

    def __init__(self, classes: Iterable[ClassDef], departments: Mapping[str, DepartmentDef]) -> None:
        by_key: dict[ClassKey, ClassDef] = {}
        for c in classes:
            by_key[c.key] = c
        self.classes: Mapping[ClassKey, ClassDef] = MappingProxyType(by_key)
        self.departments: Mapping[str, DepartmentDef] = MappingProxyType(dict(departments))
        self._depts = _Departments(self.departments.values())
        self._by_code: dict[str, list[ClassDef]] = {}
        for c in by_key.values():
            self._by_code.setdefault(c.code, []).append(c)

    def __len__(self) -> int:
        return len(self.classes)

    def __iter__(self) -> Iterator[ClassDef]:
        return iter(self.classes.values())

    @property
    def standards(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.standard for c in self.classes.values()))

    def select(
        self,
        standard: str | None = None,
        kind: str | None = None,
        network: str | None = None,
        public: bool | None = None,
    ) -> list[ClassDef]:
        return [
            c
            for c in self.classes.values()
            if (standard is None or c.standard == standard)
            and (kind is None or c.kind == kind)
            and (network is None or c.network == network)
            and (public is None or c.public == public)
        ]

    # -- lookups ---------------------------------------------------------------------------------

    def _pick(self, matches: list[ClassDef], code: str, absent: Message) -> ClassDef:
        if not matches:
            raise NotFound(absent, key="code")
        if len(matches) > 1:
            options = "; ".join(f"{c.standard} {c.kind} {c.code} {c.name}" for c in matches)
            raise Invalid(message("class.ambiguous", code=code, options=options), key="code")
        return matches[0]

    def get(self, standard: str, code: str, kind: str | None = None) -> ClassDef:
        """The class `code` of `standard`; `kind` is needed when a component and an event share the code."""
        if kind is not None:
            k = _kind(kind, "kind")
            found = self.classes.get((standard, str(k), code))
            if found is None:
                absent = message(
                    "class.kind_not_found_in", kind=k.value, kind_zh=k.label_zh, code=code, standard=standard
                )
                raise NotFound(absent, key="code")
            return found
        return self._pick(
            [c for c in self._by_code.get(code, []) if c.standard == standard],
            code,
            message("class.not_found_in", code=code, standard=standard),
        )

    def find(self, code: str, standard: str | None = None, kind: str | None = None) -> ClassDef:
        """The one class with this code across all standards; Invalid if ambiguous, NotFound if absent."""
        k = None if kind is None else _kind(kind, "kind")
        matches = [
            c
            for c in self._by_code.get(code, [])
            if (k is None or c.kind == k) and (standard is None or c.standard == standard)
        ]
        if len(matches) == 1:  # every report asks: no refusal text built for nothing
            return matches[0]
        if k is not None:
            names = {"kind": k.value, "kind_zh": k.label_zh, "code": code}
            absent = (
                message("class.kind_not_found", **names)
                if standard is None
                else message("class.kind_not_found_in", **names, standard=standard)
            )
        else:
            absent = (
                message("class.not_found", code=code)
                if standard is None
                else message("class.not_found_in", code=code, standard=standard)
            )
        return self._pick(matches, code, absent)

    def by_ref(self, ref: str) -> ClassDef:
        """The class named by `ClassDef.ref` ('standard:kind:code')."""
        standard, sep, rest = ref.rpartition(":")
        standard, sep2, kind = standard.rpartition(":")
        if not sep or not sep2:
            raise Invalid(message("class.bad_ref", ref=ref), key="ref")
        return self.get(standard, rest, kind)

    # -- limits and owners -----------------------------------------------------------------------

    def limit(
        self, cls: ClassDef, stage: Stage | str, urgency: str | None = None, area_rural: bool = False
    ) -> Duration:
        return cls.limit(stage, urgency, area_rural)

    def limits_for(
        self, cls: ClassDef, urgency: str | None = None, area_rural: bool = False
    ) -> dict[Stage, Duration]:
        return {s: cls.limit(s, urgency, area_rural) for s in Stage}

    def owner_for(
        self, cls: ClassDef, district_code: str | None = None, street_code: str | None = None
    ) -> str:
        """The concrete owner department code for a case of `cls` at this district / street."""
        district, street = _area_codes(district_code, street_code)
        code = cls.owner_department
        if street and street in cls.owner_by_area:
            code = cls.owner_by_area[street]
        elif district and district in cls.owner_by_area:
            code = cls.owner_by_area[district]
        return self._concrete(code, district, street, cls)

    def cooperating_for(
        self, cls: ClassDef, district_code: str | None = None, street_code: str | None = None
    ) -> tuple[str, ...]:
        district, street = _area_codes(district_code, street_code)
        return tuple(self._concrete(code, district, street, cls) for code in cls.cooperating)

    def _concrete(self, code: str, district: str | None, street: str | None, cls: ClassDef) -> str:
        if "{street}" in code and not street:
            refusal = message("class.needs_street", code=cls.code, name=cls.name, department=code)
            raise Invalid(refusal, key="street")
        if "{district}" in code and not district:
            refusal = message("class.needs_district", code=cls.code, name=cls.name, department=code)
            raise Invalid(refusal, key="district")
        return code.format(district=district or "", street=street or "")

    def department(self, code: str, names: Mapping[str, str] | None = None) -> DepartmentDef:
        """A department by code; an instantiated template code ('110101-CGZF') gives a concrete unit.

        `names` maps district / street codes to their names, used in template names.
        """
        return self._depts.get(code, names or {})

    def departments_for_territory(
        self,
        districts: Mapping[str, str] | Iterable[str] = (),
        streets: Mapping[str, str] | Iterable[str] = (),
        *,
        include_city: bool = True,
    ) -> list[DepartmentDef]:
        """Concrete departments: city units, district templates per district, street templates per street.

        Pass mappings code -> name to get real names ('东城区城市管理委员会'); a street's district name
        is taken from `districts` when given.
        """
        district_codes, names = _names(districts)
        street_codes, street_names = _names(streets)
        names.update(street_names)
        for d in district_codes:
            _area_codes(d, None)
        for s in street_codes:
            _area_codes(None, s)
        out = [d for d in self.departments.values() if not d.template] if include_city else []
        templates = [d for d in self.departments.values() if d.template]
        for d in district_codes:
            out += [self._depts.instantiate(t, d, None, names) for t in templates if t.tier == "district"]
        for s in street_codes:
            out += [self._depts.instantiate(t, s[:6], s, names) for t in templates if t.tier == "street"]
        return out

    # -- edits -----------------------------------------------------------------------------------

    def apply_patch(self, cls: ClassDef, patch: Mapping[str, Any], where: str = "patch") -> ClassDef:
        """`apply_patch` checking department codes against this catalogue."""
        return _apply_patch(cls, patch, self._depts, where)

    def with_class(self, cls: ClassDef) -> Catalogue:
        """A new catalogue with `cls` added or replacing the class with the same key."""
        return Catalogue([*(c for c in self.classes.values() if c.key != cls.key), cls], self.departments)


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------

Text = str | tuple[str, str]  # a file's text, or (file name, text) for error messages


def _named(item: Text, default: str) -> tuple[str, str]:
    if isinstance(item, tuple):
        return item[0], item[1]
    return default, item


def load_catalogue(
    national_csv_text: Text,
    beijing_csv_text: Text,
    defaults_toml_text: Text,
    *overrides_toml_texts: Text,
    departments_toml_text: Text | None = None,
    class_csv_texts: Sequence[Text] = (),
) -> Catalogue:
    """Build the catalogue from texts: class tables, defaults, then city overrides in order.

    Each text may be given as (file name, text) so that errors name the file. Without
    `departments_toml_text`, department codes are only checked for form, not existence.
    `class_csv_texts` adds more class tables (e.g. the social-service and public-security trees).
    """
    # departments first: settings files refer to them, and overrides may add some
    setting_docs = [
        (n, _parse_toml(t, n))
        for n, t in (
            _named(defaults_toml_text, "defaults.toml"),
            *(_named(o, f"override[{i}]") for i, o in enumerate(overrides_toml_texts)),
        )
    ]
    departments: dict[str, DepartmentDef] | None = None
    if departments_toml_text is not None:
        name, text = _named(departments_toml_text, "departments.toml")
        departments = load_departments(text, name)
    for name, doc in setting_docs:
        if "department" in doc:
            departments = {} if departments is None else departments
            for d in _parse_departments(doc["department"], f"{name}: department"):
                if d.code in departments:
                    raise Invalid(message("department.defined_twice", at=name, code=d.code), key=d.code)
                departments[d.code] = d
    index = None if departments is None else _Departments(departments.values())

    rows: dict[ClassKey, ClassRow] = {}
    tables = [_named(national_csv_text, "national.csv"), _named(beijing_csv_text, "beijing.csv")]
    tables += [_named(t, f"classes[{i}].csv") for i, t in enumerate(class_csv_texts)]
    for name, text in tables:
        for row in parse_class_table(text, name):
            if row.key in rows:
                refusal = message(
                    "class.twice", at=name, standard=row.standard, kind=row.kind.value, code=row.code
                )
                raise Invalid(refusal, key=row.code)
            rows[row.key] = row

    layers = _Layers()
    for name, doc in setting_docs:
        _read_settings(doc, name, layers, index)
    for at, row in layers.local_rows:
        if row.key in rows:
            refusal = message(
                "class.local_exists",
                at=f"{at}.code",
                standard=row.standard,
                kind=row.kind.value,
                code=row.code,
            )
            raise Invalid(refusal, key=f"{at}.code")
        rows[row.key] = row
    return _build(list(rows.values()), layers, departments or {})


def _build(rows: list[ClassRow], layers: _Layers, departments: Mapping[str, DepartmentDef]) -> Catalogue:
    standards = {r.standard for r in rows}
    majors = {(r.standard, r.kind, r.major_code) for r in rows}
    codes = {(r.standard, r.kind, r.code) for r in rows}
    for at, std, kind, _ in layers.standards:
        if std not in standards or (kind and not any(r.standard == std and r.kind == kind for r in rows)):
            refusal = (
                message(
                    "settings.unknown_standard_kind",
                    at=f"{at}.standard",
                    standard=std,
                    kind=kind.value,
                    kind_zh=kind.label_zh,
                )
                if kind
                else message("settings.unknown_standard", at=f"{at}.standard", standard=std)
            )
            raise Invalid(refusal, key=at)
    for at, std, kind, major, _ in layers.majors:
        kinds = [kind] if kind else list(ClassKind)
        if not any((std, k, major) in majors for k in kinds):
            raise Invalid(
                message("class.unknown_major", at=f"{at}.major_code", major=major, standard=std),
                key=f"{at}.major_code",
            )
    for at, std, kind, class_codes, _ in layers.classes:
        kinds = [kind] if kind else list(ClassKind)
        for c in class_codes:
            if not any((std, k, c) in codes for k in kinds):
                refusal = (
                    message(
                        "class.unknown_of_kind",
                        at=f"{at}.code",
                        kind=kind.value,
                        kind_zh=kind.label_zh,
                        code=c,
                        standard=std,
                    )
                    if kind
                    else message("class.unknown", at=f"{at}.code", code=c, standard=std)
                )
                raise Invalid(refusal, key=f"{at}.code")

    base: dict[str, Any] = {}
    base_origins: dict[str, str] = {}
    for at, patch in layers.defaults:
        _merge(base, base_origins, patch, at)
    std_patches: dict[tuple[str, ClassKind], list[tuple[str, dict[str, Any]]]] = {}
    for at, std, kind, patch in layers.standards:
        for k in [kind] if kind else list(ClassKind):
            std_patches.setdefault((std, k), []).append((at, patch))
    major_patches: dict[tuple[str, ClassKind, str], list[tuple[str, dict[str, Any]]]] = {}
    for at, std, kind, major, patch in layers.majors:
        for k in [kind] if kind else list(ClassKind):
            major_patches.setdefault((std, k, major), []).append((at, patch))
    class_patches: dict[tuple[str, ClassKind, str], list[tuple[str, dict[str, Any]]]] = {}
    for at, std, kind, class_codes, patch in layers.classes:
        for k in [kind] if kind else list(ClassKind):
            for c in class_codes:
                class_patches.setdefault((std, k, c), []).append((at, patch))

    classes = []
    for row in rows:
        settings, origins = dict(base), dict(base_origins)
        applicable = (
            std_patches.get((row.standard, row.kind), [])
            + major_patches.get((row.standard, row.kind, row.major_code), [])
            + class_patches.get((row.standard, row.kind, row.code), [])
        )
        for at, patch in applicable:
            _merge(settings, origins, patch, at)
        identity = {
            "standard": row.standard,
            "kind": row.kind,
            "major_code": row.major_code,
            "major_name": row.major_name,
            "minor_code": row.minor_code,
            "code": row.code,
            "name": row.name,
            "name_en": row.name_en,
            "source": row.source,
        }
        classes.append(_finish(identity, settings, origins))
    return Catalogue(classes, departments)


def _package_text(*parts: str) -> str:
    return resources.files("gridcity").joinpath("data", *parts).read_text(encoding="utf-8")


def default_texts() -> dict[str, tuple[str, str]]:
    """The package's data files as (name, text): national, beijing, defaults, departments, ss, ps."""
    files = {
        "national": ("taxonomy", "gbt47678_5_2026_components_matters.csv"),
        "beijing": ("classes", "beijing_2007.csv"),
        "defaults": ("classes", "defaults.toml"),
        "departments": ("departments", "beijing.toml"),
        "social_service": ("classes", "social_service.csv"),
        "public_security": ("classes", "public_security.csv"),
    }
    return {k: ("/".join(p), _package_text(*p)) for k, p in files.items()}


def load_default_catalogue(*overrides_toml_texts: Text) -> Catalogue:
    """The Beijing demo catalogue from package data, with optional city override texts on top."""
    if not overrides_toml_texts:
        return _default_catalogue()
    return _load_default(overrides_toml_texts)


@lru_cache(maxsize=1)
def _default_catalogue() -> Catalogue:
    return _load_default(())


def _load_default(overrides: Sequence[Text]) -> Catalogue:
    t = default_texts()
    return load_catalogue(
        t["national"],
        t["beijing"],
        t["defaults"],
        *overrides,
        departments_toml_text=t["departments"],
        class_csv_texts=(t["social_service"], t["public_security"]),
    )
