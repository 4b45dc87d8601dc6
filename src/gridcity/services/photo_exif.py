"""When and where a photo was taken, from its EXIF (read with Pillow at upload).

Time: `DateTimeOriginal` (the shutter, not a later edit), with `OffsetTimeOriginal` when the camera
wrote one (EXIF 2.31); without an offset the time is the camera's local time, taken to be the city's
zone. Position: the GPS IFD's latitude/longitude (degrees, minutes, seconds and a hemisphere
reference), WGS84 as phones record it. JPEG, WebP and PNG (eXIf chunk) are read; HEIC is not an
accepted upload type (Pillow needs the pillow-heif plugin for it). A file without EXIF, or with values
that make no sense (a zero date, a latitude of 91°), gives no time or no position instead of an
error: the photo is still evidence that something was sent, and the case page says 无拍摄信息.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from PIL import Image, UnidentifiedImageError
from PIL.ExifTags import GPS, IFD, Base

_DATETIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class PhotoFacts:
    taken_at: datetime | None = None  # aware
    lon: float | None = None
    lat: float | None = None


def read_photo_facts(content: bytes, city_zone: str) -> PhotoFacts:
    """The EXIF time and GPS position of an image file's bytes; empty facts when it has none."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            exif = image.getexif()
            if not exif:
                return PhotoFacts()
            details = exif.get_ifd(IFD.Exif)
            gps = exif.get_ifd(IFD.GPSInfo)
    except (UnidentifiedImageError, Image.DecompressionBombError):
        return PhotoFacts()  # not an image Pillow reads (a PDF): nothing to keep
    except Exception:  # a damaged EXIF block: whatever error Pillow's parser raises
        return PhotoFacts()  # must not refuse the photo: it is evidence without a time or place
    taken_at = _taken_at(
        details.get(Base.DateTimeOriginal) or exif.get(Base.DateTime),
        details.get(Base.OffsetTimeOriginal),
        ZoneInfo(city_zone),
    )
    lon, lat = _position(gps)
    return PhotoFacts(taken_at, lon, lat)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip("\x00 ") if value is not None else ""


def _taken_at(stamp: object, offset: object, city: ZoneInfo) -> datetime | None:
    m = _DATETIME.match(_text(stamp))
    if m is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(g) for g in m.groups())
        local = datetime(year, month, day, hour, minute, second)  # the zone is set below
    except ValueError:  # "0000:00:00 00:00:00" from a camera whose clock was never set
        return None
    o = _OFFSET.match(_text(offset))
    if o is None:
        return local.replace(tzinfo=city)
    sign = 1 if o.group(1) == "+" else -1
    delta = timedelta(hours=int(o.group(2)), minutes=int(o.group(3)))
    if delta > timedelta(hours=14):
        return local.replace(tzinfo=city)
    return local.replace(tzinfo=timezone(sign * delta))


def _degrees(dms: object, ref: object, positive: str, limit: float) -> float | None:
    try:
        d, m, s = (float(x) for x in dms)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    if not math.isfinite(value) or value > limit:
        return None
    hemisphere = _text(ref).upper()
    return value if hemisphere in ("", positive) else -value


def _position(gps: dict[int, object]) -> tuple[float | None, float | None]:
    if not gps:
        return None, None
    lat = _degrees(gps.get(GPS.GPSLatitude), gps.get(GPS.GPSLatitudeRef), "N", 90)
    lon = _degrees(gps.get(GPS.GPSLongitude), gps.get(GPS.GPSLongitudeRef), "E", 180)
    if lat is None or lon is None or (lat == 0 and lon == 0):  # 0,0: a phone without a fix
        return None, None
    return lon, lat


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    return float(d), float(m), round((value - d - m / 60) * 3600, 4)


def jpeg_with_exif(
    taken_at: datetime | None,
    lon: float | None = None,
    lat: float | None = None,
    *,
    size: tuple[int, int] = (64, 48),
    color: tuple[int, int, int] = (120, 140, 110),
) -> bytes:
    """A small real JPEG whose EXIF says when (local time with its offset) and where it was taken,
    as a phone writes it: for the demo's field photos and for tests."""
    exif = Image.Exif()
    if taken_at is not None:
        details = exif.get_ifd(IFD.Exif)
        details[Base.DateTimeOriginal] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        offset = taken_at.strftime("%z")
        if offset:
            details[Base.OffsetTimeOriginal] = f"{offset[:3]}:{offset[3:]}"
    if lon is not None and lat is not None:
        gps = exif.get_ifd(IFD.GPSInfo)
        gps[GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[GPS.GPSLatitude] = _dms(lat)
        gps[GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[GPS.GPSLongitude] = _dms(lon)
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", exif=exif, quality=70)
    return out.getvalue()
