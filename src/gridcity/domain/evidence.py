"""Photo evidence (现场照片): which actions need a photo, and what a photo's EXIF says against the case.

A class lists in `photo_required` the actions refused without at least one photo (by default a
supervisor's 核实 and 核查 and a department's 处置反馈: docs/domain/evidence.md). Each photo keeps the
time and position its camera wrote; a photo is flagged when it was taken before the case was reported
(it cannot show the scene the case is about: an old photo reused) or farther than `FAR_M` metres
(GRIDCITY_PHOTO_FAR_M) from the case point (not taken at the scene). The report's own photos are not
judged by the report time: they are taken moments before the report is sent, by definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gridcity.domain.components import ground_distance_m
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message

FAR_M = 200  # metres from the case point beyond which a photo is not of the scene (GRIDCITY_PHOTO_FAR_M)
BEFORE_REPORT = "before_report"
FAR = "far"
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


def require_photos(
    required: Sequence[str], action: str, action_label_zh: str, content_types: Sequence[str]
) -> None:
    """Refuse `action` when the class requires a photo for it and none of the files is an image."""
    if action in required and not any(t in PHOTO_TYPES for t in content_types):
        raise Invalid(
            message("evidence.photo_required", action=action, action_zh=action_label_zh),
            key="attachments",
            action=action,
        )


@dataclass(frozen=True)
class PhotoCheck:
    """What the case page and the API show of one photo."""

    taken_at: datetime | None
    lon: float | None
    lat: float | None
    distance_m: int | None  # from the case point, rounded to the metre
    flags: tuple[str, ...] = field(default=())

    @property
    def has_facts(self) -> bool:
        return self.taken_at is not None or self.distance_m is not None

    def flag_labels_zh(self) -> list[str]:
        labels = {BEFORE_REPORT: "拍摄于上报之前", FAR: f"距案件位置 {self.distance_m} 米"}
        return [labels[f] for f in self.flags]


def check_photo(
    taken_at: datetime | None,
    lon: float | None,
    lat: float | None,
    *,
    case_lon: float,
    case_lat: float,
    reported_at: datetime,
    with_report: bool,
    far_m: float = FAR_M,
) -> PhotoCheck:
    """Judge a photo's EXIF time and position against the case (`with_report`: one of the report's
    own photos, not judged by the report time)."""
    distance = None
    if lon is not None and lat is not None:
        distance = round(ground_distance_m(lon, lat, case_lon, case_lat))
    flags = []
    if taken_at is not None and not with_report and taken_at < reported_at:
        flags.append(BEFORE_REPORT)
    if distance is not None and distance > far_m:
        flags.append(FAR)
    return PhotoCheck(taken_at, lon, lat, distance, tuple(flags))
