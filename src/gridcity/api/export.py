"""Export (导出): cases as CSV, XLSX or GeoJSON with the same filters as GET /cases; grids and
territory outlines as GeoJSON. Every response streams (see services.export)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from gridcity.api.cases import CaseQuery
from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import BINARY, GEOJSON, TEXT, download, media, refusal
from gridcity.db.queries import CaseFilter
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.services import export
from gridcity.services.platform import Platform

router = APIRouter(prefix="/export", tags=["export"])

_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
_CASES = media(
    {"text/csv": TEXT, _MEDIA["xlsx"]: BINARY, **GEOJSON},
    401,
    description="The cases, in the format `fmt` names",
    headers=download("cases.FMT"),
) | refusal(422, "An unknown format (csv, xlsx, geojson) or a bad filter.")


@router.get("/cases.{fmt}", response_class=StreamingResponse, responses=_CASES)
def export_cases(platform: PlatformDep, db: DbDep, fmt: str, flt: CaseQuery) -> StreamingResponse:
    """Every case the caller may see that the filters select (no paging): `fmt` is csv, xlsx or
    geojson. The filters are those of GET /api/v1/cases."""
    export.check_format(fmt)
    headers = {"Content-Disposition": f'attachment; filename="cases.{fmt}"'}
    if fmt == "xlsx":
        # openpyxl needs a seekable file: the workbook is spooled to a temporary file (rows are
        # never all in memory) and that file is streamed back, then deleted
        spool = tempfile.TemporaryFile()  # noqa: SIM115 -- closed when the response is sent
        try:
            export.write_xlsx(platform, db, flt, spool)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return StreamingResponse(
            _file_chunks(spool),
            media_type=_MEDIA[fmt],
            headers=headers,
            background=BackgroundTask(spool.close),
        )
    chunks = _own_session(platform, fmt, flt)
    return StreamingResponse(chunks, media_type=_MEDIA[fmt], headers=headers)


def _own_session(platform: Platform, fmt: str, flt: CaseFilter) -> Iterator[str]:
    """The export's chunks read through a session of its own: the response streams after the
    request's session is gone."""
    with platform.sessions() as db:
        chunks = export.csv_chunks if fmt == "csv" else export.geojson_chunks
        yield from chunks(platform, db, flt)


def _file_chunks(fh: IO[bytes]) -> Iterator[bytes]:
    while chunk := fh.read(64 * 1024):
        yield chunk


@router.get(
    "/grids.geojson",
    response_class=StreamingResponse,
    responses=media(GEOJSON, 401, 422, description="The grids of the layer"),
)
def export_grids(
    platform: PlatformDep,
    user: UserDep,
    layer: str = Query(
        default="city_management", description="city_management|social_service|public_security"
    ),
    scope: str | None = Query(
        default=None, max_length=12, description="only grids under this territory code"
    ),
) -> StreamingResponse:
    """The current grids of a layer, full geometry, as GeoJSON."""
    if layer not in export.LAYERS:
        raise Invalid(message("list.unknown_layer", layer=layer, layers=", ".join(export.LAYERS)))

    def chunks() -> Iterator[str]:
        with platform.sessions() as db:
            yield from export.grid_chunks(db, layer, scope)

    return StreamingResponse(chunks(), media_type=_MEDIA["geojson"])


@router.get(
    "/territory.geojson",
    response_class=StreamingResponse,
    responses=media(GEOJSON, 401, 422, description="The outlines of the level"),
)
def export_territory(
    platform: PlatformDep,
    user: UserDep,
    level: str = Query(default="district", description="district | street | community"),
    parent: str | None = Query(default=None, max_length=12, description="only units under this code"),
) -> StreamingResponse:
    """District, street or community outlines at full precision, as GeoJSON."""
    if level not in export.LEVELS:
        raise Invalid(message("list.unknown_level", levels=", ".join(export.LEVELS)))

    def chunks() -> Iterator[str]:
        with platform.sessions() as db:
            yield from export.territory_chunks(db, level, parent)

    return StreamingResponse(chunks(), media_type=_MEDIA["geojson"])
