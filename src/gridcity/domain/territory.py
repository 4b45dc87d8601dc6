"""Territorial and grid code rules: the one place that knows what a valid code looks like.

The territory nests city → district (区, 6 digits, GB/T 2260) → street (街道/乡镇, 9 digits) →
community (社区/村, 12 digits) → grid. Three grid layers cover the same ground, each with its own code
shape:

* ``city_management`` unit grids (城市管理单元网格): 12-digit community code + 3-digit sequence
  (15 digits, DB11/T 2157 style). The national 14-digit form (2-digit sequence, GB/T 30428.1) is
  accepted when validating codes that come from elsewhere, but we always generate 15 digits.
* ``social_service`` grids (社会服务网格, CJ/T 349-2010): 6-digit service-object class + 6-digit
  district + 3-digit street + 3-digit community + 2-digit sequence = 20 digits; sequence ``00``
  means the community is not subdivided (one grid covering all of it).
* ``public_security`` grids (社会治安网格): our own shape, 9-digit street code + ``PS`` + 3-digit
  sequence (police beats follow streets, not communities).

Codes are plain strings; these functions only check shapes and build codes, they never look
anything up. Every failure raises :class:`Invalid` with a message a user can act on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message

MAX_UNIT_GRID_SEQ = 999
MAX_SOCIAL_SERVICE_SEQ = 99
MAX_PUBLIC_SECURITY_SEQ = 999
DEFAULT_SERVICE_CLASS = "000000"
SYNTHETIC_COMMUNITY_SUFFIX = "999"
"""A street with no community rows gets one synthetic community ``street_code + '999'``.

