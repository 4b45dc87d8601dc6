"""Supervisors' responsibility grids (责任网格) and their patrols: `gridcity supervisors assign|unassign|
list` and `gridcity patrol prune`."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from gridcity.cli.common import console, fail, in_session, open_platform

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

supervisors_app = typer.Typer(
    help="Supervisors' responsibility grids (责任网格): assign, unassign, list.", no_args_is_help=True
)
patrol_app = typer.Typer(help="Supervisors' patrol tracks (巡查轨迹).", no_args_is_help=True)


def _plan(file: Path) -> dict[str, list[str]]:
    """A CSV file with the columns username and grid_code: username → grid codes."""
    try:
        with file.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"username", "grid_code"} <= set(reader.fieldnames):
                raise fail(f"{file}: the header must name the columns username and grid_code")
            plan: dict[str, list[str]] = {}
            for row in reader:
                name, code = (row.get("username") or "").strip(), (row.get("grid_code") or "").strip()
                if name and code:
                    plan.setdefault(name, []).append(code)
    except FileNotFoundError:
        raise fail(f"no such file: {file}") from None
    except UnicodeDecodeError:
        raise fail(f"{file}: not UTF-8 text") from None
    return plan


@supervisors_app.command("assign")
def assign(
    username: Annotated[str | None, typer.Argument(help="the supervisor")] = None,
    grid: Annotated[list[str] | None, typer.Argument(help="unit grid codes")] = None,
    file: Annotated[
        Path | None, typer.Option(help="a CSV plan with the columns username, grid_code (instead)")
    ] = None,
) -> None:
    """Give unit grids to a supervisor (a grid another supervisor holds moves); with --file, a whole
    plan, one supervisor at a time (each supervisor's grids all or none)."""
    from gridcity.services import supervisor_grids

    if file is not None:
        plan = _plan(file)
    elif username and grid:
        plan = {username: list(grid)}
    else:
        raise fail("give a supervisor and grid codes, or --file")
    platform = open_platform()

    def work(db: Session) -> None:
        for name, codes in plan.items():
            for start in range(0, len(codes), supervisor_grids.MAX_GRIDS_PER_CALL):
                part = codes[start : start + supervisor_grids.MAX_GRIDS_PER_CALL]
                done = supervisor_grids.assign(platform, db, None, name, part)
                moved = "".join(f"; {c} from {u}" for c, u in sorted(done.moved.items()))
                typer.echo(
                    f"{name}: {len(done.added)} added, {len(done.moved)} moved, "
                    f"{len(done.unchanged)} held already{moved}"
                )

    in_session(platform, work)


@supervisors_app.command("unassign")
def unassign(grid: Annotated[list[str], typer.Argument(help="unit grid codes")]) -> None:
    """End the assignment of unit grids."""
    from gridcity.services import supervisor_grids

    platform = open_platform()
    ended = in_session(platform, lambda db: supervisor_grids.unassign(platform, db, None, grid))
    typer.echo(f"{len(ended)} grids unassigned{': ' + ' '.join(ended) if ended else ''}")


@supervisors_app.command("list")
def list_grids(
    area: Annotated[str, typer.Option(help="a district, street or community code")] = "",
    username: Annotated[str | None, typer.Option(help="one supervisor")] = None,
) -> None:
    """The current assignments, by grid: grid code, supervisor, unit, since."""
    from gridcity.services import supervisor_grids

    platform = open_platform()
    items, total = in_session(platform, lambda db: supervisor_grids.holdings(db, area, username))
    tz = ZoneInfo(platform.settings.timezone)
    for h in items:
        since = h.since.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{h.grid_code}\t{h.username}\t{h.display_name}\t{h.unit_name}\t{since}")
    console.print(f"{total} grids assigned")


@patrol_app.command("prune")
def prune() -> None:
    """Delete the GPS points older than GRIDCITY_PATROL_RETENTION_DAYS (the grids visited stay)."""
    from gridcity.services import patrol

    platform = open_platform()
    n = in_session(platform, lambda db: patrol.prune(platform, db))
    console.print(f"{n} patrol points older than {platform.settings.patrol_retention_days} days deleted")
