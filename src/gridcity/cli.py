"""The `gridcity` command: run the platform, manage the database, import data, generate grids."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gridcity.config import Settings
from gridcity.domain.errors import DomainError

T = TypeVar("T")

app = typer.Typer(
    help="gridcity — grid-based city management (网格化城市管理)",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
import_app = typer.Typer(help="Import territory, grids and classes.", no_args_is_help=True)
grids_app = typer.Typer(help="Grid layers: generate versions, crosswalk.", no_args_is_help=True)
users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
calendar_app = typer.Typer(
    help="The working calendar: the city's holidays and make-up days.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(grids_app, name="grids")
app.add_typer(users_app, name="users")
app.add_typer(calendar_app, name="calendar")
rankings_app = typer.Typer(
    help="Published monthly rankings (月排名): publish a month, show what was published.",
    no_args_is_help=True,
)
app.add_typer(rankings_app, name="rankings")
rollups_app = typer.Typer(
    help="The assessment's monthly rollups (汇总), kept with every case change: recount or check them.",
    no_args_is_help=True,
)
app.add_typer(rollups_app, name="rollups")

console = Console(stderr=True)


class RichProgress:
    """`services.progress.Progress` on a Rich progress bar."""

    def track(self, items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(description, total=total)
            for item in items:
                yield item
                bar.advance(task)

    def note(self, message: str) -> None:
        console.print(message)


def _run(work: Callable[[], T]) -> T:
    """Domain errors become a clear message and exit code 1, never a traceback."""
    try:
        return work()
    except DomainError as exc:
        console.print(f"[red]error:[/red] {escape(exc.message)}")  # the message is text, not markup
        raise typer.Exit(1) from None
    except FileNotFoundError as exc:
        console.print(f"[red]error:[/red] no such file: {escape(str(exc.filename))}")
        raise typer.Exit(1) from None


def _settings() -> Settings:
    """The settings from the environment; a wrong one is a clear message and exit code 1."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            console.print(f"[red]error:[/red] {where + ': ' if where else ''}{message}")
        raise typer.Exit(1) from None


def _platform(upgrade: bool = True) -> Any:
    from gridcity.db.migrate import upgrade as upgrade_db
    from gridcity.services.platform import Platform

    settings = _settings()
    if upgrade:
        upgrade_db(settings.effective_database_url)
    platform = Platform(settings)
    if upgrade:
        _count_rollups_once(platform)
    return platform


def _count_rollups_once(platform: Any) -> None:
    """A database that had cases before the rollups existed gets them counted, once."""
    from gridcity.services import rollups

    with platform.sessions() as db:
        done = rollups.ensure_counted(platform, db, RichProgress())
    if done is not None:
        console.print(f"rollups counted: {done.cases:,} cases → {done.rows:,} rows")


# --- running -------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port (default 8000 or GRIDCITY_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
) -> None:
    """Serve the API (and the pages) with uvicorn."""
    import uvicorn

    settings = _settings()
    _platform()  # migrate before the first request
    host, port = host or settings.host, port or settings.port
    console.print(f"gridcity serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "gridcity.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info"
    )


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="port (default 8000)")] = None,
    host: Annotated[str | None, typer.Option()] = None,
    cases: Annotated[
        int | None, typer.Option(help="how many demo cases over about three months (default 3000)")
    ] = None,
    build_only: Annotated[
        bool, typer.Option("--build-only", help="build the demo database, do not serve")
    ] = False,
) -> None:
    """Build the demo database (real Beijing territory, grids, departments, users, three months of
    cases) if it is not there yet, then serve it."""
    from gridcity.services import demo as demo_service

    platform = _platform()
    n_cases = demo_service.DEFAULT_CASES if cases is None else cases
    built = _run(lambda: demo_service.build_if_absent(platform, cases=n_cases, progress=RichProgress()))
    settings = platform.settings
    h, p = host or settings.host, port or settings.port
    table = Table(title="demo users (password: demo)" + (" — just built" if built else ""))
    for column in ("user", "role", "unit"):
        table.add_column(column)
    for username, role, unit in demo_service.demo_users(platform):
        table.add_row(username, role, unit)
    Console().print(table)
    Console().print(
        f"password for every demo user: [bold]{demo_service.DEMO_PASSWORD}[/bold] (demo mode only)"
    )
    _run(lambda: demo_service.ensure_open311_client(platform))
    Console().print(
        f"Open311 GeoReport v2: http://{h}:{p}/open311/v2/  "
        f"(API key: [bold]{demo_service.OPEN311_KEY}[/bold])"
    )
    if build_only:
        return
    import uvicorn

    Console().print(f"gridcity demo on http://{h}:{p}  (API docs: http://{h}:{p}/docs)")
    uvicorn.run("gridcity.app:create_app", factory=True, host=h, port=p, log_level="info")


