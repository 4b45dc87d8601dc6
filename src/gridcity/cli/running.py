"""Running the platform: `gridcity serve`, `demo`, `sweep`, `worker`, `locate` and `db upgrade`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gridcity.cli.common import (
    RichProgress,
    console,
    in_session,
    open_platform,
    run_or_exit,
    settings_or_exit,
)
from gridcity.config import Settings

commands = typer.Typer()  # top-level commands: `gridcity serve`, …
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@commands.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port (default 8000 or GRIDCITY_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
) -> None:
    """Serve the API (and the pages) with uvicorn."""
    import logging

    import uvicorn

    from gridcity.observability import logs

    settings = settings_or_exit()
    logs.configure(settings.log_format, settings.log_level)  # uvicorn sets the same up again
    open_platform()  # migrate before the first request
    host, port = host or settings.host, port or settings.port
    logging.getLogger("gridcity.serve").info(
        "gridcity serving on http://%s:%s  (API docs: http://%s:%s/docs)", host, port, host, port
    )
    uvicorn.run(
        "gridcity.app:create_app", factory=True, host=host, port=port, workers=workers, **_logging(settings)
    )


def _logging(settings: Settings) -> dict[str, Any]:
    """uvicorn's logging: ours (observability.logs) in every worker process, and no access log of
    its own (the middleware writes one with the route and the request id)."""
    from gridcity.observability.logs import logging_config

    return {
        "log_config": logging_config(settings.log_format, settings.log_level),
        "log_level": settings.log_level.lower(),
        "access_log": False,
    }


@commands.command()
def demo(
    port: Annotated[int | None, typer.Option(help="port (default 8000)")] = None,
    host: Annotated[str | None, typer.Option()] = None,
    cases: Annotated[
        int | None, typer.Option(help="how many demo cases over about three months (default 3000)")
    ] = None,
    build_only: Annotated[
        bool, typer.Option("--build-only", help="build the demo database, do not serve")
    ] = False,
    accounts: Annotated[
        bool,
        typer.Option(
            "--accounts",
            help="build the demo if absent, list every department's handler account, do not serve",
        ),
    ] = False,
) -> None:
    """Build the demo database (real Beijing territory, grids, departments, users, three months of
    cases) if it is not there yet, then serve it."""
    from gridcity.services import demo as demo_service

    platform = open_platform()
    n_cases = demo_service.DEFAULT_CASES if cases is None else cases
    built = run_or_exit(
        lambda: demo_service.build_if_absent(platform, cases=n_cases, progress=RichProgress())
    )
    settings = platform.settings
    h, p = host or settings.host, port or settings.port
    table = Table(title="demo users (password: demo)" + (" — just built" if built else ""))
    for column in ("user", "role", "unit"):
        table.add_column(column)
    for username, role, unit in demo_service.demo_users(platform):
        table.add_row(username, role, unit)
    out = Console()
    if accounts:
        listing = Table(title="department handlers (处置员, password: demo)")
        for column in ("user", "department code", "department"):
            listing.add_column(column)
        for row in demo_service.department_accounts(platform):
            listing.add_row(*row)
        out.print(listing)
        return
    out.print(table)
    out.print(
        "every department has a handler too: h-<department code>, e.g. h-BJ-ZLS (自来水集团); "
        "list them with [bold]gridcity demo --accounts[/bold]"
    )
    out.print(f"password for every demo user: [bold]{demo_service.DEMO_PASSWORD}[/bold] (demo mode only)")
    run_or_exit(lambda: demo_service.ensure_open311_client(platform))
    out.print(
        f"Open311 GeoReport v2: http://{h}:{p}/open311/v2/  "
        f"(API key: [bold]{demo_service.OPEN311_KEY}[/bold])"
    )
    if build_only:
        return
    import uvicorn

    out.print(f"gridcity demo on http://{h}:{p}  (API docs: http://{h}:{p}/docs)")
    uvicorn.run("gridcity.app:create_app", factory=True, host=h, port=p, **_logging(settings))


@commands.command()
def sweep() -> None:
    """One pass of the deadline sweep: yellow/red warnings, escalation street → district → city
    platform, the monthly supervision list (月检查). Safe to run from cron at any rate: nothing is
    ever warned or escalated twice."""
    from gridcity.services import sweep as sweep_service

    platform = open_platform()
    report = in_session(platform, lambda db: sweep_service.sweep(platform, db))
    levels = ", ".join(
        f"{label} {report.escalations.get(level, 0)}"
        for level, label in ((1, "street 街道平台"), (2, "district 区平台"), (3, "city 市平台"))
    )
    typer.echo(f"sweep at {report.at.isoformat(timespec='seconds')}: {report.looked_at} cases looked at")
    typer.echo(f"warnings: yellow {report.warnings.get('yellow', 0)}, red {report.warnings.get('red', 0)}")
    typer.echo(f"escalations: {levels}")
    typer.echo(
        f"supervision list 月检查 {report.month}: {report.listed} added, {report.carried_over} carried over"
    )
    if report.changed_meanwhile:
        typer.echo(f"{report.changed_meanwhile} cases changed meanwhile: the next pass looks at them")
    if report.failed:
        console.print(
            f"[yellow]warning:[/yellow] {report.failed} cases could not be worked out (see the log)"
        )
    typer.echo(f"took {report.seconds:.2f} s")


@commands.command()
def worker(
    interval: Annotated[float, typer.Option(min=1, help="seconds between two sweeps")] = 60.0,
    max_passes: Annotated[
        int | None,
        typer.Option(min=1, help="stop once this many job runs have ended (default: run until stopped)"),
    ] = None,
) -> None:
    """Run the periodic jobs, each on a loop of its own (the deadline sweep every --interval seconds,
    webhook delivery, the pruning of patrol points) until Ctrl-C or SIGTERM; one log line per pass."""
    import logging

    from gridcity.observability import logs
    from gridcity.worker import Worker, default_jobs, stop_on_signals

    settings = settings_or_exit()
    logs.configure(settings.log_format, settings.log_level)  # the app's setup: JSON lines on stderr
    line = logging.getLogger("gridcity.worker").info  # a log line per pass

    platform = open_platform()
    runner = Worker(platform, default_jobs(interval), echo=line)
    line(f"gridcity worker: sweep every {interval:g} s, webhooks every 5 s (Ctrl-C or SIGTERM to stop)")
    with stop_on_signals(runner):
        runner.run(max_passes=max_passes)
    line(f"gridcity worker stopped after {runner.passes} passes ({runner.failures} failed)")


@commands.command()
def locate(lon: float, lat: float) -> None:
    """Resolve a WGS84 point to district, street, community and the three grids."""
    platform = open_platform()
    place = in_session(platform, lambda db: platform.territory(db).locate(lon, lat))
    typer.echo(
        f"district {place.district_code}  street {place.street_code}  community {place.community_code}\n"
        + "\n".join(f"{layer}: {code}" for layer, code in place.grids.items())
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    platform = open_platform()
    platform.engine.dispose()
    console.print(f"database at head: {platform.settings.effective_database_url.split('@')[-1]}")
