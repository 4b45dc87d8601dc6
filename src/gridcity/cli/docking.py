"""The city's exchange with other systems: `gridcity import cases|territory-from-data`, `webhooks`,
`integrations` (departments' systems), `open311 clients` and `export`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from gridcity.cli.common import (
    GRID_LAYERS,
    RichProgress,
    console,
    fail,
    in_session,
    issuer,
    open_platform,
    report_rejects,
    run_or_exit,
    show_secret,
    table_console,
)

if TYPE_CHECKING:
    from datetime import datetime, tzinfo

imports = typer.Typer()  # `gridcity import cases`, `territory-from-data` (gridcity.cli adds them)
webhooks_app = typer.Typer(
    help="Webhooks out: signed POSTs to docked systems when cases change (sent by `gridcity worker`).",
    no_args_is_help=True,
)
integrations_app = typer.Typer(
    help="Departments' own systems on the inbound API (/api/v1/integrations/): their API keys.",
    no_args_is_help=True,
)
open311_app = typer.Typer(help="Open311 GeoReport v2 at /open311/v2/.", no_args_is_help=True)
open311_clients_app = typer.Typer(
    help="Client applications and their API keys (a key is shown once, when issued).", no_args_is_help=True
)
open311_app.add_typer(open311_clients_app, name="clients")
export_app = typer.Typer(
    help="Export cases (CSV, XLSX, GeoJSON), grids and territory (GeoJSON).", no_args_is_help=True
)


# --- import of cases (案件导入) -----------------------------------------------------------------


@imports.command("cases")
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

    rules = run_or_exit(lambda: importer.load_mapping(mapping))
    platform = open_platform()
    run = in_session(
        platform,
        lambda db: importer.import_cases(platform, db, file, rules, rejects, RichProgress(), batch_size),
    )
    console.print(
        f"{run.read:,} rows: {run.imported:,} imported, {run.already:,} imported before, "
        f"{run.rejected:,} rejected"
    )
    report_rejects(run)


@imports.command("territory-from-data")
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

    rules = run_or_exit(lambda: importer.load_mapping(mapping))
    platform = open_platform()
    made = in_session(
        platform,
        lambda db: importer.territory_from_data(
            platform, db, file, rules, district, name, RichProgress(), grid_area_m2=grid_area
        ),
    )
    grids = ", ".join(f"{n:,} {layer}" for layer, n in made.grids.items())
    console.print(f"district {made.district_code} over {made.bbox} from {made.rows:,} points: {grids} grids")


# --- webhooks out and department integrations ----------------------------------------------


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

    platform = open_platform()
    key = in_session(
        platform,
        lambda db: webhooks.add_subscription(
            platform,
            db,
            name,
            url,
            event,
            department=department,
            scope=scope,
            secret=secret,
            creator=issuer(),
        )[1],
    )
    show_secret(f"webhook subscription {name} added; its signing secret (HMAC-SHA256, keep it):", key)


@webhooks_app.command("list")
def webhooks_list() -> None:
    """The subscriptions: who, which events, where, and their deliveries so far."""
    from gridcity.services import webhooks

    platform = open_platform()
    rows, counts = in_session(
        platform, lambda db: (webhooks.list_subscriptions(db), webhooks.delivery_counts(db))
    )
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
    table_console(220).print(table)


@webhooks_app.command("disable")
def webhooks_disable(name: str) -> None:
    """Stop a subscription: nothing more is sent; its pending deliveries are cancelled."""
    from gridcity.services import webhooks

    platform = open_platform()
    in_session(platform, lambda db: webhooks.disable_subscription(platform, db, name))
    console.print(f"webhook subscription {name}: disabled")


def _key_columns(account: Any, tz: tzinfo) -> tuple[str, str, str]:
    """A docked system's API key in a table: who issued it, when, and whether it is active (the city's
    time)."""
    issued_at, revoked = account.issued_at.astimezone(tz), account.revoked_at
    status = (
        "active" if account.active or revoked is None else f"revoked {revoked.astimezone(tz):%Y-%m-%d %H:%M}"
    )
    return account.issued_by, f"{issued_at:%Y-%m-%d %H:%M}", status


@integrations_app.command("add")
def integrations_add(
    name: Annotated[str, typer.Argument(help="the system's name, e.g. cgw-workorders")],
    department: Annotated[str, typer.Option(help="the department's or enterprise's code")],
) -> None:
    """Dock a department's system and print its API key (only now: the database keeps a hash)."""
    from gridcity.services import integrations

    platform = open_platform()
    key = in_session(
        platform,
        lambda db: integrations.issue_integration(platform, db, name, department, issuer=issuer())[1],
    )
    show_secret(f"integration {name} added; its API key (header X-Api-Key; shown only now, keep it):", key)


