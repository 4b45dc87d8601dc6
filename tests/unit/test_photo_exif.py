"""Reading a photo's EXIF time and GPS position (services.photo_exif) from real files made here with
Pillow, as a phone writes them."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from PIL import Image
from PIL.ExifTags import GPS, IFD, Base
from tests.support import png

from gridcity.services.photo_exif import jpeg_with_exif, read_photo_facts

CITY = "Asia/Shanghai"


def _jpeg(exif: Image.Exif) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (90, 90, 90)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_time_with_its_offset_and_the_gps_position() -> None:
    taken = datetime(2026, 11, 16, 9, 30, 15, tzinfo=ZoneInfo(CITY))
    facts = read_photo_facts(jpeg_with_exif(taken, 116.404, 39.914), CITY)
    assert facts.taken_at == taken and facts.taken_at.utcoffset() == timedelta(hours=8)
    assert abs(facts.lon - 116.404) < 1e-7 and abs(facts.lat - 39.914) < 1e-7  # type: ignore[operator]


def test_an_offset_other_than_the_citys_is_kept_and_southern_western_hemispheres_are_negative() -> None:
    taken = datetime(2026, 11, 16, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    facts = read_photo_facts(jpeg_with_exif(taken, -74.006, -12.5), CITY)
    assert facts.taken_at == taken
    assert abs(facts.lon + 74.006) < 1e-7 and abs(facts.lat + 12.5) < 1e-7  # type: ignore[operator]


def test_a_time_without_offset_is_the_citys_local_time() -> None:
    exif = Image.Exif()
    exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = "2026:11:16 09:30:00"
    facts = read_photo_facts(_jpeg(exif), CITY)
    assert facts.taken_at == datetime(2026, 11, 16, 9, 30, tzinfo=ZoneInfo(CITY))
    assert (facts.lon, facts.lat) == (None, None)


def test_no_exif_or_nonsense_gives_no_facts_never_an_error() -> None:
    assert read_photo_facts(png(), CITY).taken_at is None
    assert read_photo_facts(jpeg_with_exif(None), CITY) == read_photo_facts(b"%PDF-1.4", CITY)
    exif = Image.Exif()
    exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = "0000:00:00 00:00:00"  # a camera never set
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef], gps[GPS.GPSLatitude] = "N", (91.0, 0.0, 0.0)
    gps[GPS.GPSLongitudeRef], gps[GPS.GPSLongitude] = "E", (116.0, 0.0, 0.0)
    facts = read_photo_facts(_jpeg(exif), CITY)
    assert (facts.taken_at, facts.lon, facts.lat) == (None, None, None)


def test_a_damaged_exif_block_never_refuses_the_photo() -> None:
    """Bytes of the EXIF block overwritten one by one: the reader gives facts or none, never an error."""
    good = jpeg_with_exif(datetime(2026, 11, 16, 9, 30, tzinfo=ZoneInfo(CITY)), 116.404, 39.914)
    start = good.index(b"Exif\x00\x00")
    end = start + int.from_bytes(good[start - 2 : start], "big")
    for at in range(start + 6, end, 3):
        for value in (0x00, 0xFF, 0x7F):
            damaged = good[:at] + bytes([value]) + good[at + 1 :]
            read_photo_facts(damaged, CITY)  # no exception