@app.command()
def sweep() -> None:
    """One pass of the deadline sweep: yellow/red warnings, escalation street → district → city
    platform, the monthly supervision list (月检查). Safe to run from cron at any rate: nothing is
    ever warned or escalated twice."""
    from gridcity.services import sweep as sweep_service

    platform = _platform()
    with platform.sessions() as db:
        report = _run(lambda: sweep_service.sweep(platform, db))
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


@app.command()
def worker(
    interval: Annotated[float, typer.Option(min=1, help="seconds between two sweeps")] = 60.0,
    max_passes: Annotated[
        int | None, typer.Option(min=1, help="stop after this many job runs (default: run until stopped)")
    ] = None,
) -> None:
    """Run the periodic jobs (the deadline sweep every --interval seconds) until Ctrl-C or SIGTERM;
    one log line per pass."""
    import logging
    from datetime import datetime

    from gridcity.worker import Worker, default_jobs, stop_on_signals

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def line(text: str) -> None:
        typer.echo(f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} {text}")

    platform = _platform()
    runner = Worker(platform, default_jobs(interval), echo=line)
    line(f"gridcity worker: sweep every {interval:g} s, webhooks every 5 s (Ctrl-C or SIGTERM to stop)")
    with stop_on_signals(runner):
        runner.run(max_passes=max_passes)
    line(f"gridcity worker stopped after {runner.passes} passes ({runner.failures} failed)")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    platform = _platform()
    platform.engine.dispose()
    console.print(f"database at head: {platform.settings.effective_database_url.split('@')[-1]}")


@rollups_app.command("rebuild")
def rollups_rebuild() -> None:
    """Count the rollups again from every case, rating and history row (after changing the
    assessment's public channels, satisfaction threshold, limits or the timezone)."""
    from gridcity.services import rollups

    platform = _platform()
    try:
        with platform.sessions() as db:
            done = _run(lambda: rollups.rebuild(platform, db, RichProgress()))
    finally:
        platform.engine.dispose()
    console.print(f"rollups rebuilt: {done.cases:,} cases → {done.rows:,} rows (rules {done.fingerprint})")


@rollups_app.command("check")
def rollups_check(
    show: Annotated[int, typer.Option(help="how many differences to print")] = 20,
) -> None:
    """Recount the rollups from scratch and compare with the stored ones; exit 1 if they differ."""
    from gridcity.services import rollups

    platform = _platform()
    try:
        with platform.sessions() as db:
            found = _run(lambda: rollups.differences(platform, db, RichProgress()))
    finally:
        platform.engine.dispose()
    if not found:
        console.print("rollups agree with the cases and the history")
        return
    console.print(f"[red]{len(found):,} rollup rows differ[/red] (run `gridcity rollups rebuild`):")
    for line in found[:show]:
        console.print(f"  {line}", soft_wrap=True)
    raise typer.Exit(1)


# --- import --------------------------------------------------------------------------------


@import_app.command("districts")
def import_districts(file: Path) -> None:
    """Districts (区) from GeoJSON (properties district_code, name)."""
    from gridcity.services import territory

    platform = _platform()
    with platform.sessions() as db:
        n = _run(lambda: territory.import_districts(platform, db, file, RichProgress()))
    console.print(f"{n} districts imported")


@import_app.command("streets")
def import_streets(file: Path) -> None:
    """Streets/townships (街道/乡/镇) from GeoJSON (properties street_code_9, name)."""
    from gridcity.services import territory

    platform = _platform()
    with platform.sessions() as db:
        n = _run(lambda: territory.import_streets(platform, db, file, RichProgress()))
    console.print(f"{n} streets imported")


@import_app.command("communities")
def import_communities(
    file: Path,
    district: Annotated[list[str] | None, typer.Option(help="only these districts (repeat)")] = None,
) -> None:
    """Communities (社区/村) from CSV (code, name, longitude, latitude in GCJ-02); their polygons are
    derived as Voronoi cells clipped to the street."""
    from gridcity.services import territory

    platform = _platform()
    with platform.sessions() as db:
        result = _run(lambda: territory.import_communities_csv(platform, db, file, district, RichProgress()))
    console.print(
        f"{result.created} communities ({result.synthetic} synthetic whole-street ones); "
        f"{len(result.without_point)} listed without a centre point were skipped"
    )


@import_app.command("grids")
def import_grids(
    file: Path,
    layer: Annotated[str, typer.Option(help="city_management | social_service | public_security")],
) -> None:
    """Grids of one layer from GeoJSON (property code), as a new version."""
    from gridcity.services import territory

    platform = _platform()
    with platform.sessions() as db:
        run = _run(lambda: territory.import_grids(platform, db, layer, file, RichProgress()))
    console.print(f"{run.created} {layer} grids imported; {run.superseded} earlier ones superseded")


