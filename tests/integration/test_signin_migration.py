"""Revision 0016 (sign-in protection) goes down and up again on both databases with data in it:
the lock tables and the tokens' last use go, the rest of the city stays, and signing in works
after the way back up."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from gridcity.db.migrate import alembic_config, upgrade
from gridcity.services import signin, signin_guard, users


@pytest.mark.own_city
def test_0016_downgrades_and_upgrades_with_locks_and_tokens_in_it(platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("operator")
    users.issue_token(
        platform, db, signin.authenticate(platform, db, user.username, "secret-pw", "192.0.2.9")
    )
    for _ in range(platform.settings.signin_lock_after):
        signin_guard.failed(platform, db, "ghost", "192.0.2.9", None)
    db.close()
    platform.engine.dispose()
    url = platform.settings.effective_database_url
    config = alembic_config(url)
    with platform.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
    schema = inspect(platform.engine)
    assert not {"signin_counters", "signin_lock_events"} & set(schema.get_table_names())
    assert "last_used_at" not in {c["name"] for c in schema.get_columns("api_tokens")}
    assert "users" in schema.get_table_names()
    platform.engine.dispose()

    upgrade(url)
    platform.engine.dispose()
    with platform.sessions() as again:
        assert signin.authenticate(platform, again, user.username, "secret-pw", "192.0.2.9").id == user.id
        assert signin_guard.current_locks(platform, again, None) == []  # the locks went with the table
