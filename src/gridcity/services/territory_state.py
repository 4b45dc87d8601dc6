"""The territory held in memory for point lookup (one STRtree per level and grid layer), built from
the database by `Platform.territory()`; it knows nothing of the platform that caches it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.models import Grid, OrgUnit
from gridcity.domain.errors import NotFound
from gridcity.domain.messages import message
from gridcity.domain.territory import GridLayer
from gridcity.spatial.index import LayerIndex, TerritoryIndex

LAYERS = tuple(layer.value for layer in GridLayer)  # the three grid networks


@dataclass(frozen=True)
class Place:
    district_code: str
    street_code: str
    community_code: str | None
    grids: dict[str, str | None]


class TerritoryState:
    """The territory held in memory: one STRtree per level and per grid layer."""

    LEVELS = ("district", "street", "community")

    def __init__(self, index: TerritoryIndex, names: dict[str, str]) -> None:
        self.index = index
        self.names = names

    @classmethod
    def from_db(cls, db: Session) -> TerritoryState:
        layers: dict[str, LayerIndex] = {}
        names: dict[str, str] = {}
        for level in cls.LEVELS:
            rows = db.execute(
                select(OrgUnit.code, OrgUnit.name, OrgUnit.geom_wkb).where(
                    OrgUnit.kind == level, OrgUnit.geom_wkb.is_not(None)
                )
            ).all()
            names.update({r.code: r.name for r in rows})
            layers[level] = LayerIndex([r.code for r in rows], shapely.from_wkb([r.geom_wkb for r in rows]))
        for layer in LAYERS:
            grids = db.execute(
                select(Grid.code, Grid.geom_wkb).where(Grid.layer == layer, Grid.valid_to.is_(None))
            ).all()
            layers[layer] = LayerIndex([g.code for g in grids], shapely.from_wkb([g.geom_wkb for g in grids]))
        return cls(TerritoryIndex(layers), names)

    def resolve(
        self, lons: Sequence[float] | np.ndarray, lats: Sequence[float] | np.ndarray
    ) -> dict[str, np.ndarray]:
        """Vectorised: every level and layer for many points at once (None where outside)."""
        return self.index.resolve(lons, lats)

    def locate(self, lon: float, lat: float) -> Place:
        """One point → district, street, community and the grid of each layer; NotFound outside."""
        index = self.index
        point = shapely.Point(lon, lat)  # once for every layer asked
        unit_grid = index["city_management"].locate_one(lon, lat, point)
        grids = {
            "city_management": unit_grid,
            "social_service": index["social_service"].locate_one(lon, lat, point),
            "public_security": index["public_security"].locate_one(lon, lat, point),
        }
        if unit_grid is not None:
            # A unit grid never crosses its community: its code names community, street, district.
            return Place(unit_grid[:6], unit_grid[:9], unit_grid[:12], grids)
        street = index["street"].locate_one(lon, lat, point)
        if street is None:
            raise NotFound(message("territory.outside_city", lon=lon, lat=lat))
        # The street layer is authoritative: its code names its district even where the district
        # outlines are drawn more coarsely.
        return Place(street[:6], street, index["community"].locate_one(lon, lat, point), grids)

    def locate_many(
        self,
        lons: Any,
        lats: Any,
        layers: Sequence[str] = ("city_management", "social_service", "public_security"),
    ) -> list[Place | None]:
        """`locate` for many points at once (one vectorised lookup per layer instead of one per
        point); None for a point outside the city. Only the grid layers asked for are looked up."""
        columns = self.locate_columns(lons, lats, layers)
        districts, streets, communities = columns["district"], columns["street"], columns["community"]
        grids = [columns[layer] for layer in layers]
        return [
            None
            if streets[i] is None
            else Place(
                districts[i],
                streets[i],
                communities[i],
                {layer: g[i] for layer, g in zip(layers, grids, strict=True)},
            )
            for i in range(len(streets))
        ]

    def locate_columns(
        self, lons: Any, lats: Any, layers: Sequence[str] = ("city_management",)
    ) -> dict[str, Any]:
        """The same as `locate_many`, as arrays: district, street, community and each grid layer
        asked for, per point (None outside). The unit grid names community, street and district
        (a unit grid never crosses its community); outside the unit grids the street layer does."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        index = self.index
        unit, districts, streets, communities = index["city_management"].locate_parts(lons, lats, (6, 9, 12))
        found = {
            layer: unit if layer == "city_management" else index[layer].locate(lons, lats) for layer in layers
        }
        outside = np.flatnonzero(unit == None)  # noqa: E711 -- elementwise over an object array
        if outside.size:
            street = index["street"].locate(lons[outside], lats[outside])
            community = index["community"].locate(lons[outside], lats[outside])
            for j, i in enumerate(outside):
                if street[j] is not None:
                    districts[i], streets[i], communities[i] = street[j][:6], street[j], community[j]
        return {"district": districts, "street": streets, "community": communities, **found}