@import_app.command("classes")
def import_classes(file: Path) -> None:
    """A city's class override file (TOML): limits, owners, criteria, local classes."""
    from gridcity.services import classes

    platform = _platform()
    with platform.sessions() as db:
        n = _run(lambda: classes.apply_override_file(platform, db, file))
    console.print(f"{n} classes updated")


# --- grids ---------------------------------------------------------------------------------


@grids_app.command("generate")
def grids_generate(
    district: Annotated[list[str], typer.Option(help="district code (repeat)")],
    layer: Annotated[
        str, typer.Option(help="city_management | social_service | public_security")
    ] = "city_management",
    area: Annotated[float | None, typer.Option(help="target grid area in m² (default per layer)")] = None,
    crosswalk: Annotated[bool, typer.Option(help="recompute the crosswalk afterwards")] = True,
) -> None:
    """Generate a new version of one grid layer inside the given districts."""
    from gridcity.services import territory

    platform = _platform()
    with platform.sessions() as db:
        run = _run(lambda: territory.generate_grids(platform, db, layer, district, area, RichProgress()))
        console.print(f"{run.created} {layer} grids generated; {run.superseded} earlier ones superseded")
        if run.resized:
            console.print(
                f"[yellow]warning:[/yellow] {len(run.resized)} parents needed larger grids (999 cap)"
            )
        if crosswalk:
            n = territory.rebuild_crosswalk(platform, db, RichProgress())
            console.print(f"crosswalk: {n} overlaps stored")


@app.command()
def locate(lon: float, lat: float) -> None:
    """Resolve a WGS84 point to district, street, community and the three grids."""
    platform = _platform()
    with platform.sessions() as db:
        place = _run(lambda: platform.territory(db).locate(lon, lat))
    typer.echo(
        f"district {place.district_code}  street {place.street_code}  community {place.community_code}\n"
        + "\n".join(f"{layer}: {code}" for layer, code in place.grids.items())
    )


# --- users ---------------------------------------------------------------------------------


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

    platform = _platform()
    secret = password
    if secret is None:
        if not sys.stdin.isatty():
            console.print("[red]error:[/red] give --password, or run in a terminal to be asked")
            raise typer.Exit(1)
        secret = getpass.getpass("password: ")
    with platform.sessions() as db:
        user = _run(lambda: users.add_user(db, username, secret, role, unit, name))
    console.print(f"user {user.username} ({user.role}) added")


# --- calendar ------------------------------------------------------------------------------


@calendar_app.command("set")
def calendar_set(
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    workday: Annotated[bool, typer.Option("--workday/--rest", help="a working day or a rest day")],
    note: Annotated[str, typer.Option(help="e.g. 元旦, 春节调休")] = "",
) -> None:
    """Make one day a working day or a rest day for the whole city."""
    from datetime import date

    from gridcity.services import calendar

    platform = _platform()
    try:
        when = date.fromisoformat(day)
    except ValueError:
        console.print(f"[red]error:[/red] {day!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(1) from None
    with platform.sessions() as db:
        _run(lambda: calendar.set_day(platform, db, None, when, workday, note))
    console.print(f"{when}: {'working day' if workday else 'rest day'} {note}")


@calendar_app.command("show")
def calendar_show(year: Annotated[int, typer.Option(help="the year to show")]) -> None:
    """The city's own days of a year; warns when the national table does not know the year."""
    from gridcity.services import calendar

    platform = _platform()
    with platform.sessions() as db:
        view = calendar.year_view(platform, db, year)
    if view["warning"]:
        console.print(f"[yellow]warning:[/yellow] {view['warning']}")
    for d in view["days"]:
        typer.echo(f"{d['day']}  {'work' if d['is_workday'] else 'rest'}  {d['note']}")


# --- evaluation ----------------------------------------------------------------------------


@app.command()
def evaluate(
    period: Annotated[
        str | None,
        typer.Option(help="YYYY-MM in the city's timezone (default: last month), or YYYY-MM-DD..YYYY-MM-DD"),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="region | department | post (default: every table but communities and grids)"),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(
            help="region: district|street|community|grid; post: supervisor|operator|shift_leader|dispatcher"
        ),
    ] = None,
    xlsx: Annotated[Path | None, typer.Option(help="also write the tables to this XLSX file")] = None,
    source: Annotated[
        str, typer.Option(help="auto (rollups for whole months) | rollups | cases (count from the cases)")
    ] = "auto",
) -> None:
    """Monthly indicators, composite scores and grades (绩效评价) of regions, departments and posts:
    every indicator as value (numerator/denominator), the composite, the grade and the rank."""
    from gridcity.domain.assessment import check_scope, parse_period, previous_month
    from gridcity.services import evaluation

    platform = _platform()
    tz = platform.settings.timezone
    # every table, but the community and grid ones (thousands of rows) only when asked for
    every = [t for t in evaluation.TABLES if t[1] not in ("community", "grid")]
    tables = [(kind, level)] if kind or level else every
    results = []

    def work() -> None:
        if kind or level:
            check_scope(kind, level)  # a bad --kind / --level before any work
        chosen = parse_period(period or previous_month(platform.now(), tz), tz)
        with platform.sessions() as db:
            for table_kind, table_level in tables:
                results.append(
                    evaluation.evaluate(platform, db, None, chosen, table_kind, table_level, source=source)
                )

    try:
        _run(work)
    finally:
        platform.engine.dispose()  # no connection left open behind the command
    out = Console(width=None if sys.stdout.isatty() else 240)
    for result in results:
        out.print(_evaluation_table(result))
    if xlsx is not None:
        try:
            xlsx.write_bytes(evaluation.workbook(results))
        except OSError as exc:
            console.print(f"[red]error:[/red] cannot write {xlsx}: {exc.strerror}")
            raise typer.Exit(1) from None
        sheets = f"{len(results)} sheet{'s' if len(results) != 1 else ''}"
        console.print(f"written: {xlsx} ({sheets})", soft_wrap=True)


