"""Personal data: `gridcity personal-data new-key|rekey` (the key that encrypts it at rest, and its
rotation) and `gridcity retention run` (erasure after the retention period); docs/security.md."""

from __future__ import annotations

from typing import Annotated

import typer

from gridcity.cli.common import RichProgress, console, in_session, issuer, open_platform

personal_data_app = typer.Typer(
    help="The personal-data key: make one, re-encrypt under a new one.", no_args_is_help=True
)
retention_app = typer.Typer(help="Erase personal data past its retention period.", no_args_is_help=True)


@personal_data_app.command("new-key")
def new_key() -> None:
    """Print a new random personal-data key (32 bytes, base64) for GRIDCITY_PERSONAL_DATA_KEY. Needs no
    settings and no database."""
    from gridcity.services.registry import personal_crypto

    console.print("a new personal-data key (set it as GRIDCITY_PERSONAL_DATA_KEY in every process):")
    typer.echo(personal_crypto.new_key_text())


@personal_data_app.command("rekey")
def rekey(
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="rows per transaction")] = 500,
) -> None:
    """Re-encrypt every stored personal value (residents' ID numbers and phones and their blind index,
    reporters' contacts) under the current key GRIDCITY_PERSONAL_DATA_KEY, reading the older ones from
    GRIDCITY_PERSONAL_DATA_OLD_KEYS. Resumable: run it again after an interruption."""
    from gridcity.services import personal_data

    platform = open_platform()
    done = in_session(platform, lambda db: personal_data.rekey(platform, db, RichProgress(), batch=batch))
    for label, rows in done.rows.items():
        typer.echo(f"{label}: {rows} rows re-encrypted, {done.current[label]} rows with personal data")
    typer.echo(f"{done.values} values under key {done.key_id} now; nothing is left under an older key")


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count what is due, erase nothing")] = False,
) -> None:
    """Erase reporters' contacts and rating comments of cases ended more than
    GRIDCITY_CONTACT_RETENTION_DAYS ago and anonymise residents who moved out more than
    GRIDCITY_RESIDENT_RETENTION_DAYS ago; each erasure is recorded (never the data)."""
    from gridcity.services import retention

    platform = open_platform()
    result = in_session(platform, lambda db: retention.run(platform, db, issuer(), dry_run=dry_run))
    settings = platform.settings
    typer.echo(
        f"case contacts ({settings.contact_retention_days} days after the case ended): "
        f"{result.cases} {'due' if dry_run else 'erased'}"
    )
    typer.echo(
        f"residents ({settings.resident_retention_days} days after moving out): "
        f"{result.residents} {'due' if dry_run else 'anonymised'}"
    )
    if dry_run and (result.case_ids or result.resident_ids):
        typer.echo(f"first cases: {', '.join(map(str, result.case_ids)) or '-'}")
        typer.echo(f"first residents: {', '.join(map(str, result.resident_ids)) or '-'}")
