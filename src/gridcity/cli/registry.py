"""The city's registers: `gridcity import components` (the component census, 部件普查) and
`gridcity registry` (the social registry, 人地事物组织: places, organisations, residents, grid staff,
the personal-data access log)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gridcity.cli.common import RichProgress, console, in_session, open_platform, report_rejects

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

imports = typer.Typer()  # `gridcity import components` (gridcity.cli adds it)
registry_app = typer.Typer(
    help="The social registry (人地事物组织): import places, organisations, residents; grid staff; "
    "the personal-data access log.",
    no_args_is_help=True,
)


@imports.command("components")
def import_components(
    file: Path,
    rejects: Annotated[
        Path | None, typer.Option(help="where the rejected rows go (default FILE.rejects.csv)")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="rows per transaction")] = 5000,
) -> None:
    """A component census (管理部件) from CSV, JSON lines or GeoJSON, with the columns of GB/T
    47678.5 (管理部件标识码 or GLBJBSM or code, …). New codes become components; a changed row
    becomes a new version of its component (the old one stays in its history); an unchanged row
    changes nothing. Rows that fail go to the reject file with the reason."""
    from gridcity.services.components import records as components

    platform = open_platform()
    run = in_session(
        platform,
        lambda db: components.import_components(platform, db, file, rejects, RichProgress(), batch_size),
    )
    console.print(
        f"{run.read:,} rows: {run.created:,} new, {run.changed:,} changed, {run.unchanged:,} unchanged, "
        f"{run.rejected:,} rejected"
    )
    report_rejects(run)


@registry_app.command("import")
def registry_import(
    kind: Annotated[str, typer.Argument(help="places | organisations | residents")],
    file: Path,
    rejects: Annotated[
        Path | None, typer.Option(help="where the rejected rows go (default FILE.rejects.csv)")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="rows per transaction")] = 500,
) -> None:
    """Places, organisations or residents from CSV (UTF-8, header row; the columns are in
    `gridcity.services.registry.importing`). Each row is checked (ID numbers, credit codes, phones) and
    located in its grids; ID numbers and phones are stored encrypted. Rows that fail go to the
    reject file with the reason; importing the same file again rejects what is registered already."""
    from gridcity.services.registry import importing as registry_import

    platform = open_platform()
    run = in_session(
        platform,
        lambda db: registry_import.import_file(platform, db, kind, file, rejects, RichProgress(), batch_size),
    )
    console.print(f"{run.read:,} rows: {run.imported:,} imported, {run.rejected:,} rejected")
    report_rejects(run)
    if run.imported == 0 and run.rejected:
        raise typer.Exit(1)


@registry_app.command("assign")
def registry_assign(
    username: str,
    grid: Annotated[
        str, typer.Argument(help="a social-service grid (网格员) or public-security grid (治安)")
    ],
) -> None:
    """Assign a grid worker or a police officer to a grid of their layer."""
    from gridcity.services.registry import records as registry

    platform = open_platform()

    def work(db: Session) -> None:
        row = registry.assign_grid(platform, db, None, username, grid)
        console.print(f"{username} → {row.layer} grid {row.grid_code}")

    in_session(platform, work)


@registry_app.command("access-log")
def registry_access_log(
    limit: Annotated[int, typer.Option(min=1, max=5000, help="how many of the latest entries")] = 50,
    user: Annotated[str | None, typer.Option(help="only this username's reads")] = None,
) -> None:
    """The latest reads of personal data in clear and exports: who, when, what, why."""
    from gridcity.services.registry import records as registry

    platform = open_platform()
    rows = in_session(platform, lambda db: registry.access_log(db, None, limit, user))
    # one line per entry (at, who, role, action, record, fields, reason), tab-separated for grep and cut
    for r in rows:
        rows_part = f"{r.record_kind} ({r.detail.get('rows', 0)} rows)"
        record = f"{r.record_kind} {r.record_id}" if r.record_id else rows_part
        fields = (
            f"{r.at:%Y-%m-%d %H:%M:%S}Z",
            r.username,
            r.role,
            r.action,
            record,
            ",".join(r.fields),
            r.reason,
        )
        typer.echo("\t".join(fields))
    if not rows:
        console.print("no reads of personal data in clear yet")