``'000'`` cannot be used (``110101001000`` is the street's own 12-digit NBS code) and NBS codes
communities from 001 upwards (居委会 0xx/1xx, 村委会 2xx, 虚拟 4xx); 999 is never issued, so a
synthetic code cannot collide with a real one and is easy to spot.
"""

_MUNICIPALITY_PREFIXES = frozenset({"11", "12", "31", "50"})
_PUBLIC_SECURITY_RE = re.compile(r"^(\d{9})PS(\d{3})$")


class Level(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"


class GridLayer(StrEnum):
    CITY_MANAGEMENT = "city_management"
    SOCIAL_SERVICE = "social_service"
    PUBLIC_SECURITY = "public_security"


@dataclass(frozen=True)
class CodeParts:
    """The segments of a code; segments deeper than the code's level are None."""

    district: str
    street: str | None = None
    community: str | None = None
    seq: str | None = None
    layer: GridLayer | None = None
    service_class: str | None = None

    @property
    def unit_code(self) -> str:
        """The full code of the deepest territorial unit named (the grid's community or street)."""
        return self.district + (self.street or "") + (self.community or "")


class ParsedCode(NamedTuple):
    level: Level
    parts: CodeParts


# What a refusal calls each code and segment, in Chinese (the English is the key).
_WHAT_ZH = {
    "code": "代码",
    "district code": "区县代码",
    "street code": "街道代码",
    "community code": "社区代码",
    "unit grid code": "单元网格代码",
    "social-service grid code": "社会服务网格代码",
    "territorial unit code": "行政区划代码",
    "service-object class": "服务对象类别代码",
    "district": "区县",
    "street": "街道",
    "community": "社区",
    "unit grid sequence": "单元网格序号",
    "social-service grid sequence": "社会服务网格序号",
    "public-security grid sequence": "治安网格序号",
}


def _require_digits(code: object, lengths: tuple[int, ...], what: str) -> str:
    if not isinstance(code, str):
        refusal = message(
            "territory.code_not_text", what=what, what_zh=_WHAT_ZH[what], type=type(code).__name__, code=code
        )
        raise Invalid(refusal)
    if len(code) not in lengths or not code.isascii() or not code.isdigit():
        shape = " or ".join(str(n) for n in lengths)
        shape_zh = "或".join(str(n) for n in lengths)
        refusal = message(
            "territory.code_digits",
            what=what,
            what_zh=_WHAT_ZH[what],
            shape=shape,
            shape_zh=shape_zh,
            code=code,
        )
        raise Invalid(refusal)
    return code


def _require_nonzero(segment: str, code: str, what: str) -> None:
    if set(segment) == {"0"}:
        raise Invalid(
            message("territory.zero_segment", what=what, what_zh=_WHAT_ZH[what], code=code, segment=segment)
        )


def validate_district_code(code: str) -> str:
    """A county-level code (区/县), e.g. '110101'. Codes ending in '00' are cities or provinces."""
    _require_digits(code, (6,), "district code")
    _require_nonzero(code[4:], code, "district")
    return code


def validate_street_code(code: str) -> str:
    """A 9-digit street/township code, e.g. '110101001' (东华门街道)."""
    _require_digits(code, (9,), "street code")
    validate_district_code(code[:6])
    _require_nonzero(code[6:], code, "street")
    return code


def validate_community_code(code: str) -> str:
    """A 12-digit community/village code, e.g. '110101001001'."""
    _require_digits(code, (12,), "community code")
    validate_street_code(code[:9])
    _require_nonzero(code[9:], code, "community")
    return code


def validate_unit_grid_code(code: str) -> str:
    """A city-management unit grid code: 15 digits (ours) or 14 digits (national 2-digit sequence)."""
    _require_digits(code, (14, 15), "unit grid code")
    validate_community_code(code[:12])
    _require_nonzero(code[12:], code, "unit grid sequence")
    return code


def validate_social_service_grid_code(code: str) -> str:
    """A 20-digit social-service grid code; sequence '00' is a community that is one grid."""
    _require_digits(code, (20,), "social-service grid code")
    validate_community_code(code[6:18])
    return code


def validate_public_security_grid_code(code: str) -> str:
    """A public-security grid code: 9-digit street + 'PS' + 3-digit sequence, e.g. '110101001PS001'."""
    match = _PUBLIC_SECURITY_RE.match(code) if isinstance(code, str) else None
    if match is None:
        raise Invalid(message("territory.not_public_security_code", code=code))
    validate_street_code(match.group(1))
    _require_nonzero(match.group(2), code, "public-security grid sequence")
    return code


def normalize_unit_code(code: str) -> str:
    """Strip the NBS 12-digit padding: '110101001000' → '110101001', '110101000000' → '110101'.

    Statistical tables write every unit with 12 digits; we key units by their short code.
    """
    _require_digits(code, (6, 9, 12), "territorial unit code")
    while len(code) > 6 and code.endswith("000"):
        code = code[:-3]
    return code


def parse_code(code: str) -> ParsedCode:
    """Tell a code's level and split it into segments, validating it on the way."""
    if isinstance(code, str) and _PUBLIC_SECURITY_RE.match(code):
        validate_public_security_grid_code(code)
        parts = CodeParts(code[:6], code[6:9], seq=code[11:], layer=GridLayer.PUBLIC_SECURITY)
        return ParsedCode(Level.GRID, parts)
    _require_digits(code, (6, 9, 12, 14, 15, 20), "code")
    if len(code) == 20:
        validate_social_service_grid_code(code)
        parts = CodeParts(code[6:12], code[12:15], code[15:18], code[18:], GridLayer.SOCIAL_SERVICE, code[:6])
        return ParsedCode(Level.GRID, parts)
    if len(code) in (14, 15):
        validate_unit_grid_code(code)
        parts = CodeParts(code[:6], code[6:9], code[9:12], code[12:], GridLayer.CITY_MANAGEMENT)
        return ParsedCode(Level.GRID, parts)
    return _parse_unit(normalize_unit_code(code))


def _parse_unit(code: str) -> ParsedCode:
    if len(code) == 6 and code.endswith("00"):
        return ParsedCode(Level.CITY, CodeParts(code))
    if len(code) == 6:
        return ParsedCode(Level.DISTRICT, CodeParts(validate_district_code(code)))
    if len(code) == 9:
        return ParsedCode(Level.STREET, CodeParts(code[:6], validate_street_code(code)[6:]))
    validate_community_code(code)
    return ParsedCode(Level.COMMUNITY, CodeParts(code[:6], code[6:9], code[9:]))


def city_code(district_code: str) -> str:
    """The city above a district: '110000' for a municipality's districts, else 'PPCC00'."""
    validate_district_code(district_code)
    prefix = district_code[:2]
    return prefix + "0000" if prefix in _MUNICIPALITY_PREFIXES else district_code[:4] + "00"


def parent_code(code: str) -> str | None:
    """The code one level up; a grid's parent is the unit it was generated in; a city has none."""
    level, parts = parse_code(code)
    if level is Level.CITY:
        return None
    if level is Level.DISTRICT:
        return city_code(parts.district)
    if level is Level.STREET:
        return parts.district
    if level is Level.COMMUNITY:
        return parts.district + (parts.street or "")
    return parts.unit_code


def unit_grid_code(community_code: str, seq: int) -> str:
    """'110101001001' + 7 → '110101001001007'."""
    validate_community_code(community_code)
    _check_seq(seq, 1, MAX_UNIT_GRID_SEQ, "unit grid sequence")
    return f"{community_code}{seq:03d}"


def social_service_grid_code(
    community_code: str, seq: int, service_class: str = DEFAULT_SERVICE_CLASS
) -> str:
    """Service class + community + 2-digit sequence; seq 0 means the whole community is one grid."""
    validate_community_code(community_code)
    _require_digits(service_class, (6,), "service-object class")
    _check_seq(seq, 0, MAX_SOCIAL_SERVICE_SEQ, "social-service grid sequence")
    return f"{service_class}{community_code}{seq:02d}"


def public_security_grid_code(street_code: str, seq: int) -> str:
    """'110101001' + 3 → '110101001PS003'."""
    validate_street_code(street_code)
    _check_seq(seq, 1, MAX_PUBLIC_SECURITY_SEQ, "public-security grid sequence")
    return f"{street_code}PS{seq:03d}"


def synthetic_community_code(street_code: str) -> str:
    """The code of the one community made up for a street that has no community rows."""
    validate_street_code(street_code)
    return street_code + SYNTHETIC_COMMUNITY_SUFFIX


def is_synthetic_community(code: str) -> bool:
    return len(code) == 12 and code.endswith(SYNTHETIC_COMMUNITY_SUFFIX)


def _check_seq(seq: int, low: int, high: int, what: str) -> None:
    if isinstance(seq, bool) or not isinstance(seq, int) or not low <= seq <= high:
        raise Invalid(
            message(
                "territory.sequence_range", what=what, what_zh=_WHAT_ZH[what], low=low, high=high, seq=seq
            )
        )


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """A map window 'min_lon,min_lat,max_lon,max_lat' (WGS84 degrees) → four floats; `Invalid`
    naming the expected form otherwise (the API, the pages and Open311 all read it here)."""
    try:
        parts = [float(v) for v in text.split(",")]
    except ValueError:
        parts = []
    if (
        len(parts) != 4
        or not all(math.isfinite(v) for v in parts)
        or not (-180 <= parts[0] < parts[2] <= 180 and -90 <= parts[1] < parts[3] <= 90)
    ):
        raise Invalid(message("territory.bad_bbox", text=text), key="bbox")
    return parts[0], parts[1], parts[2], parts[3]
