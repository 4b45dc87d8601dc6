"""Grid versions: an import supersedes the current grids of a community, never edits them; a grid
that crosses its community is refused; the layer still tiles the community."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import box, mapping
from sqlalchemy import func, select

from gridcity.db.models import Grid, OrgUnit
from gridcity.domain.errors import Invalid
from gridcity.services import territory


def _community(db, street: str = "110101017") -> OrgUnit:  # type: ignore[no-untyped-def]
    """A community of 永定门外街道, which no other test reports in."""
    return db.scalars(
        select(OrgUnit).where(OrgUnit.kind == "community", OrgUnit.code.startswith(street))
    ).first()


def _halves(polygon):  # type: ignore[no-untyped-def]
    min_x, min_y, max_x, max_y = polygon.bounds
    mid = (min_x + max_x) / 2
    return [
        polygon.intersection(box(min_x, min_y, mid, max_y)),
        polygon.intersection(box(mid, min_y, max_x, max_y)),
    ]


def _collection(features):  # type: ignore[no-untyped-def]
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"code": c}, "geometry": mapping(g)} for c, g in features
            ],
        }
    )


def test_import_supersedes_the_communitys_grids(platform, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    community = _community(db)
    polygon = shapely.from_wkb(community.geom_wkb)
    before = db.scalar(
        select(func.count()).where(
            Grid.community_code == community.code, Grid.layer == "city_management", Grid.valid_to.is_(None)
        )
    )
    assert before > 2
    west, east = _halves(polygon)
    path = tmp_path / "grids.geojson"
    path.write_text(
        _collection([(community.code + "001", west), (community.code + "002", east)]), encoding="utf-8"
    )

    run = territory.import_grids(platform, db, "city_management", path)
    assert (run.created, run.superseded) == (2, before)
    current = db.scalars(
        select(Grid).where(
            Grid.community_code == community.code, Grid.layer == "city_management", Grid.valid_to.is_(None)
        )
    ).all()
    assert {g.code for g in current} == {community.code + "001", community.code + "002"}
    assert {g.version for g in current} == {2}
    closed = db.scalar(
        select(func.count()).where(
            Grid.community_code == community.code, Grid.valid_to.is_not(None), Grid.layer == "city_management"
        )
    )
    assert closed == before  # the old version is kept, closed, not deleted
    union = shapely.union_all([shapely.from_wkb(g.geom_wkb) for g in current])
    assert abs(union.area - polygon.area) / polygon.area < 1e-6
    # the lookup follows the new version
    point = west.representative_point()
    assert platform.territory(db).locate(point.x, point.y).grids["city_management"] == community.code + "001"


def test_a_grid_crossing_its_community_is_refused(platform, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    community = _community(db, "110101016")
    polygon = shapely.from_wkb(community.geom_wkb)
    too_big = polygon.buffer(0.01)  # about a kilometre beyond the community on every side
    path = tmp_path / "bad.geojson"
    path.write_text(_collection([(community.code + "001", too_big)]), encoding="utf-8")
    versions = db.scalar(select(func.count()).select_from(Grid))
    with pytest.raises(Invalid, match="crosses the boundary"):
        territory.import_grids(platform, db, "city_management", path)
    assert db.scalar(select(func.count()).select_from(Grid)) == versions  # nothing half-imported
    wrong = tmp_path / "wrong.geojson"
    wrong.write_text(_collection([("12345", polygon)]), encoding="utf-8")
    with pytest.raises(Invalid):
        territory.import_grids(platform, db, "city_management", wrong)
