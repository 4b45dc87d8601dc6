"""Test data made through the real services (no fixtures written as raw rows)."""

from __future__ import annotations

import sqlite3
import struct
import zlib
from pathlib import Path

from gridcity.services import classes, departments, territory
from gridcity.services.demo import data_file
from gridcity.services.platform import Platform

TEST_DISTRICTS = ("110101",)


def build_test_city(platform: Platform) -> None:
    with platform.sessions() as db:
        territory.import_districts(platform, db, data_file("beijing", "beijing_districts_wgs84.geojson"))
        territory.import_streets(
            platform, db, data_file("beijing", "beijing_streets_townships_wgs84.geojson")
        )
        territory.import_communities_csv(
            platform, db, data_file("beijing", "beijing_towns_communities_adcode_2016.csv"), TEST_DISTRICTS
        )
        for layer in territory.LAYERS:
            territory.generate_grids(platform, db, layer, TEST_DISTRICTS)
        territory.rebuild_crosswalk(platform, db)
        classes.seed_catalogue(platform, db)
        departments.instantiate(platform, db, TEST_DISTRICTS)


def png(width: int = 2, height: int = 2) -> bytes:
    """A small, valid PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (the backup API: safe whatever its journal holds)."""
    source_db = sqlite3.connect(source)
    target_db = sqlite3.connect(target)
    try:
        with target_db:
            source_db.backup(target_db)
    finally:
        source_db.close()
        target_db.close()
