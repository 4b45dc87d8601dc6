"""Shared fixtures. Every test that takes `platform` runs once on SQLite and once on PostgreSQL
(GRIDCITY_TEST_DATABASES=sqlite narrows it on a machine without PostgreSQL)."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import argon2
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from tests.support import build_test_city, copy_sqlite

from gridcity.app import create_app
from gridcity.config import Settings
from gridcity.db.migrate import upgrade
from gridcity.domain.principal import Principal
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


def _admin_engine() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _postgres_url(worker: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for the duration of the generator; dropped after."""
    name = f"gridcity_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not survive a crash of the server: commits return without waiting
        # for the WAL flush (what a test sees — transactions, locks, constraints — is unchanged).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield _postgres_url_of(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _postgres_url_of(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """Passwords are still hashed and checked by argon2, with its cheapest parameters: at the
    production cost (about 0.2 s a hash or a check, two per test user) hashing was most of the time
    of many tests. A hash carries its parameters, so either kind verifies as before."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(security, "_hasher", PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
        yield


@dataclass
class CityTemplate:
    """The test city of one backend, built once per worker; every test module works on a copy."""

    backend: str
    url: str
    data_dir: Path

    def copy(self, data_dir: Path) -> tuple[str, Callable[[], None]]:
        """A copy of the template's database for one module: its URL and how to drop it. Copying
        is cheap (SQLite: a file of ~9 MB; PostgreSQL: CREATE DATABASE … TEMPLATE, ~50 ms)."""
        if self.backend == "sqlite":
            target = data_dir / "test.db"
            copy_sqlite(Path(self.url.removeprefix("sqlite:///")), target)
            return f"sqlite:///{target}", lambda: None
        name = f"gridcity_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
        template = self.url.rsplit("/", 1)[1]
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return _postgres_url_of(name), drop


class CityTemplates:
    """Builds each backend's test city the first time a module asks for it (a worker that runs
    only SQLite tests never builds the PostgreSQL one)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._built: dict[str, CityTemplate] = {}
        self._drops: list[Iterator[str]] = []

    def get(self, backend: str) -> CityTemplate:
        if backend not in self._built:
            data_dir = self._tmp.mktemp(f"template-{backend}")
            if backend == "postgresql":
                urls = _postgres_url(f"tmpl_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
                self._drops.append(urls)
            else:
                urls = iter([f"sqlite:///{data_dir / 'template.db'}"])
            url = next(urls)
            upgrade(url)
            platform = Platform(_settings(url, data_dir))
            build_test_city(platform)
            platform.engine.dispose()  # a PostgreSQL template may have no connections while copied
            self._built[backend] = CityTemplate(backend, url, data_dir)
        return self._built[backend]

    def close(self) -> None:
        for urls in self._drops:
            for _ in urls:  # drops the template database
                pass


def _settings(url: str, data_dir: Path) -> Settings:
    # no idle timeout: tests move the clock by hours between the requests of one signed-in user;
    # tests/api/test_token_idle.py turns it on and checks it. No portal rate limit to speak of:
    # every test client of a module comes from one address ("testclient"), and the limit counts in
    # real time; tests/api/test_intake_rate_limits.py checks the limits.
    return Settings(  # type: ignore[call-arg]
        database_url=url,
        data_dir=data_dir,
        token_idle_minutes=0,
        portal_report_rate="10000/minute",
        _env_file=None,
    )


@pytest.fixture(scope="session")
def city_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CityTemplates]:
    templates = CityTemplates(tmp_path_factory)
    yield templates
    templates.close()


@contextmanager
def _city_copy(templates: CityTemplates, backend: str, data_dir: Path) -> Iterator[Platform]:
    """A platform over a fresh copy of the test city, dropped afterwards."""
    url, drop = templates.get(backend).copy(data_dir)
    platform = Platform(_settings(url, data_dir))
    platform.backend = backend  # type: ignore[attr-defined]
    try:
        yield platform
    finally:
        platform.engine.dispose()
        drop()


@pytest.fixture(scope="module")
def city_platform(
    request: pytest.FixtureRequest, city_templates: CityTemplates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """The test city for one test module, on one backend: all Beijing districts and streets;
    communities, the three grid layers, departments and classes for 东城区. Each module gets its
    own copy of the database and its own data directory, so nothing a module writes is seen by
    another, whatever the order or the worker. Tests in a module add their own users and cases
    beside each other's; a test that changes what the whole city shares (limits, the calendar,
    the grids) is marked `own_city` and gets a copy of its own (the `platform` fixture)."""
    backend = request.param
    with _city_copy(city_templates, backend, tmp_path_factory.mktemp(f"city-{backend}")) as platform:
        yield platform


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "city_platform" in metafunc.fixturenames:
        # @pytest.mark.backends("sqlite"): a test of behaviour only one database has
        only = metafunc.definition.get_closest_marker("backends")
        chosen = [b for b in BACKENDS if only is None or b in only.args]
        metafunc.parametrize("city_platform", chosen, indirect=True, scope="module")


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
def platform(
    request: pytest.FixtureRequest,
    city_platform: Platform,
    city_templates: CityTemplates,
    clock: Clock,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Platform]:
    """The module's test city with the test's clock; a test marked `own_city` gets a fresh copy."""
    with ExitStack() as stack:
        chosen = city_platform
        if request.node.get_closest_marker("own_city"):
            backend = city_platform.backend  # type: ignore[attr-defined]
            data_dir = tmp_path_factory.mktemp(f"own-city-{backend}")
            chosen = stack.enter_context(_city_copy(city_templates, backend, data_dir))
        real_now = chosen.now
        chosen.now = clock
        yield chosen
        chosen.now = real_now


@pytest.fixture
def db(platform: Platform) -> Iterator:
    with platform.sessions() as session:
        yield session


_names = itertools.count()


@pytest.fixture
def make_user(platform: Platform, db):  # type: ignore[no-untyped-def]
    """make_user(role, unit_code=None) → a fresh user, as the services see a caller (a Principal);
    platform staff default to 东城区."""

    def make(role: str, unit_code: str | None = None, password: str = "secret-pw") -> Principal:
        unit = unit_code or {"handler": f"{TEST_DISTRICT}-CGW", "citizen": "110000"}.get(role, TEST_DISTRICT)
        name = f"{role}-{next(_names)}-{uuid.uuid4().hex[:4]}"
        # past the password policy on purpose, like the demo: the tests' password is short
        return users.principal_of(users.add_user(db, name, password, role, unit, policy=None))

    return make


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform=platform)) as c:
        yield c


@pytest.fixture
def login(client: TestClient):  # type: ignore[no-untyped-def]
    """login(user) → headers with a bearer token for that user (password 'secret-pw')."""

    def headers(user: Principal, password: str = "secret-pw") -> dict[str, str]:
        r = client.post("/api/v1/auth/token", data={"username": user.username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return headers