def _evaluation_table(result: Any) -> Table:
    """One evaluation as a Rich table: each indicator's value with (numerator/denominator)."""
    from gridcity.domain.assessment import LEVEL_LABELS, shown

    zh, en = LEVEL_LABELS[result.level]
    as_of = result.as_of.astimezone(result.period.start.tzinfo)  # the city's time
    title = f"绩效评价 {result.period.label} · {zh} {en} · 评价时间 as of {as_of:%Y-%m-%d %H:%M}"
    grid = Table(title=title, title_justify="left", show_lines=False)
    district = result.level == "district"
    for header in ("排名", *(("组",) if district else ()), "代码", "名称"):
        grid.add_column(header, overflow="fold")
    indicators = [i.indicator for i in result.rows[0].assessment.indicators] if result.rows else []
    for ind in indicators:
        grid.add_column(f"{ind.zh} ({ind.unit.label})", justify="right", overflow="fold")
    grid.add_column("综合", justify="right")
    grid.add_column("等级", justify="center")
    for row in result.rows:
        cells = [str(row.rank or "–"), *((row.peer_group or "",) if district else ())]
        cells += [str(row.scope["code"]), str(row.scope["name"])]
        for item in row.assessment.indicators:
            value = shown(item.value)
            text = "–" if value is None else f"{value:.2f}"
            fraction = (
                f"{item.numerator}/{item.denominator}"
                if item.denominator is not None
                else f"{item.numerator}"
            )
            cells.append(f"{text} ({fraction})")
        composite = shown(row.assessment.composite)
        cells += ["–" if composite is None else f"{composite:.2f}", row.assessment.grade or "–"]
        grid.add_row(*cells)
    if not result.rows:
        grid.caption = "no rows in this area"
    return grid


@rankings_app.command("publish")
def rankings_publish(
    period: Annotated[str, typer.Option(help="the month to publish, YYYY-MM (it must have ended)")],
    kind: Annotated[str, typer.Option(help="district | street | department")] = "district",
    reason: Annotated[
        str | None, typer.Option(help="why the month is published again (required for a correction)")
    ] = None,
) -> None:
    """Freeze the ranking of an ended month as evaluated now; publishing it again needs --reason and
    makes the next version (the earlier ones stay readable)."""
    from gridcity.services import rankings

    platform = _platform()

    def work() -> tuple[int, int]:
        with platform.sessions() as db:
            snapshot = rankings.publish(platform, db, None, period, kind, reason)
            return snapshot.version, len(snapshot.rows)

    try:
        version, count = _run(work)
    finally:
        platform.engine.dispose()
    Console().print(f"published: {kind} ranking of {period}, version {version} ({count} rows)")


@rankings_app.command("show")
def rankings_show(
    period: Annotated[str, typer.Option(help="the month, YYYY-MM")],
    kind: Annotated[str, typer.Option(help="district | street | department")] = "district",
    version: Annotated[int | None, typer.Option(help="an earlier version (default: the latest)")] = None,
) -> None:
    """A published ranking as a table: rank, group, name, the weighted indicators, composite, grade."""
    from gridcity.services import rankings

    platform = _platform()

    def work() -> Table:
        with platform.sessions() as db:
            snapshot = rankings.latest(db, period, kind, version)
            count = len(rankings.versions(db, period, kind))
            at = snapshot.published_at.astimezone(platform.calendar().tz)
            title = f"月排名 {snapshot.period} · {kind} · 第 {snapshot.version}/{count} 版"
            title += f" · 公布 published {at:%Y-%m-%d %H:%M}"
            if snapshot.version > 1:
                title += f" · 已更正 corrected: {snapshot.reason}"
            return _ranking_table(snapshot.rows, snapshot.config, title, district=kind == "district")

    try:
        grid = _run(work)
    finally:
        platform.engine.dispose()
    Console(width=None if sys.stdout.isatty() else 240).print(grid)


