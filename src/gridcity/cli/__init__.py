"""The `gridcity` command: run the platform, manage the database, import data, generate grids.

One module per command group, none importing another (an import-linter contract keeps them apart):

- `running`: serve, demo, sweep, worker, locate, db upgrade
- `territory`: import of districts, streets, communities, grids and classes; grids, users, calendar
- `assessment`: evaluate, rankings, rollups
- `docking`: import of cases, webhooks, integrations, Open311 clients, export
- `registry`: import of the component census, the social registry
- `supervision`: supervisors' responsibility grids (责任网格), pruning of patrol tracks
- `privacy`: the personal-data key (a new one, re-encryption under it) and the retention run

`common` holds what they share. Here they are put together into `app`, in the order `gridcity --help`
lists them; `gridcity import` gathers the import commands of three groups.
"""

from __future__ import annotations

import typer

from gridcity.cli import assessment, docking, privacy, registry, running, supervision, territory

app = typer.Typer(
    help="gridcity — grid-based city management (网格化城市管理)",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
# the groups' top-level commands, copied in so that `gridcity --help` lists them in this order
app.registered_commands += [*running.commands.registered_commands, *assessment.commands.registered_commands]

import_app = typer.Typer(help="Import territory, grids and classes.", no_args_is_help=True)
import_app.registered_commands += [
    *territory.imports.registered_commands,
    *docking.imports.registered_commands,
    *registry.imports.registered_commands,
]

for name, group in (
    ("db", running.db_app),
    ("import", import_app),
    ("grids", territory.grids_app),
    ("users", territory.users_app),
    ("calendar", territory.calendar_app),
    ("supervisors", supervision.supervisors_app),
    ("patrol", supervision.patrol_app),
    ("rankings", assessment.rankings_app),
    ("rollups", assessment.rollups_app),
    ("webhooks", docking.webhooks_app),
    ("integrations", docking.integrations_app),
    ("open311", docking.open311_app),
    ("export", docking.export_app),
    ("registry", registry.registry_app),
    ("personal-data", privacy.personal_data_app),
    ("retention", privacy.retention_app),
):
    app.add_typer(group, name=name)


def main() -> None:
    app()
