"""Durations with units, as a city writes its time limits: minutes, working hours, working days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message


class TimeUnit(StrEnum):
    MINUTES = "minutes"  # calendar minutes (自然分钟): the clock never stops
    WORK_HOURS = "work_hours"  # 工作小时: only working periods of working days count
    WORK_DAYS = "work_days"  # 工作日

    @property
    def label_zh(self) -> str:
        return {"minutes": "分钟", "work_hours": "工作小时", "work_days": "工作日"}[self.value]

    @property
    def is_working_time(self) -> bool:
        return self is not TimeUnit.MINUTES


_UNIT_ALIASES = {
    "min": TimeUnit.MINUTES,
    "mins": TimeUnit.MINUTES,
    "minute": TimeUnit.MINUTES,
    "minutes": TimeUnit.MINUTES,
    "work_hour": TimeUnit.WORK_HOURS,
    "work_hours": TimeUnit.WORK_HOURS,
    "wh": TimeUnit.WORK_HOURS,
    "work_day": TimeUnit.WORK_DAYS,
    "work_days": TimeUnit.WORK_DAYS,
    "wd": TimeUnit.WORK_DAYS,
    # as the pages write a limit (web.i18n.duration_label), so that a person can type it back
    "分钟": TimeUnit.MINUTES,
    "工作小时": TimeUnit.WORK_HOURS,
    "个工作小时": TimeUnit.WORK_HOURS,
    "working hour": TimeUnit.WORK_HOURS,
    "working hours": TimeUnit.WORK_HOURS,
    "工作日": TimeUnit.WORK_DAYS,
    "个工作日": TimeUnit.WORK_DAYS,
    "working day": TimeUnit.WORK_DAYS,
    "working days": TimeUnit.WORK_DAYS,
}
_CALENDAR_HOURS = {"h", "hour", "hours", "小时", "个小时"}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z_]+(?: [a-z]+)?|[\u4e00-\u9fff]+)\s*$")


@dataclass(frozen=True, order=True)
class Duration:
    """An amount of time in one unit. `Duration.parse("4 work_hours")`, `str(d)` round-trips."""

    amount: float
    unit: TimeUnit

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise Invalid(message("duration.negative", amount=self.amount))

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse '30 minutes', '2 hours' (calendar), '4 work_hours', '20 work_days'."""
        match = _PATTERN.match(str(text).lower())
        if not match:
            raise Invalid(message("duration.not_a_duration", text=text))
        amount, unit = float(match.group(1)), match.group(2)
        if unit in _CALENDAR_HOURS:
            return cls(amount * 60, TimeUnit.MINUTES)
        if unit not in _UNIT_ALIASES:
            raise Invalid(message("duration.unknown_unit", unit=unit, text=text))
        return cls(amount, _UNIT_ALIASES[unit])

    def halved(self) -> Duration:
        """Half of it, in the same unit (the default rework limit: half the disposal limit)."""
        return Duration(self.amount / 2, self.unit)

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount} {self.unit.value}"

    @property
    def label_zh(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount}{self.unit.label_zh}"
