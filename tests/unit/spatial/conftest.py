"""Real Beijing reference data, loaded once per test session from the installed package."""

from __future__ import annotations

import csv
import io
import math
from importlib.resources import files

import pytest
from shapely.geometry.base import BaseGeometry

from gridcity.spatial.communities import centres_by_street, derive_community_cells
from gridcity.spatial.geojson import POLYGONAL, read_features

DONGHUAMEN = "110101001"  # 东华门街道, 东城区
DONGCHENG = "110101"
XICHENG = "110102"
FORBIDDEN_CITY = (116.397, 39.918)  # 故宫, inside 东华门街道


def data_text(name: str) -> str:
    return (files("gridcity") / "data" / "beijing" / name).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def streets() -> dict[str, BaseGeometry]:
    features = read_features(data_text("beijing_streets_townships_wgs84.geojson"), geometry_types=POLYGONAL)
    return {f.properties["street_code_9"]: f.geometry for f in features}


@pytest.fixture(scope="session")
def districts() -> dict[str, BaseGeometry]:
    features = read_features(data_text("beijing_districts_wgs84.geojson"), geometry_types=POLYGONAL)
    return {f.properties["district_code"]: f.geometry for f in features}


@pytest.fixture(scope="session")
def community_rows() -> list[dict[str, str]]:
    """Community (village-level) rows of 东城区 and 西城区, points in GCJ-02 as published."""
    rows = csv.DictReader(io.StringIO(data_text("beijing_towns_communities_adcode_2016.csv")))
    return [r for r in rows if r["level"] == "village" and r["code"][:6] in (DONGCHENG, XICHENG)]


@pytest.fixture(scope="session")
def centres(community_rows) -> dict[str, dict]:
    """WGS84 centre points grouped by street (rows without a point left out)."""
    codes = [r["code"] for r in community_rows]
    lons = [float(r["longitude"]) if r["longitude"] else math.nan for r in community_rows]
    lats = [float(r["latitude"]) if r["latitude"] else math.nan for r in community_rows]
    return centres_by_street(codes, lons, lats)


@pytest.fixture(scope="session")
def donghuamen_cells(streets, centres) -> dict[str, BaseGeometry]:
    return derive_community_cells(streets[DONGHUAMEN], centres[DONGHUAMEN])
