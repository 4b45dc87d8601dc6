"""Shared fixtures. Every test that takes `platform` runs once on SQLite and once on PostgreSQL
(GRIDCITY_TEST_DATABASES=sqlite narrows it on a machine without PostgreSQL)."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import argon2
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from gridcity.app import create_app
from gridcity.config import Settings
from gridcity.db.migrate import upgrade
from gridcity.db.models import User
from gridcity.services import security, users
from gridcity.services.platform import Platform

BACKENDS = [b.strip() for b in os.environ.get("GRIDCITY_TEST_DATABASES", "sqlite,postgresql").split(",") if b]
PG_ADMIN_URL = os.environ.get(
    "GRIDCITY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CST = ZoneInfo("Asia/Shanghai")
# A Monday morning in November 2026: inside working hours, far from holidays.
T0 = datetime(2026, 11, 16, 9, 0, tzinfo=CST)
TEST_DISTRICT = "110101"  # 东城区


class Clock:
    """The platform's `now`, moved by the test; tests never sleep."""

    def __init__(self, start: datetime = T0) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kwargs: float) -> datetime:
        self.t += timedelta(**kwargs)
        return self.t

    def set(self, moment: datetime) -> None:
        self.t = moment


def _postgres_url(worker: str) -> Iterator[str]:
    name = f"gridcity_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not survive a crash of the server: commits return without waiting
        # for the WAL flush (what a test sees — transactions, locks, constraints — is unchanged).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """Passwords are still hashed and checked by argon2, with its cheapest parameters: at the
    production cost (about 0.2 s a hash or a check, two per test user) hashing was most of the time
    of many tests. A hash carries its parameters, so either kind verifies as before."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(security, "_hasher", PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
        yield


@pytest.fixture(scope="session")
def city_platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """A test city per backend: all Beijing districts and streets; communities, the three grid
    layers, departments and classes for 东城区."""
    backend = request.param
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    data_dir = tmp_path_factory.mktemp(f"city-{backend}")
    urls = _postgres_url(worker) if backend == "postgresql" else iter([f"sqlite:///{data_dir / 'test.db'}"])
    url = next(urls)
    upgrade(url)
    platform = Platform(Settings(database_url=url, data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    platform.backend = backend  # type: ignore[attr-defined]
    from tests.support import build_test_city

    build_test_city(platform)
    yield platform
    platform.engine.dispose()
    for _ in urls:  # drops the PostgreSQL database
        pass


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "city_platform" in metafunc.fixturenames:
        # @pytest.mark.backends("sqlite"): a test of behaviour only one database has
        only = metafunc.definition.get_closest_marker("backends")
        chosen = [b for b in BACKENDS if only is None or b in only.args]
        metafunc.parametrize("city_platform", chosen, indirect=True, scope="session")


# The longest tests (tens of seconds each) start first, so that no worker ends the run with one
# of them while the other has nothing left to do. xdist (--dist=worksteal, pyproject.toml) gives
# each worker a block of consecutive tests at the start: these all go to the first worker, which
# builds the browser tests' demo city (tests/browser/conftest.py, two minutes) while the other
# runs the short tests and does not wait for it.
LONG_TESTS = (
    "tests/integration/test_demo.py::",
    "tests/api/test_workflow_property.py::",
    "tests/integration/test_import_cases.py::test_the_san_francisco_sample",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        if "demo_city" in getattr(item, "fixturenames", ()):
            return 0
        return 1 if item.nodeid.startswith(LONG_TESTS) else 2

    items.sort(key=rank)  # stable: the rest keep their order


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def platform(city_platform: Platform, clock: Clock) -> Iterator[Platform]:
    real_now = city_platform.now
    city_platform.now = clock
    yield city_platform
    city_platform.now = real_now


@pytest.fixture
def db(platform: Platform) -> Iterator:
    with platform.sessions() as session:
        yield session


_names = itertools.count()


@pytest.fixture
def make_user(platform: Platform, db):  # type: ignore[no-untyped-def]
    """make_user(role, unit_code=None) → a fresh user; platform staff default to 东城区."""

    def make(role: str, unit_code: str | None = None, password: str = "secret-pw") -> User:
        unit = unit_code or {"handler": f"{TEST_DISTRICT}-CGW", "citizen": "110000"}.get(role, TEST_DISTRICT)
        return users.add_user(db, f"{role}-{next(_names)}-{uuid.uuid4().hex[:4]}", password, role, unit)

    return make


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform=platform)) as c:
        yield c


@pytest.fixture
def login(client: TestClient):  # type: ignore[no-untyped-def]
    """login(user) → headers with a bearer token for that user (password 'secret-pw')."""

    def headers(user: User, password: str = "secret-pw") -> dict[str, str]:
        r = client.post("/api/v1/auth/token", data={"username": user.username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return headers