def _ranking_table(rows: list[Any], config: dict[str, Any], title: str, district: bool) -> Table:
    """A published ranking as a Rich table: the weighted indicators as value (numerator/denominator),
    composite and grade (every indicator: the API and the page's CSV)."""
    indicators = [ind for ind in config.get("indicators", []) if ind.get("weight")]
    grid = Table(title=title, title_justify="left")
    for header in ("排名", *(("组",) if district else ()), "代码", "名称"):
        grid.add_column(header, overflow="fold")
    for ind in indicators:
        grid.add_column(f"{ind['label']} {ind['weight']:.0f}%", justify="right", overflow="fold")
    grid.add_column("综合 composite", justify="right")
    grid.add_column("等级 grade", justify="center")
    for row in rows:
        cells = [str(row.get("rank") or "–"), *((row.get("peer_group") or "",) if district else ())]
        cells += [str(row["scope"]["code"]), str(row["scope"]["name"])]
        for ind in indicators:
            item = row["indicators"].get(ind["key"], {})
            value = item.get("value")
            text = "–" if value is None else f"{value:.2f}"
            if item.get("denominator") is not None:
                text += f" ({item.get('numerator')}/{item.get('denominator')})"
            cells.append(text)
        composite = row.get("composite")
        cells += ["–" if composite is None else f"{composite:.2f}", row.get("grade") or "–"]
        grid.add_row(*cells)
    if not rows:
        grid.caption = "no rows"
    return grid


# --- webhooks out and department integrations ----------------------------------------------

webhooks_app = typer.Typer(
    help="Webhooks out: signed POSTs to docked systems when cases change (sent by `gridcity worker`).",
    no_args_is_help=True,
)
app.add_typer(webhooks_app, name="webhooks")
integrations_app = typer.Typer(
    help="Departments' own systems on the inbound API (/api/v1/integrations/): their API keys.",
    no_args_is_help=True,
)
app.add_typer(integrations_app, name="integrations")


def _issuer() -> str:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        who = "unknown user"
    return f"command line ({who})"


@webhooks_app.command("add")
def webhooks_add(
    name: Annotated[str, typer.Argument(help="the subscription's name, e.g. cgw-workorders")],
    url: Annotated[str, typer.Option(help="where to POST (http:// or https://)")],
    event: Annotated[
        list[str],
        typer.Option(
            help="dispatched|accepted|extension_requested|extension_decided|disposed|overdue|closed|"
            "reopened|any (repeat)"
        ),
    ],
    department: Annotated[
        str | None, typer.Option(help="a department's or enterprise's code: it hears of its own cases")
    ] = None,
    scope: Annotated[
        str, typer.Option(help="an outside platform: the territory code it hears of ('' = the whole city)")
    ] = "",
    secret: Annotated[
        str | None, typer.Option(help="the signing secret (default: a random one, printed)")
    ] = None,
) -> None:
    """Subscribe a docked system to case events; prints the secret that signs its deliveries."""
    from gridcity.services import webhooks

    platform = _platform()

    def work() -> str:
        with platform.sessions() as db:
            return webhooks.add_subscription(
                platform,
                db,
                name,
                url,
                event,
                department=department,
                scope=scope,
                secret=secret,
                creator=_issuer(),
            )[1]

    try:
        key = _run(work)
    finally:
        platform.engine.dispose()
    console.print(f"webhook subscription {name} added; its signing secret (HMAC-SHA256, keep it):")
    typer.echo(key)


@webhooks_app.command("list")
def webhooks_list() -> None:
    """The subscriptions: who, which events, where, and their deliveries so far."""
    from gridcity.services import webhooks

    platform = _platform()
    try:
        with platform.sessions() as db:
            rows = _run(lambda: webhooks.list_subscriptions(db))
            counts = webhooks.delivery_counts(db)
    finally:
        platform.engine.dispose()
    table = Table(title="webhook subscriptions")
    for column in ("name", "for", "events", "url", "status", "delivered", "pending", "failed"):
        table.add_column(column, overflow="fold")
    for s in rows:
        who = f"{s.org_unit.code} {s.org_unit.name}" if s.org_unit else f"platform {s.scope_code or 'city'}"
        n: dict[str, int] = counts.get(s.id, {})
        table.add_row(
            s.name,
            who,
            ", ".join(s.events),
            s.url,
            "active" if s.active else "disabled",
            str(n.get("delivered", 0)),
            str(n.get("pending", 0)),
            str(n.get("failed", 0)),
        )
    if not rows:
        table.caption = "none yet: gridcity webhooks add NAME --url URL --event dispatched --department CODE"
    Console(width=None if sys.stdout.isatty() else 220).print(table)


