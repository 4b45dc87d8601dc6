"""The city's territory and who works in it: `gridcity import` of districts, streets, communities,
grids and classes; `gridcity grids generate`, `users add|locks|unlock|reset-2fa`, `calendar set|show`."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gridcity.cli.common import GRID_LAYERS, RichProgress, console, fail, in_session, open_platform

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

imports = typer.Typer()  # `gridcity import districts`, … (gridcity.cli adds them)
grids_app = typer.Typer(help="Grid layers: generate versions, crosswalk.", no_args_is_help=True)
users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
calendar_app = typer.Typer(
    help="The working calendar: the city's holidays and make-up days.", no_args_is_help=True
)


@imports.command("districts")
def import_districts(file: Path) -> None:
    """Districts (区) from GeoJSON (properties district_code, name)."""
    from gridcity.services import territory

    platform = open_platform()
    n = in_session(platform, lambda db: territory.import_districts(platform, db, file, RichProgress()))
    console.print(f"{n} districts imported")


@imports.command("streets")
def import_streets(file: Path) -> None:
    """Streets/townships (街道/乡/镇) from GeoJSON (properties street_code_9, name)."""
    from gridcity.services import territory

    platform = open_platform()
    n = in_session(platform, lambda db: territory.import_streets(platform, db, file, RichProgress()))
    console.print(f"{n} streets imported")


@imports.command("communities")
def import_communities(
    file: Path,
    district: Annotated[list[str] | None, typer.Option(help="only these districts (repeat)")] = None,
) -> None:
    """Communities (社区/村) from CSV (code, name, longitude, latitude in GCJ-02); their polygons are
    derived as Voronoi cells clipped to the street."""
    from gridcity.services import territory

    platform = open_platform()
    result = in_session(
        platform, lambda db: territory.import_communities_csv(platform, db, file, district, RichProgress())
    )
    console.print(
        f"{result.created} communities ({result.synthetic} synthetic whole-street ones); "
        f"{len(result.without_point)} listed without a centre point were skipped"
    )


@imports.command("grids")
def import_grids(
    file: Path,
    layer: Annotated[str, typer.Option(help=GRID_LAYERS)],
) -> None:
    """Grids of one layer from GeoJSON (property code), as a new version."""
    from gridcity.services import territory

    platform = open_platform()
    run = in_session(platform, lambda db: territory.import_grids(platform, db, layer, file, RichProgress()))
    console.print(f"{run.created} {layer} grids imported; {run.superseded} earlier ones superseded")


@imports.command("classes")
def import_classes(file: Path) -> None:
    """A city's class override file (TOML): limits, owners, criteria, local classes."""
    from gridcity.services import classes

    platform = open_platform()
    n = in_session(platform, lambda db: classes.apply_override_file(platform, db, file))
    console.print(f"{n} classes updated")


@grids_app.command("generate")
def grids_generate(
    district: Annotated[list[str], typer.Option(help="district code (repeat)")],
    layer: Annotated[str, typer.Option(help=GRID_LAYERS)] = "city_management",
    area: Annotated[float | None, typer.Option(help="target grid area in m² (default per layer)")] = None,
    crosswalk: Annotated[bool, typer.Option(help="recompute the crosswalk afterwards")] = True,
) -> None:
    """Generate a new version of one grid layer inside the given districts."""
    from gridcity.services import territory

    platform = open_platform()

    def work(db: Session) -> None:
        run = territory.generate_grids(platform, db, layer, district, area, RichProgress())
        console.print(f"{run.created} {layer} grids generated; {run.superseded} earlier ones superseded")
        if run.resized:
            console.print(
                f"[yellow]warning:[/yellow] {len(run.resized)} parents needed larger grids (999 cap)"
            )
        if crosswalk:
            n = territory.rebuild_crosswalk(platform, db, RichProgress())
            console.print(f"crosswalk: {n} overlaps stored")

    in_session(platform, work)


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[
        str, typer.Option(help="supervisor|operator|shift_leader|dispatcher|handler|admin|leader|citizen")
    ],
    unit: Annotated[str, typer.Option(help="organisation unit code, e.g. 110101 or 110101-CGZF")],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    password: Annotated[str | None, typer.Option(help="omit to be asked")] = None,
) -> None:
    """Add a user with a role in one organisation unit."""
    from gridcity.services import users
    from gridcity.services.password_policy import PasswordPolicy

    platform = open_platform()
    secret = password
    if secret is None:
        if not sys.stdin.isatty():
            raise fail("give --password, or run in a terminal to be asked")
        secret = getpass.getpass("password: ")
    policy = PasswordPolicy.of(platform.settings)
    user = in_session(
        platform, lambda db: users.add_user(db, username, secret, role, unit, name, policy=policy)
    )
    console.print(f"user {user.username} ({user.role}) added")


