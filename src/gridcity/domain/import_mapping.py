"""The declarative column mapping of a case import (案件导入映射): which column of a CSV or JSON file
is the source id, the times (with their format and timezone), the class, the place, the status and
the department. Pure: parsing and checking a mapping, and reading one source row with it.

A mapping is a TOML file::

    [source]
    name = "hotline"                 # part of each case's external id: "import:<name>:<id>"
    id = "工单编号"                   # the column holding the source's id (unique per source)
    channel = "hotline"              # our channel for these cases (default hotline)

    [time]
    timezone = "Asia/Shanghai"       # for times without an offset
    format = "%Y-%m-%d %H:%M:%S"     # strptime format, or "iso" (the default)
    reported = "受理时间"             # required
    closed = "办结时间"               # optional: closed cases without it are rejected
    filed = "立案时间"                # optional (default: the report time)
    dispatched = "派遣时间"           # optional (default: the filing time)

    [location]
    lon = "经度"                     # lon/lat columns …
    lat = "纬度"
    crs = "wgs84"                    # or "gcj02" (converted to WGS84 on import)
    address = "地址"                 # … and/or an address, located through [location.places]
    [location.places]
    "东华门大街1号" = [116.404, 39.914]

    [description]
    columns = ["诉求内容"]            # joined with " / "

    [class]
    column = "诉求类别"
    default = "06010"                # optional: the class of categories not in the table
    [class.map]
    "暴露垃圾" = "06010"              # a code, or a table:
    "井盖破损" = { code = "01010", standard = "…", kind = "component" }

    [status]
    column = "办理状态"
    [status.map]
    "已办结" = "closed"               # closed | open | filed | dispatched
    "办理中" = "open"                 # open: dispatched if a department is known, else filed

    [department]
    column = "承办单位"
    [department.map]
    "区城管委" = "110101-CGW"          # our department codes; unmapped: the routing's proposal

Every problem of a mapping is reported at once (`Invalid`, with the list in `problems`).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import Joined, Message, message

CHANNELS = ("supervisor", "citizen", "hotline", "sensor", "higher_level", "media")
CRSES = ("wgs84", "gcj02")
# what a source status may become: open (dispatched when a department is known, else filed) or a
# state of ours
TARGETS = ("open", "filed", "dispatched", "closed")
KINDS = ("component", "event")
MAX_ID_LENGTH = 80  # "import:<source>:<id>" fits Case.client_key (120)


@dataclass(frozen=True)
class ClassTarget:
    code: str
    standard: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class ImportMapping:
    source: str
    id_column: str
    channel: str
    timezone: str
    time_format: str
    reported_column: str
    closed_column: str | None
    filed_column: str | None
    dispatched_column: str | None
    lon_column: str | None
    lat_column: str | None
    crs: str
    address_column: str | None
    places: Mapping[str, tuple[float, float]]
    description_columns: tuple[str, ...]
    class_column: str
    classes: Mapping[str, ClassTarget]
    default_class: ClassTarget | None
    status_column: str | None
    statuses: Mapping[str, str]
    default_status: str | None
    department_column: str | None
    departments: Mapping[str, str]
    tz: ZoneInfo = field(compare=False, repr=False, default=ZoneInfo("UTC"))

    def external_id(self, source_id: str) -> str:
        """The key an imported case carries (Case.client_key): re-running a file finds it."""
        return f"import:{self.source}:{source_id}"

    def class_targets(self) -> list[ClassTarget]:
        return [*self.classes.values(), *([self.default_class] if self.default_class else [])]

    def read(self, row: Mapping[str, Any]) -> SourceRow:
        """One source row read through the mapping; `Rejected` with the reason when it cannot be."""
        source_id = _cell(row, self.id_column)
        if not source_id:
            raise Rejected(f"no id in column {self.id_column!r}")
        if len(source_id) > MAX_ID_LENGTH:
            raise Rejected(f"the id is longer than {MAX_ID_LENGTH} characters")
        reported = self._time(row, self.reported_column, required=True)
        assert reported is not None
        category = _cell(row, self.class_column)
        target = self.classes.get(category, self.default_class)
        if target is None:
            raise Rejected(f"category {category!r} is not in the class mapping")
        status = "open"
        if self.status_column is not None:
            raw = _cell(row, self.status_column)
            found = self.statuses.get(raw, self.default_status)
            if found is None:
                raise Rejected(f"status {raw!r} is not in the status mapping")
            status = found
        closed = self._time(row, self.closed_column) if status == "closed" else None
        if status == "closed" and closed is None:
            raise Rejected(f"a closed case without a close time in column {self.closed_column!r}")
        filed = self._time(row, self.filed_column) or reported
        dispatched = self._time(row, self.dispatched_column)
        if filed < reported:
            raise Rejected("filed before it was reported")
        if closed is not None and closed < reported:
            raise Rejected("closed before it was reported")
        lon, lat = self._point(row)
        department = None
        if self.department_column is not None:
            department = self.departments.get(_cell(row, self.department_column))
        description = " / ".join(v for c in self.description_columns if (v := _cell(row, c)) and v != "NA")
        address = _cell(row, self.address_column) if self.address_column else ""
        return SourceRow(
            source_id=source_id,
            external_id=self.external_id(source_id),
            category=category,
            target=target,
            status=status,
            reported_at=reported,
            filed_at=filed,
            dispatched_at=dispatched,
            closed_at=closed,
            lon=lon,
            lat=lat,
            address=address[:300] or None,
            description=description[:4000],
            department_code=department,
        )

    def _time(self, row: Mapping[str, Any], column: str | None, required: bool = False) -> datetime | None:
        if column is None:
            return None
        raw = _cell(row, column)
        if not raw or raw.upper() in ("NA", "NULL", "NONE"):
            if required:
                raise Rejected(f"no time in column {column!r}")
            return None
        try:
            moment = (
                datetime.fromisoformat(raw)
                if self.time_format == "iso"
                else datetime.strptime(raw, self.time_format)
            )
        except ValueError:
            raise Rejected(
                f"{column!r}: {raw!r} does not match the time format {self.time_format!r}"
            ) from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self.tz)

    def point(self, row: Mapping[str, Any]) -> tuple[float, float]:
        """Just the row's location (in the mapping's CRS); `Rejected` when it has none."""
        return self._point(row)

    def _point(self, row: Mapping[str, Any]) -> tuple[float, float]:
        if self.lon_column and self.lat_column:
            raw_lon, raw_lat = _cell(row, self.lon_column), _cell(row, self.lat_column)
            if raw_lon and raw_lat and raw_lon != "NA" and raw_lat != "NA":
                try:
                    lon, lat = float(raw_lon), float(raw_lat)
                except ValueError:
                    raise Rejected(f"coordinates ({raw_lon!r}, {raw_lat!r}) are not numbers") from None
                if not (
                    math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
                ):
                    raise Rejected(f"coordinates ({raw_lon}, {raw_lat}) are not a lon/lat")
                if lon == 0 and lat == 0:
                    raise Rejected("coordinates (0, 0): no location")
                return lon, lat
        if self.address_column:
            address = _cell(row, self.address_column)
            if address in self.places:
                return self.places[address]
            if address:
                raise Rejected(f"the address {address!r} cannot be located (not in location.places)")
        raise Rejected("no coordinates and no address to locate the case by")


@dataclass(frozen=True)
class SourceRow:
    source_id: str
    external_id: str
    category: str
    target: ClassTarget
    status: str
    reported_at: datetime
    filed_at: datetime
    dispatched_at: datetime | None
    closed_at: datetime | None
    lon: float  # in the mapping's CRS (the service converts GCJ-02)
    lat: float
    address: str | None
    description: str
    department_code: str | None


class Rejected(Exception):
    """A source row that cannot be imported; the message is the reason written to the reject file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _cell(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    return str(value).strip()


# --- parsing a mapping file ----------------------------------------------------------------------


def parse_mapping(text: str) -> ImportMapping:
    """A mapping from TOML text; every problem at once in one `Invalid`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(message("mapping.not_toml", error=str(exc))) from None
    return _Reader(raw).mapping()


class _Reader:
    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.problems: list[Message] = []

    def table(self, name: str, required: bool = True) -> Mapping[str, Any]:
        value = self.raw.get(name)
        if value is None:
            if required:
                self.problems.append(message("mapping.section_missing", section=name))
            return {}
        if not isinstance(value, Mapping):
            self.problems.append(message("mapping.not_section", section=name))
            return {}
        return value

    def text(self, table: Mapping[str, Any], where: str, key: str, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                self.problems.append(message("mapping.key_missing", at=f"{where}.{key}"))
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.append(message("mapping.not_text", at=f"{where}.{key}"))
            return None
        return value

    def mapping(self) -> ImportMapping:
        known = {"source", "time", "location", "description", "class", "status", "department"}
        for extra in sorted(set(self.raw) - known):
            self.problems.append(
                message("mapping.unknown_section", section=extra, sections=", ".join(sorted(known)))
            )
        source = self.table("source")
        time = self.table("time")
        location = self.table("location")
        description = self.table("description", required=False)
        klass = self.table("class")
        status = self.table("status", required=False)
        department = self.table("department", required=False)

        name = self.text(source, "source", "name", required=True) or ""
        if name and (":" in name or len(name) > 30):
            self.problems.append(message("mapping.source_name"))
        id_column = self.text(source, "source", "id", required=True) or ""
        channel = self.text(source, "source", "channel") or "hotline"
        if channel not in CHANNELS:
            self.problems.append(
                message("mapping.unknown_channel", channel=channel, channels=", ".join(CHANNELS))
            )

        tz_name = self.text(time, "time", "timezone") or "UTC"
        tz = ZoneInfo("UTC")
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            self.problems.append(message("mapping.unknown_zone", zone=tz_name))
        time_format = self.text(time, "time", "format") or "iso"
        if time_format != "iso" and "%" not in time_format:
            self.problems.append(message("mapping.time_format", format=time_format))
        reported = self.text(time, "time", "reported", required=True) or ""

        lon, lat = self.text(location, "location", "lon"), self.text(location, "location", "lat")
        address = self.text(location, "location", "address")
        if (lon is None) != (lat is None):
            self.problems.append(message("mapping.lon_lat_together"))
        if lon is None and address is None and location:
            self.problems.append(message("mapping.no_location"))
        crs = self.text(location, "location", "crs") or "wgs84"
        if crs.lower() not in CRSES:
            self.problems.append(
                message("mapping.unknown_crs", crs=crs, crses=" or ".join(CRSES), crses_zh=" 或 ".join(CRSES))
            )
        places = self.places(location.get("places", {}))

        columns = description.get("columns", [])
        if isinstance(columns, str):
            columns = [columns]
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            self.problems.append(message("mapping.description_columns"))
            columns = []

        class_column = self.text(klass, "class", "column", required=True) or ""
        classes = {
            k: t
            for k, v in self.sub(klass, "class", "map", required=True).items()
            if (t := self.target(k, v))
        }
        default_class = self.target("default", klass["default"]) if "default" in klass else None

        status_column = self.text(status, "status", "column", required=bool(status))
        statuses: dict[str, str] = {}
        for key, value in self.sub(status, "status", "map", required=bool(status)).items():
            if value not in TARGETS:
                self.problems.append(
                    message(
                        "mapping.unknown_status",
                        at=f"status.map.{key!r}",
                        value=value,
                        targets=", ".join(TARGETS),
                    )
                )
            else:
                statuses[key] = value
        default_status = self.text(status, "status", "default")
        if default_status is not None and default_status not in TARGETS:
            self.problems.append(
                message(
                    "mapping.unknown_status",
                    at="status.default",
                    value=default_status,
                    targets=", ".join(TARGETS),
                )
            )
        if "closed" in statuses.values() and self.text(time, "time", "closed") is None:
            self.problems.append(message("mapping.closed_needs_time"))

        department_column = self.text(department, "department", "column", required=bool(department))
        departments: dict[str, str] = {}
        for key, value in self.sub(department, "department", "map").items():
            if not isinstance(value, str) or not value:
                self.problems.append(message("mapping.not_department", key=key))
            else:
                departments[key] = value

        if self.problems:
            raise Invalid(
                message("mapping.problems", problems=Joined(tuple(self.problems))),
                problems=[str(p) for p in self.problems],
            )
        return ImportMapping(
            source=name,
            id_column=id_column,
            channel=channel,
            timezone=tz_name,
            time_format=time_format,
            reported_column=reported,
            closed_column=self.text(time, "time", "closed"),
            filed_column=self.text(time, "time", "filed"),
            dispatched_column=self.text(time, "time", "dispatched"),
            lon_column=lon,
            lat_column=lat,
            crs=crs.lower(),
            address_column=address,
            places=places,
            description_columns=tuple(columns),
            class_column=class_column,
            classes=classes,
            default_class=default_class,
            status_column=status_column,
            statuses=statuses,
            default_status=default_status,
            department_column=department_column,
            departments=departments,
            tz=tz,
        )

    def sub(
        self, table: Mapping[str, Any], where: str, key: str, required: bool = False
    ) -> Mapping[str, Any]:
        value = table.get(key)
        if value is None:
            if required:
                self.problems.append(message("mapping.table_missing", at=f"{where}.{key}"))
            return {}
        if not isinstance(value, Mapping):
            self.problems.append(message("mapping.not_table", at=f"{where}.{key}"))
            return {}
        if required and not value:
            self.problems.append(message("mapping.table_empty", at=f"{where}.{key}"))
        return value

    def target(self, key: str, value: Any) -> ClassTarget | None:
        if isinstance(value, str) and value:
            return ClassTarget(value)
        if isinstance(value, Mapping) and isinstance(value.get("code"), str) and value["code"]:
            unknown = set(value) - {"code", "standard", "kind"}
            kind = value.get("kind")
            if unknown:
                self.problems.append(message("mapping.class_keys", key=key, keys=", ".join(sorted(unknown))))
            elif kind is not None and kind not in KINDS:
                self.problems.append(message("mapping.class_kind", key=key))
            else:
                return ClassTarget(str(value["code"]), value.get("standard"), kind)
            return None
        self.problems.append(message("mapping.class_target", key=key))
        return None

    def places(self, raw: Any) -> dict[str, tuple[float, float]]:
        if not isinstance(raw, Mapping):
            self.problems.append(message("mapping.places_table"))
            return {}
        out: dict[str, tuple[float, float]] = {}
        for address, point in raw.items():
            if (
                isinstance(point, Sequence)
                and not isinstance(point, str)
                and len(point) == 2
                and all(isinstance(p, int | float) for p in point)
                and -180 <= point[0] <= 180
                and -90 <= point[1] <= 90
            ):
                out[address] = (float(point[0]), float(point[1]))
            else:
                self.problems.append(message("mapping.place_point", address=address))
        return out