@webhooks_app.command("disable")
def webhooks_disable(name: str) -> None:
    """Stop a subscription: nothing more is sent; its pending deliveries are cancelled."""
    from gridcity.services import webhooks

    platform = _platform()

    def work() -> None:
        with platform.sessions() as db:
            webhooks.disable_subscription(platform, db, name)

    try:
        _run(work)
    finally:
        platform.engine.dispose()
    console.print(f"webhook subscription {name}: disabled")


@integrations_app.command("add")
def integrations_add(
    name: Annotated[str, typer.Argument(help="the system's name, e.g. cgw-workorders")],
    department: Annotated[str, typer.Option(help="the department's or enterprise's code")],
) -> None:
    """Dock a department's system and print its API key (only now: the database keeps a hash)."""
    from gridcity.services import integrations

    platform = _platform()

    def work() -> str:
        with platform.sessions() as db:
            return integrations.issue_integration(platform, db, name, department, issuer=_issuer())[1]

    try:
        key = _run(work)
    finally:
        platform.engine.dispose()
    console.print(f"integration {name} added; its API key (header X-Api-Key; shown only now, keep it):")
    typer.echo(key)


@integrations_app.command("list")
def integrations_list() -> None:
    """The docked department systems: their department, who issued the key, whether it is active."""
    from gridcity.services import integrations

    platform = _platform()
    try:
        with platform.sessions() as db:
            rows = _run(lambda: integrations.list_integrations(db))
            tz = platform.calendar(db).tz
    finally:
        platform.engine.dispose()
    table = Table(title="department integrations")
    for column in ("name", "department", "issued by", "issued at", "status"):
        table.add_column(column)
    for r in rows:
        revoked = r.revoked_at.astimezone(tz) if r.revoked_at else None
        status = "active" if r.active else f"revoked {revoked:%Y-%m-%d %H:%M}"
        table.add_row(
            r.name,
            f"{r.department.code} {r.department.name}",
            r.issued_by,
            f"{r.issued_at.astimezone(tz):%Y-%m-%d %H:%M}",
            status,
        )
    if not rows:
        table.caption = "none yet: gridcity integrations add NAME --department CODE"
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@integrations_app.command("revoke")
def integrations_revoke(name: str) -> None:
    """Revoke an integration's API key: it gets 403 from now on (what it did stays)."""
    from gridcity.services import integrations

    platform = _platform()

    def work() -> None:
        with platform.sessions() as db:
            integrations.revoke_integration(platform, db, name)

    try:
        _run(work)
    finally:
        platform.engine.dispose()
    console.print(f"integration {name}: API key revoked")


# --- Open311 GeoReport v2 client applications ------------------------------------------------

open311_app = typer.Typer(help="Open311 GeoReport v2 at /open311/v2/.", no_args_is_help=True)
open311_clients_app = typer.Typer(
    help="Client applications and their API keys (a key is shown once, when issued).", no_args_is_help=True
)
open311_app.add_typer(open311_clients_app, name="clients")
app.add_typer(open311_app, name="open311")


@open311_clients_app.command("add")
def open311_clients_add(
    name: Annotated[str, typer.Argument(help="the application's name, e.g. city-app")],
) -> None:
    """Register a client application and print its API key (only now: the database keeps a hash)."""
    from gridcity.services import open311

    platform = _platform()

    def work() -> str:
        with platform.sessions() as db:
            try:
                who = getpass.getuser()
            except (KeyError, OSError):  # no user name in this environment
                who = "unknown user"
            issuer = f"command line ({who})"
            return open311.issue_client(platform, db, name, issuer=issuer)[1]

    try:
        key = _run(work)
    finally:
        platform.engine.dispose()
    console.print(f"Open311 client {name} added; its API key (shown only now, keep it):")
    typer.echo(key)


@open311_clients_app.command("list")
def open311_clients_list() -> None:
    """The client applications: who issued their key, when, and whether it is active."""
    from gridcity.services import open311

    platform = _platform()
    try:
        with platform.sessions() as db:
            rows = _run(lambda: open311.list_clients(db))
            tz = platform.calendar(db).tz
    finally:
        platform.engine.dispose()
    table = Table(title="Open311 client applications")
    for column in ("name", "issued by", "issued at", "status"):
        table.add_column(column)
    for c in rows:
        revoked = c.revoked_at
        status = (
            "active" if c.active or revoked is None else f"revoked {revoked.astimezone(tz):%Y-%m-%d %H:%M}"
        )
        table.add_row(c.name, c.issued_by, f"{c.issued_at.astimezone(tz):%Y-%m-%d %H:%M}", status)
    if not rows:
        table.caption = "none yet: gridcity open311 clients add NAME"
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@open311_clients_app.command("revoke")
def open311_clients_revoke(name: str) -> None:
    """Revoke a client's API key: its requests get 403 from now on (what it filed stays)."""
    from gridcity.services import open311

    platform = _platform()

    def work() -> None:
        with platform.sessions() as db:
            open311.revoke_client(platform, db, name)

    try:
        _run(work)
    finally:
        platform.engine.dispose()
    console.print(f"Open311 client {name}: API key revoked")


