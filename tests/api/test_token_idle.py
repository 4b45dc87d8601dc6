"""The idle timeout of sessions and bearer tokens (GRIDCITY_TOKEN_IDLE_MINUTES): a token unused
for that long stops working, one in use keeps working to the end of its lifetime; its last use is
written at most once a minute, not at every request. The test city runs without the timeout
(tests/conftest.py): these tests turn it on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from tests.support import post_login

from gridcity.db.models import ApiToken
from gridcity.services import users
from gridcity.services.platform import Platform
from gridcity.services.security import token_digest


@pytest.fixture
def idle_30(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(platform.settings, "token_idle_minutes", 30.0)
    users._token_cache.clear()
    yield
    users._token_cache.clear()


def _last_use(db, token: str):  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(select(ApiToken.last_used_at).where(ApiToken.token_hash == token_digest(token)))


def test_a_token_unused_for_the_idle_time_expires_and_one_in_use_does_not(
    idle_30, client, login, make_user, clock, db
) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("dispatcher"))
    token = headers["Authorization"].removeprefix("Bearer ")
    for _ in range(20):  # ten hours of work, a request every half hour less a minute
        clock.advance(minutes=29)
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(minutes=30)  # then half an hour away
    gone = client.get("/api/v1/me", headers=headers)
    assert gone.status_code == 401 and gone.json()["code"] == "user.token_expired"
    assert _last_use(db, token) is not None  # the token row is left to expire; it opens nothing


def test_the_last_use_is_written_at_most_once_a_minute(idle_30, client, login, make_user, clock, db) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("dispatcher"))
    token = headers["Authorization"].removeprefix("Bearer ")
    issued = _last_use(db, token)
    for _ in range(5):
        clock.advance(seconds=10)
        users._token_cache.clear()  # every request to the database, as in another process
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert _last_use(db, token) == issued  # five requests within the minute: no write
    clock.advance(seconds=15)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert _last_use(db, token) == clock.t  # a minute on: written once


def test_an_idle_page_session_sends_the_person_to_sign_in_again(idle_30, client, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user("dispatcher")
    assert post_login(client, user.username, "secret-pw").status_code == 303
    clock.advance(minutes=20)
    assert client.get("/work", follow_redirects=False).status_code == 200
    clock.advance(minutes=31)
    away = client.get("/work", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/login")