@integrations_app.command("list")
def integrations_list() -> None:
    """The docked department systems: their department, who issued the key, whether it is active."""
    from gridcity.services import integrations

    platform = open_platform()
    rows, tz = in_session(platform, lambda db: (integrations.list_integrations(db), platform.calendar(db).tz))
    table = Table(title="department integrations")
    for column in ("name", "department", "issued by", "issued at", "status"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.name, f"{r.department.code} {r.department.name}", *_key_columns(r, tz))
    if not rows:
        table.caption = "none yet: gridcity integrations add NAME --department CODE"
    table_console(200).print(table)


@integrations_app.command("revoke")
def integrations_revoke(name: str) -> None:
    """Revoke an integration's API key: it gets 403 from now on (what it did stays)."""
    from gridcity.services import integrations

    platform = open_platform()
    in_session(platform, lambda db: integrations.revoke_integration(platform, db, name))
    console.print(f"integration {name}: API key revoked")


# --- Open311 GeoReport v2 client applications ------------------------------------------------


@open311_clients_app.command("add")
def open311_clients_add(
    name: Annotated[str, typer.Argument(help="the application's name, e.g. city-app")],
) -> None:
    """Register a client application and print its API key (only now: the database keeps a hash)."""
    from gridcity.services import open311

    platform = open_platform()
    key = in_session(platform, lambda db: open311.issue_client(platform, db, name, issuer=issuer())[1])
    show_secret(f"Open311 client {name} added; its API key (shown only now, keep it):", key)


@open311_clients_app.command("list")
def open311_clients_list() -> None:
    """The client applications: who issued their key, when, and whether it is active."""
    from gridcity.services import open311

    platform = open_platform()
    rows, tz = in_session(platform, lambda db: (open311.list_clients(db), platform.calendar(db).tz))
    table = Table(title="Open311 client applications")
    for column in ("name", "issued by", "issued at", "status"):
        table.add_column(column)
    for c in rows:
        table.add_row(c.name, *_key_columns(c, tz))
    if not rows:
        table.caption = "none yet: gridcity open311 clients add NAME"
    table_console(200).print(table)


@open311_clients_app.command("revoke")
def open311_clients_revoke(name: str) -> None:
    """Revoke a client's API key: its requests get 403 from now on (what it filed stays)."""
    from gridcity.services import open311

    platform = open_platform()
    in_session(platform, lambda db: open311.revoke_client(platform, db, name))
    console.print(f"Open311 client {name}: API key revoked")


# --- export (导出) ----------------------------------------------------------------------------


def _when(value: str | None, what: str) -> datetime | None:
    """An ISO date or date-time; without an offset it is the city's local time."""
    from datetime import datetime

    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{what}: not an ISO date or date-time: {value!r}") from None


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

    run_or_exit(lambda: export.check_format(fmt))
    since, until = _when(reported_from, "--from"), _when(reported_to, "--to")
    platform = open_platform()
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
    in_session(platform, lambda db: export.write_cases(platform, db, flt, fmt, out))
    console.print(f"cases exported to {out}")


@export_app.command("grids")
def export_grids(
    out: Annotated[Path, typer.Option("--out", help="the file to write")],
    layer: Annotated[str, typer.Option(help=GRID_LAYERS)] = "city_management",
    scope: Annotated[str | None, typer.Option(help="only grids under this territory code")] = None,
) -> None:
    """The current grids of a layer as GeoJSON."""
    from gridcity.services import export

    platform = open_platform()
    in_session(platform, lambda db: export.write_chunks(export.grid_chunks(db, layer, scope), out))
    console.print(f"{layer} grids exported to {out}")


@export_app.command("territory")
def export_territory(
    out: Annotated[Path, typer.Option("--out", help="the file to write")],
    level: Annotated[str, typer.Option(help="district | street | community")] = "district",
    parent: Annotated[str | None, typer.Option(help="only units under this code")] = None,
) -> None:
    """District, street or community outlines as GeoJSON."""
    from gridcity.services import export

    platform = open_platform()
    in_session(platform, lambda db: export.write_chunks(export.territory_chunks(db, level, parent), out))
    console.print(f"{level} outlines exported to {out}")