# --- export (导出) ----------------------------------------------------------------------------

export_app = typer.Typer(
    help="Export cases (CSV, XLSX, GeoJSON), grids and territory (GeoJSON).", no_args_is_help=True
)
app.add_typer(export_app, name="export")


def _when(value: str | None, what: str) -> Any:
    """An ISO date or date-time; without an offset it is the city's local time."""
    from datetime import datetime

    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        console.print(f"[red]error:[/red] {what}: not an ISO date or date-time: {value!r}")
        raise typer.Exit(1) from None
    return moment


@export_app.command("cases")
def export_cases(
    out: Annotated[Path, typer.Option("--out", help="the file to write")],
    fmt: Annotated[str, typer.Option("--format", help="csv | xlsx | geojson")] = "csv",
    state: Annotated[list[str] | None, typer.Option(help="a state; repeat for several")] = None,
    class_code: Annotated[list[str] | None, typer.Option(help="a class code; repeat for several")] = None,
    channel: Annotated[str | None, typer.Option()] = None,
    network: Annotated[str | None, typer.Option()] = None,
    district: Annotated[str | None, typer.Option(help="district code")] = None,
    street: Annotated[str | None, typer.Option(help="street code")] = None,
    community: Annotated[str | None, typer.Option(help="community code")] = None,
    grid: Annotated[str | None, typer.Option(help="city-management grid code")] = None,
    reported_from: Annotated[str | None, typer.Option("--from", help="reported at or after (ISO)")] = None,
    reported_to: Annotated[str | None, typer.Option("--to", help="reported before (ISO)")] = None,
) -> None:
    """Every case the filters select (the whole city: this is the operator's command), streamed
    to a file."""
    from zoneinfo import ZoneInfo

    from gridcity.db.queries import CaseFilter
    from gridcity.services import export

    _run(lambda: export.check_format(fmt))
    since, until = _when(reported_from, "--from"), _when(reported_to, "--to")
    platform = _platform()
    tz = ZoneInfo(platform.settings.timezone)
    flt = CaseFilter(
        states=state or [],
        class_codes=class_code or [],
        channel=channel,
        network=network,
        district_code=district,
        street_code=street,
        community_code=community,
        grid_code=grid,
        reported_from=since if since is None or since.tzinfo else since.replace(tzinfo=tz),
        reported_to=until if until is None or until.tzinfo else until.replace(tzinfo=tz),
    )
    try:
        with platform.sessions() as db:
            _run(lambda: export.write_cases(platform, db, flt, fmt, out))
    finally:
        platform.engine.dispose()
    console.print(f"cases exported to {out}")


@export_app.command("grids")
def export_grids(
    out: Annotated[Path, typer.Option("--out", help="the file to write")],
    layer: Annotated[str, typer.Option(help="city_management | social_service | public_security")] = (
        "city_management"
    ),
    scope: Annotated[str | None, typer.Option(help="only grids under this territory code")] = None,
) -> None:
    """The current grids of a layer as GeoJSON."""
    from gridcity.services import export

    platform = _platform()
    try:
        with platform.sessions() as db:
            _run(lambda: export.write_chunks(export.grid_chunks(db, layer, scope), out))
    finally:
        platform.engine.dispose()
    console.print(f"{layer} grids exported to {out}")


@export_app.command("territory")
def export_territory(
    out: Annotated[Path, typer.Option("--out", help="the file to write")],
    level: Annotated[str, typer.Option(help="district | street | community")] = "district",
    parent: Annotated[str | None, typer.Option(help="only units under this code")] = None,
) -> None:
    """District, street or community outlines as GeoJSON."""
    from gridcity.services import export

    platform = _platform()
    try:
        with platform.sessions() as db:
            _run(lambda: export.write_chunks(export.territory_chunks(db, level, parent), out))
    finally:
        platform.engine.dispose()
    console.print(f"{level} outlines exported to {out}")


# --- import of cases (案件导入) -----------------------------------------------------------------


