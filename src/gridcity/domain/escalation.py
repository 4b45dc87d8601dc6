"""Deadline warnings and escalation of overdue cases (docs/domain/supervision.md): what the sweep must do now.

For one case stage the sweep knows its clock (`clock.StageClock`: start, unit, limit, suspensions),
whether the case is urgent, the escalation level it is at and the warnings already sent in this
stage round. `decide` answers, at a moment `now`:

* a **yellow warning** when the light turns yellow (elapsed above `yellow_ratio` of the limit), a
  **red warning** when the stage is overdue — each at most once per stage round; a case found
  already red gets the red one only;
* the **escalation levels** due — only in a department's stage (disposal, rework: `escalates`);
  the command centre's own posts get the warnings only: 1 street platform (街道平台) as soon as
  the stage is overdue plus the first step, 2 district platform (区平台) a further step later,
  3 city platform (市平台) a further step later, 4 the monthly supervision list (月检查) when the
  case is still unsolved `supervision_after` past its city level. Every step is counted from the
  moment the previous level became due (the first one from the deadline), in the step's own unit
  on the working calendar, so "1 work_days" skips the night and the weekend. Urgent cases take
  their own (shorter) steps;
* when to look at the case again (`next_at`): the earliest moment something more can become due.

Time spent suspended never counts: the clock excludes it (a suspended clock has no deadline and
nothing is due), and after a resume the deadline — and with it every step — moves on by the time
suspended. Levels only go up: a case keeps its level when it moves to the next stage (the history
keeps every escalation); only a later stage that is late for longer than the level's steps raises
it further. The warnings start afresh in each stage round.

Pure: functions over clock values and durations; the sweep (`services.sweep`) reads and writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from gridcity.domain.clock import DEFAULT_YELLOW_RATIO, Light, StageClock, WorkingCalendar, traffic_light
from gridcity.domain.durations import Duration
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.domain.workflow import Role

__all__ = [
    "DEFAULT_STEPS",
    "DEFAULT_SUPERVISION_AFTER",
    "DEFAULT_URGENT_STEPS",
    "ESCALATION_ROLES",
    "EscalationPolicy",
    "Level",
    "SweepDecision",
    "SweepFacts",
    "Warned",
    "WarningKind",
    "decide",
    "is_urgent_level",
    "level_thresholds",
]

DEFAULT_STEPS = ("0 minutes", "1 work_days", "3 work_days")
DEFAULT_URGENT_STEPS = ("0 minutes", "2 hours", "1 work_days")
DEFAULT_SUPERVISION_AFTER = "5 work_days"

# The sweep looks again this long after the moment a threshold is reached, so the light has surely
# turned (the traffic light counts "more than", a threshold instant is still the colour before).
_JUST_AFTER = 0.001  # seconds of the stage's measure


class Level(IntEnum):
    """How far up an overdue case has been escalated."""

    NONE = 0
    STREET = 1  # 街道平台
    DISTRICT = 2  # 区平台
    CITY = 3  # 市平台
    SUPERVISION = 4  # 月检查: the monthly supervision list of the city

    @property
    def label_zh(self) -> str:
        return _LEVEL_LABELS[self]

    @property
    def tier(self) -> str | None:
        """The platform tier that watches the case from this level on ('street', 'district', 'city')."""
        return _LEVEL_TIERS[self]


_LEVEL_LABELS = {
    Level.NONE: "未升级",
    Level.STREET: "街道平台",
    Level.DISTRICT: "区平台",
    Level.CITY: "市平台",
    Level.SUPERVISION: "月检查",
}
_LEVEL_TIERS = {
    Level.NONE: None,
    Level.STREET: "street",
    Level.DISTRICT: "district",
    Level.CITY: "city",
    Level.SUPERVISION: "city",
}

# Who at the tier's platform hears of an escalation (docs/domain/roles.md): the shift leader (值班长) runs
# the platform's cases and urges them on (督办), the dispatcher (派遣员) deals with the departments,
# the leader (领导) supervises and reads the supervision list. Operators and supervisors take new
# reports and do field checks; an escalation is not their task. The monthly supervision list is the
# city's leaders' and shift leaders' business.
ESCALATION_ROLES: dict[Level, tuple[Role, ...]] = {
    Level.STREET: (Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER),
    Level.DISTRICT: (Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER),
    Level.CITY: (Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER),
    Level.SUPERVISION: (Role.LEADER, Role.SHIFT_LEADER),
}


class WarningKind(StrEnum):
    YELLOW = "yellow"  # 黄灯预警: the limit is near
    RED = "red"  # 红灯: the stage is overdue

    @property
    def label_zh(self) -> str:
        return {"yellow": "黄灯预警", "red": "红灯超时"}[self.value]


class Warned(IntEnum):
    """The warnings already sent in the current stage round (stored per case)."""

    NONE = 0
    YELLOW = 1
    RED = 2  # the red warning covers the yellow one


def is_urgent_level(levels: Sequence[str], urgency: str) -> bool:
    """Urgent for escalation: any urgency above the class's lowest level (levels run least to most
    urgent). A class whose default is already urgent (突发事件) escalates on the urgent steps too."""
    if urgency not in levels:
        raise Invalid(message("escalation.unknown_urgency", urgency=urgency, levels=", ".join(levels)))
    return list(levels).index(urgency) > 0


# --------------------------------------------------------------------------------------------- policy


def _durations(name: str, texts: Sequence[str] | str, count: int) -> tuple[Duration, ...]:
    if isinstance(texts, str):
        texts = [texts]
    texts = list(texts)
    if len(texts) != count:
        refusal = (
            message("escalation.one_duration", name=name, given=len(texts), texts=texts)
            if count == 1
            else message("escalation.step_durations", name=name, count=count, given=len(texts), texts=texts)
        )
        raise Invalid(refusal, key=name)
    out = []
    for text in texts:
        try:
            out.append(Duration.parse(str(text)))
        except Invalid as exc:
            raise Invalid(message("settings.problem", at=name, reason=exc.reason), key=name) from None
    return tuple(out)


@dataclass(frozen=True)
class EscalationPolicy:
    """When warnings and escalations are due. `steps[i]` is how long after the previous level
    (the deadline for the first) level i+1 is due; `supervision_after` how long after the city
    level a case goes on the monthly supervision list."""

    steps: tuple[Duration, Duration, Duration]
    urgent_steps: tuple[Duration, Duration, Duration]
    supervision_after: Duration
    yellow_ratio: float = DEFAULT_YELLOW_RATIO

    def __post_init__(self) -> None:
        for name in ("steps", "urgent_steps"):
            value = getattr(self, name)
            if len(value) != 3 or not all(isinstance(d, Duration) for d in value):
                raise Invalid(message("escalation.not_three_steps", name=name, value=value))
        if not isinstance(self.supervision_after, Duration):
            raise Invalid(message("escalation.supervision_not_duration", value=self.supervision_after))
        if not 0 < self.yellow_ratio <= 1:
            raise Invalid(message("clock.yellow_ratio", ratio=self.yellow_ratio))

    @classmethod
    def parse(
        cls,
        steps: Sequence[str] = DEFAULT_STEPS,
        urgent_steps: Sequence[str] = DEFAULT_URGENT_STEPS,
        supervision_after: str = DEFAULT_SUPERVISION_AFTER,
        yellow_ratio: float = DEFAULT_YELLOW_RATIO,
    ) -> EscalationPolicy:
        """From configuration texts, e.g. ["0 minutes", "1 work_days", "3 work_days"]; a clear
        `Invalid` naming the setting when one is wrong."""
        normal = _durations("escalation_steps", steps, 3)
        urgent = _durations("urgent_escalation_steps", urgent_steps, 3)
        (after,) = _durations("supervision_after", supervision_after, 1)
        return cls(normal, urgent, after, yellow_ratio)  # type: ignore[arg-type]

    def ladder(self, urgent: bool) -> tuple[Duration, Duration, Duration, Duration]:
        """The four steps (street, district, city, supervision list) of a normal or urgent case."""
        street, district, city = self.urgent_steps if urgent else self.steps
        return (street, district, city, self.supervision_after)


# --------------------------------------------------------------------------------------------- sweep


@dataclass(frozen=True)
class SweepFacts:
    """What the sweep knows of a case stage: its clock, urgency, level and warnings already sent."""

    clock: StageClock
    urgent: bool = False
    level: int = Level.NONE
    warned: int = Warned.NONE
    escalates: bool = True  # a department's stage; the command centre's own posts are only warned

    def __post_init__(self) -> None:
        if not Level.NONE <= self.level <= Level.SUPERVISION:
            raise Invalid(message("escalation.level_out_of_range", level=self.level))
        if not Warned.NONE <= self.warned <= Warned.RED:
            raise Invalid(message("escalation.warned_out_of_range", warned=self.warned))


@dataclass(frozen=True)
class SweepDecision:
    """What is due now. `levels` are the levels to record now, ascending, each one above the last."""

    light: Light
    warnings: tuple[WarningKind, ...]
    levels: tuple[Level, ...]
    warned: Warned  # after sending `warnings`
    level: Level  # after recording `levels`
    next_at: datetime | None  # look again at (None: nothing more can come due until the clock changes)

    @property
    def acts(self) -> bool:
        return bool(self.warnings or self.levels)


def _just_after(calendar: WorkingCalendar, clock: StageClock, seconds: float) -> datetime:
    """A moment (1 ms of the stage's measure late) at which the clock's elapsed time exceeds `seconds`."""
    return calendar.add_seconds(clock.started_at, clock.paused_seconds + seconds + _JUST_AFTER, clock.unit)


def level_thresholds(
    calendar: WorkingCalendar, clock: StageClock, ladder: Sequence[Duration]
) -> Iterator[tuple[Level, datetime]]:
    """(level, the moment it becomes due) in order, lazily: each step after the previous one, the
    first after the deadline. Nothing while the clock is suspended (no deadline)."""
    moment = clock.deadline(calendar)
    if moment is None:
        return
    for level, step in zip(
        (Level.STREET, Level.DISTRICT, Level.CITY, Level.SUPERVISION), ladder, strict=True
    ):
        moment = calendar.add(moment, step)
        yield level, moment


def decide(
    calendar: WorkingCalendar, policy: EscalationPolicy, facts: SweepFacts, now: datetime
) -> SweepDecision:
    """What is due at `now` for this stage (see the module doc). Deterministic: the same facts and
    moment give the same answer, and applying it then asking again at the same moment gives nothing."""
    clock = facts.clock
    warned, level = Warned(facts.warned), Level(facts.level)
    elapsed = clock.elapsed(calendar, now)
    light = traffic_light(elapsed, clock.budget_seconds, policy.yellow_ratio)
    if clock.paused:  # suspended: the clock stands still, nothing comes due until it resumes
        return SweepDecision(light, (), (), warned, level, None)

    warnings: tuple[WarningKind, ...] = ()
    if light is Light.RED and warned < Warned.RED:
        warnings, warned = (WarningKind.RED,), Warned.RED
    elif light is Light.YELLOW and warned < Warned.YELLOW:
        warnings, warned = (WarningKind.YELLOW,), Warned.YELLOW

    levels: list[Level] = []
    candidates: list[datetime] = []
    if light is Light.RED and not facts.escalates:
        pass  # warned red above; nothing more can come due in this round
    elif light is Light.RED:
        for threshold_level, moment in level_thresholds(calendar, clock, policy.ladder(facts.urgent)):
            if threshold_level <= level:
                continue
            if moment <= now:
                levels.append(threshold_level)
            else:
                candidates.append(moment)
                break
    else:
        if light is Light.GREEN and warned < Warned.YELLOW:
            candidates.append(_just_after(calendar, clock, policy.yellow_ratio * clock.budget_seconds))
        if warned < Warned.RED or (facts.escalates and level < Level.SUPERVISION):
            candidates.append(_just_after(calendar, clock, clock.budget_seconds))
    new_level = levels[-1] if levels else level
    next_at = min(candidates) if candidates else None
    if next_at is not None and next_at <= now:  # rounding at a threshold instant: look again soon
        next_at = now + timedelta(seconds=1)
    return SweepDecision(light, warnings, tuple(levels), warned, new_level, next_at)
