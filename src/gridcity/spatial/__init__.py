"""Geometry for the territory and the three grid networks; WGS84 lon/lat in, WGS84 lon/lat out.

Modules: ``crs`` (GCJ-02 → WGS84, metric projections, areas), ``geojson`` (validated I/O),
``communities`` (community cells from centre points), ``gridgen`` (grid generation and codes),
``index`` (vectorised point location), ``crosswalk`` (overlaps between layers). Code rules live in
``gridcity.domain.territory``; this package imports nothing else of the project.
"""
