"""Is this process ready to serve (`/readyz`)? Three checks, in order: the database answers, its
schema is at the migrations' head (`gridcity db upgrade` has run), and the in-memory state derived
from it — the working calendar, the class catalogue, the territory's point lookup — is built. Each
check is a plain blocking call; `api.health` runs them off the event loop under a time limit."""

from __future__ import annotations

from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from gridcity.db.migrate import alembic_config
from gridcity.services.platform import Platform


@cache
def migration_heads() -> tuple[str, ...]:
    """The revisions the installed code's migrations end at (read once: they ship with the code)."""
    return tuple(sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()))


def check_database(platform: Platform) -> dict[str, object]:
    with platform.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {}


def check_migrations(platform: Platform) -> dict[str, object]:
    # read the version table directly: alembic's MigrationContext says two INFO lines per look
    with platform.engine.connect() as connection:
        if inspect(connection).has_table("alembic_version"):
            current = tuple(sorted(connection.scalars(text("SELECT version_num FROM alembic_version"))))
        else:
            current = ()
    head = migration_heads()
    return {"ok": current == head, "current": list(current), "head": list(head)}


def check_caches(platform: Platform) -> dict[str, object]:
    return {"built": platform.warm()}
