"""The demo's field photos: small real JPEGs carrying the EXIF a phone writes (when, with the
offset, and the GPS position), uploaded through the real service, for the actions a class requires
a photo for (核实、核查、处置反馈 by default).

Most are taken at the scene a few minutes before the step; a few are what a supervision centre
has to catch — an old photo reused (taken before the report), one taken elsewhere (hundreds of
metres away), one whose EXIF was stripped by a messaging app — so the case pages show every kind of
flag (domain.evidence).
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gridcity.domain.components import EARTH_RADIUS_M
from gridcity.domain.principal import Principal
from gridcity.services import attachments
from gridcity.services.photo_exif import jpeg_with_exif
from gridcity.services.platform import Platform

STALE_SHARE = 0.02  # an old photo of the place, taken before the case was reported
FAR_SHARE = 0.02  # taken 300–700 m away
STRIPPED_SHARE = 0.03  # no EXIF at all


class FieldCamera:
    def __init__(self, platform: Platform, seed: int) -> None:
        self.rng = random.Random(seed + 2)  # a stream of its own: the cases' other draws stay as they were
        self.zone = ZoneInfo(platform.settings.timezone)

    def shoot(
        self,
        platform: Platform,
        db: Session,
        user: Principal,
        point: tuple[float, float],
        now: datetime,
        reported_at: datetime,
    ) -> int:
        """Upload one photo of the case at `point` for a step taken `now`; its attachment id."""
        rng = self.rng
        roll = rng.random()
        if roll < STALE_SHARE:
            taken = reported_at - timedelta(days=rng.uniform(1, 60))
        else:
            taken = max(now - timedelta(minutes=rng.uniform(0.5, 6)), reported_at + timedelta(seconds=30))
        far = STALE_SHARE <= roll < STALE_SHARE + FAR_SHARE
        lon, lat = _offset(
            point, rng.uniform(300, 700) if far else rng.uniform(2, 40), rng.uniform(0, 2 * math.pi)
        )
        shade = rng.randrange(60, 200)
        if roll >= 1 - STRIPPED_SHARE:
            content = jpeg_with_exif(None, color=(shade, shade, shade))
        else:
            content = jpeg_with_exif(taken.astimezone(self.zone), lon, lat, color=(shade, shade + 30, shade))
        name = f"IMG_{taken.astimezone(self.zone):%Y%m%d_%H%M%S}.jpg"
        return attachments.store_upload(platform, db, user, name, content).id


def _offset(point: tuple[float, float], metres: float, bearing: float) -> tuple[float, float]:
    lon, lat = point
    m_per_deg = math.pi * EARTH_RADIUS_M / 180
    return (
        round(lon + metres * math.sin(bearing) / (m_per_deg * math.cos(math.radians(lat))), 6),
        round(lat + metres * math.cos(bearing) / m_per_deg, 6),
    )
