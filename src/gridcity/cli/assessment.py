"""The assessment (绩效评价): `gridcity evaluate`, `rankings publish|show`, `rollups rebuild|check`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gridcity.cli.common import RichProgress, console, fail, in_session, open_platform, table_console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

commands = typer.Typer()  # top-level commands: `gridcity evaluate`
rankings_app = typer.Typer(
    help="Published monthly rankings (月排名): publish a month, show what was published.",
    no_args_is_help=True,
)
rollups_app = typer.Typer(
    help="The assessment's monthly rollups (汇总), kept with every case change: recount or check them.",
    no_args_is_help=True,
)

RANKING_KINDS = "district | street | department"


@commands.command()
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

    platform = open_platform()
    tz = platform.settings.timezone
    # every table, but the community and grid ones (thousands of rows) only when asked for
    every = [t for t in evaluation.TABLES if t[1] not in ("community", "grid")]
    tables = [(kind, level)] if kind or level else every

    def work(db: Session) -> list[Any]:
        if kind or level:
            check_scope(kind, level)  # a bad --kind / --level before any work
        chosen = parse_period(period or previous_month(platform.now(), tz), tz)
        return [
            evaluation.evaluate(platform, db, None, chosen, table_kind, table_level, source=source)
            for table_kind, table_level in tables
        ]

    results = in_session(platform, work)
    out = table_console(240)
    for result in results:
        out.print(_evaluation_table(result))
    if xlsx is not None:
        try:
            xlsx.write_bytes(evaluation.workbook(results))
        except OSError as exc:
            raise fail(f"cannot write {xlsx}: {exc.strerror}") from None
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
    kind: Annotated[str, typer.Option(help=RANKING_KINDS)] = "district",
    reason: Annotated[
        str | None, typer.Option(help="why the month is published again (required for a correction)")
    ] = None,
) -> None:
    """Freeze the ranking of an ended month as evaluated now; publishing it again needs --reason and
    makes the next version (the earlier ones stay readable)."""
    from gridcity.services import rankings

    platform = open_platform()

    def work(db: Session) -> tuple[int, int]:
        snapshot = rankings.publish(platform, db, None, period, kind, reason)
        return snapshot.version, len(snapshot.rows)  # read while the session is open

    version, count = in_session(platform, work)
    Console().print(f"published: {kind} ranking of {period}, version {version} ({count} rows)")


@rankings_app.command("show")
def rankings_show(
    period: Annotated[str, typer.Option(help="the month, YYYY-MM")],
    kind: Annotated[str, typer.Option(help=RANKING_KINDS)] = "district",
    version: Annotated[int | None, typer.Option(help="an earlier version (default: the latest)")] = None,
) -> None:
    """A published ranking as a table: rank, group, name, the weighted indicators, composite, grade."""
    from gridcity.services import rankings

    platform = open_platform()

    def work(db: Session) -> Table:
        snapshot = rankings.latest(db, period, kind, version)
        count = len(rankings.versions(db, period, kind))
        at = snapshot.published_at.astimezone(platform.calendar().tz)
        title = f"月排名 {snapshot.period} · {kind} · 第 {snapshot.version}/{count} 版"
        title += f" · 公布 published {at:%Y-%m-%d %H:%M}"
        if snapshot.version > 1:
            title += f" · 已更正 corrected: {snapshot.reason}"
        return _ranking_table(snapshot.rows, snapshot.config, title, district=kind == "district")

    table_console(240).print(in_session(platform, work))


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


@rollups_app.command("rebuild")
def rollups_rebuild() -> None:
    """Count the rollups again from every case, rating and history row (after changing the
    assessment's public channels, satisfaction threshold, limits or the timezone)."""
    from gridcity.services import rollups

    platform = open_platform()
    done = in_session(platform, lambda db: rollups.rebuild(platform, db, RichProgress()))
    console.print(f"rollups rebuilt: {done.cases:,} cases → {done.rows:,} rows (rules {done.fingerprint})")


@rollups_app.command("check")
def rollups_check(
    show: Annotated[int, typer.Option(help="how many differences to print")] = 20,
) -> None:
    """Recount the rollups from scratch and compare with the stored ones; exit 1 if they differ."""
    from gridcity.services import rollups

    platform = open_platform()
    found = in_session(platform, lambda db: rollups.differences(platform, db, RichProgress()))
    if not found:
        console.print("rollups agree with the cases and the history")
        return
    console.print(f"[red]{len(found):,} rollup rows differ[/red] (run `gridcity rollups rebuild`):")
    for line in found[:show]:
        console.print(f"  {line}", soft_wrap=True)
    raise typer.Exit(1)