@users_app.command("locks")
def users_locks(
    limit: Annotated[
        int, typer.Option(min=1, max=5000, help="how many of the latest locks and unlocks")
    ] = 50,
) -> None:
    """The usernames locked now after too many failed sign-ins, then the latest locks and unlocks."""
    from gridcity.services import signin_guard

    platform = open_platform()

    def work(db: Session) -> None:
        locked = signin_guard.current_locks(platform, db, None)
        for lock in locked:
            typer.echo(f"locked\t{lock.username}\tuntil {lock.locked_until:%Y-%m-%d %H:%M:%S}Z")
        if not locked:
            console.print("no username is locked now")
        # one line per event (at, action, username, by, reason), tab-separated for grep and cut
        for e in signin_guard.lock_events(db, None, limit=limit):
            typer.echo("\t".join((f"{e.at:%Y-%m-%d %H:%M:%S}Z", e.action, e.username, e.by_name, e.reason)))

    in_session(platform, work)


@users_app.command("unlock")
def users_unlock(
    username: str,
    reason: Annotated[str, typer.Option(help="why: recorded with the unlock")],
) -> None:
    """Lift the lock of a username locked after too many failed sign-ins (recorded with the reason)."""
    from gridcity.services import signin_guard

    platform = open_platform()
    in_session(platform, lambda db: signin_guard.unlock(platform, db, None, username, reason))
    console.print(f"{username} unlocked")


@users_app.command("reset-2fa")
def users_reset_second_factor(username: str) -> None:
    """Remove a user's second factor (TOTP and recovery codes) — a lost phone; their sessions end.
    If their role must have one, they set up a new one at their next sign-in. Audited."""
    from gridcity.services import second_factor

    platform = open_platform()
    user = in_session(platform, lambda db: second_factor.reset_by_username(platform, db, username))
    console.print(f"second factor of {user.username} reset; their sessions ended")


@calendar_app.command("set")
def calendar_set(
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    workday: Annotated[bool, typer.Option("--workday/--rest", help="a working day or a rest day")],
    note: Annotated[str, typer.Option(help="e.g. 元旦, 春节调休")] = "",
) -> None:
    """Make one day a working day or a rest day for the whole city."""
    from datetime import date

    from gridcity.services import calendar

    platform = open_platform()
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise fail(f"{day!r} is not a date (YYYY-MM-DD)") from None
    in_session(platform, lambda db: calendar.set_day(platform, db, None, when, workday, note))
    console.print(f"{when}: {'working day' if workday else 'rest day'} {note}")


@calendar_app.command("confirm")
def calendar_confirm(
    year: Annotated[int, typer.Option(help="a year the national table does not know")],
) -> None:
    """Confirm the statutory holidays computed for a year the national holiday table does not know:
    they become the city's own rest days (the 调休 make-up days are still to enter with `set`)."""
    from gridcity.services import calendar

    platform = open_platform()
    days = in_session(platform, lambda db: calendar.confirm_computed(platform, db, None, year))
    for day in days:
        typer.echo(f"{day}  rest  confirmed")
    console.print(f"{len(days)} computed holidays of {year} confirmed as the city's own rest days")


@calendar_app.command("show")
def calendar_show(year: Annotated[int, typer.Option(help="the year to show")]) -> None:
    """Every day of a year that is not an ordinary weekday or weekend day — the national table's
    holidays and make-up days, the statutory holidays computed for a year the table does not know,
    the city's own days — with where each comes from; warns when the table does not know the year."""
    from gridcity.services import calendar

    platform = open_platform()
    view = in_session(platform, lambda db: calendar.year_view(platform, db, year))
    if view["warning"]:
        console.print(f"[yellow]warning:[/yellow] {view['warning']}")
    for d in view["days"]:
        typer.echo(f"{d['day']}  {'work' if d['is_workday'] else 'rest'}  {d['source']:<8}  {d['name']}")