@import_app.command("cases")
def import_cases(
    file: Path,
    mapping: Annotated[Path, typer.Option("--mapping", help="the column mapping (TOML)")],
    rejects: Annotated[
        Path | None, typer.Option(help="where the rejected rows go (default FILE.rejects.csv)")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="rows per transaction")] = 500,
) -> None:
    """Historic or hotline (12345) cases from CSV or JSON through a column mapping. Each row is
    located and routed; rows that cannot be are written to the reject file with the reason. One
    transaction per batch: a failed run keeps only whole batches, and running the same file again
    imports the rest (rows already imported are skipped, never duplicated)."""
    from gridcity.services import import_cases as importer

    rules = _run(lambda: importer.load_mapping(mapping))
    platform = _platform()
    try:
        with platform.sessions() as db:
            run = _run(
                lambda: importer.import_cases(platform, db, file, rules, rejects, RichProgress(), batch_size)
            )
    finally:
        platform.engine.dispose()
    console.print(
        f"{run.read:,} rows: {run.imported:,} imported, {run.already:,} imported before, "
        f"{run.rejected:,} rejected"
    )
    if run.rejected:
        for reason, n in sorted(run.reasons.items(), key=lambda kv: -kv[1])[:10]:
            console.print(f"  {n:,} × {reason}")
        console.print(f"rejected rows and reasons: {run.rejects_path}")


@import_app.command("territory-from-data")
def import_territory_from_data(
    file: Path,
    mapping: Annotated[Path, typer.Option("--mapping", help="the column mapping (TOML) of FILE")],
    district: Annotated[str, typer.Option(help="the code of the synthetic district to create")],
    name: Annotated[str, typer.Option(help="its name")],
    grid_area: Annotated[float | None, typer.Option(help="target unit-grid area, m²")] = None,
) -> None:
    """A territory over the bounding box of a file's points (a city without imported outlines):
    one rectangular district, street and community, the three grid layers and the departments."""
    from gridcity.services import import_cases as importer

    rules = _run(lambda: importer.load_mapping(mapping))
    platform = _platform()
    try:
        with platform.sessions() as db:
            made = _run(
                lambda: importer.territory_from_data(
                    platform, db, file, rules, district, name, RichProgress(), grid_area_m2=grid_area
                )
            )
    finally:
        platform.engine.dispose()
    grids = ", ".join(f"{n:,} {layer}" for layer, n in made.grids.items())
    console.print(f"district {made.district_code} over {made.bbox} from {made.rows:,} points: {grids} grids")


def main() -> None:
    app()


# --- the component census (部件普查) ---------------------------------------------------------------


@import_app.command("components")
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
    from gridcity.services import components

    platform = _platform()
    try:
        with platform.sessions() as db:
            run = _run(
                lambda: components.import_components(platform, db, file, rejects, RichProgress(), batch_size)
            )
    finally:
        platform.engine.dispose()
    console.print(
        f"{run.read:,} rows: {run.created:,} new, {run.changed:,} changed, {run.unchanged:,} unchanged, "
        f"{run.rejected:,} rejected"
    )
    if run.rejected:
        for reason, n in sorted(run.reasons.items(), key=lambda kv: -kv[1])[:10]:
            console.print(f"  {n:,} × {reason}")
        console.print(f"rejected rows and reasons: {run.rejects_path}")


# --- the social registry (人地事物组织) --------------------------------------------------------------

registry_app = typer.Typer(
    help="The social registry (人地事物组织): import places, organisations, residents; grid staff; "
    "the personal-data access log.",
    no_args_is_help=True,
)
app.add_typer(registry_app, name="registry")


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
    `gridcity.services.registry_import`). Each row is checked (ID numbers, credit codes, phones) and
    located in its grids; ID numbers and phones are stored encrypted. Rows that fail go to the
    reject file with the reason; importing the same file again rejects what is registered already."""
    from gridcity.services import registry_import

    platform = _platform()
    try:
        with platform.sessions() as db:
            run = _run(
                lambda: registry_import.import_file(
                    platform, db, kind, file, rejects, RichProgress(), batch_size
                )
            )
    finally:
        platform.engine.dispose()
    console.print(f"{run.read:,} rows: {run.imported:,} imported, {run.rejected:,} rejected")
    if run.rejected:
        for reason, n in sorted(run.reasons.items(), key=lambda kv: -kv[1])[:10]:
            console.print(f"  {n:,} × {escape(reason)}")
        console.print(f"rejected rows and reasons: {run.rejects_path}")
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
    from gridcity.services import registry

    platform = _platform()
    try:
        with platform.sessions() as db:
            row = _run(lambda: registry.assign_grid(platform, db, None, username, grid))
            console.print(f"{username} → {row.layer} grid {row.grid_code}")
    finally:
        platform.engine.dispose()


@registry_app.command("access-log")
def registry_access_log(
    limit: Annotated[int, typer.Option(min=1, max=5000, help="how many of the latest entries")] = 50,
    user: Annotated[str | None, typer.Option(help="only this username's reads")] = None,
) -> None:
    """The latest reads of personal data in clear and exports: who, when, what, why."""
    from gridcity.services import registry

    platform = _platform()
    try:
        with platform.sessions() as db:
            rows = _run(lambda: registry.access_log(db, None, limit, user))
    finally:
        platform.engine.dispose()
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
