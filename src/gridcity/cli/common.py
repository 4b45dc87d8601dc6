"""What the `gridcity` command groups share: the consoles and the Rich progress bar, the settings and
the platform, domain errors as a message and exit code 1, one session per command, and the report of
rejected rows. The group modules import this one and never each other."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gridcity.config import Settings
from gridcity.domain.errors import DomainError

if TYPE_CHECKING:  # the platform and the database load inside the commands: the CLI starts fast
    from sqlalchemy.orm import Session

    from gridcity.services.platform import Platform

T = TypeVar("T")

GRID_LAYERS = "city_management | social_service | public_security"  # the help of a --layer option

console = Console(stderr=True)  # messages, warnings and progress; results go to stdout


def table_console(width: int) -> Console:
    """Standard output for a table: the terminal's width, or `width` columns when it is piped."""
    return Console(width=None if sys.stdout.isatty() else width)


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


def fail(message: str) -> typer.Exit:
    """Print `error: message` (Rich markup) and return the exit code 1 to raise."""
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(1)


def run_or_exit(work: Callable[[], T]) -> T:
    """Domain errors become a clear message and exit code 1, never a traceback."""
    try:
        return work()
    except DomainError as exc:
        raise fail(escape(exc.message)) from None  # the message is text, not markup
    except FileNotFoundError as exc:
        raise fail(f"no such file: {escape(str(exc.filename))}") from None


def settings_or_exit() -> Settings:
    """The settings from the environment; a wrong one is a clear message and exit code 1 — as is, in
    production mode, a missing personal-data key (no command starts without it)."""
    from pydantic import ValidationError

    from gridcity.services.registry import personal_crypto

    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            console.print(f"[red]error:[/red] {where + ': ' if where else ''}{message}")
        raise typer.Exit(1) from None
    run_or_exit(lambda: personal_crypto.check_keys(settings))
    return settings


def open_platform() -> Platform:
    """The platform on a database brought up to date first (as `gridcity db upgrade` does)."""
    from gridcity.db.migrate import upgrade as upgrade_db
    from gridcity.services.platform import Platform
    from gridcity.services.registry import personal_crypto

    settings = settings_or_exit()
    # the key goes to the migrations that encrypt or decrypt stored values (0015: reporters' contacts)
    crypt = run_or_exit(lambda: personal_crypto.cipher(settings))
    upgrade_db(settings.effective_database_url, personal_cipher=crypt)
    platform = Platform(settings)
    _count_rollups_once(platform)
    return platform


def _count_rollups_once(platform: Platform) -> None:
    """A database that had cases before the rollups existed gets them counted, once."""
    from gridcity.services import rollups

    with platform.sessions() as db:
        done = rollups.ensure_counted(platform, db, RichProgress())
    if done is not None:
        console.print(f"rollups counted: {done.cases:,} cases → {done.rows:,} rows")


def in_session(platform: Platform, work: Callable[[Session], T]) -> T:
    """`work` in one database session, domain errors as `run_or_exit` shows them; the engine's
    connections are closed afterwards (none is left open behind the command)."""
    try:
        with platform.sessions() as db:
            return run_or_exit(lambda: work(db))
    finally:
        platform.engine.dispose()


def issuer() -> str:
    """Who issues a key or a subscription from the command line, as the database records it."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        who = "unknown user"
    return f"command line ({who})"


def show_secret(what: str, secret: str) -> None:
    """A newly issued key or secret: what it is on stderr, the secret alone on stdout (for a pipe)."""
    console.print(what)
    typer.echo(secret)


class RejectedRows(Protocol):
    """What a bulk import reports of the rows it refused."""

    @property
    def rejected(self) -> int: ...

    @property
    def reasons(self) -> dict[str, int]: ...

    @property
    def rejects_path(self) -> Path | None: ...


def report_rejects(run: RejectedRows) -> None:
    """The ten most frequent reasons rows were rejected for, and the file that holds those rows."""
    if run.rejected:
        for reason, n in sorted(run.reasons.items(), key=lambda kv: -kv[1])[:10]:
            console.print(f"  {n:,} × {escape(reason)}")
        console.print(f"rejected rows and reasons: {run.rejects_path}")
