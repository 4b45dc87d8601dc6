"""A city's first component census (首次普查) into an empty registry: the lookup indexes are built once
at the end — also when the import stops half way — and an index a killed import left missing is
built by the next one (both databases; on PostgreSQL the batches are written by parallel writers).

The test city's database is shared by the tests of a worker, and other tests' components are in
it: each test here imports into a copy of that database with no components."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, delete, func, inspect, select, text
from tests.integration.test_components import WATER, _code, _offset, _row, _write

from gridcity.config import Settings
from gridcity.db import components as components_db
from gridcity.db.models import Component, OrgUnit
from gridcity.services.components import records as components
from gridcity.services.platform import Platform

T = TypeVar("T")
LOOKUP = sorted(str(i.name) for i in components_db.LOOKUP_INDEXES)
SPOT = (116.4080, 39.9280)  # 东城区, inside its unit grids


@pytest.fixture
def empty_registry(platform: Platform, tmp_path: Path) -> Iterator[Platform]:
    """A platform on a copy of the test city's database, its component registry emptied."""
    url = str(platform.engine.url.render_as_string(hide_password=False))
    if platform.engine.dialect.name == "sqlite":
        copy_path = tmp_path / "copy.db"
        with sqlite3.connect(platform.engine.url.database) as source, sqlite3.connect(copy_path) as target:
            source.backup(target)
        copy_url, drop = f"sqlite:///{copy_path}", None
    else:
        name = f"census_{uuid.uuid4().hex[:10]}"
        platform.engine.dispose()  # a template database may have no other sessions
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{platform.engine.url.database}"'))
        copy_url, drop = url.rsplit("/", 1)[0] + f"/{name}", name
    copy = Platform(Settings(database_url=copy_url, data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    copy.now = platform.now
    with copy.engine.begin() as conn:
        conn.execute(delete(Component))
    yield copy
    copy.engine.dispose()
    if drop:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)'))
        admin.dispose()


class Recorder:
    """The progress a user sees: the steps in order; optionally stops (Ctrl-C) after some batches."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.steps: list[str] = []
        self.stop_after = stop_after

    def track(self, items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
        self.steps.append(description)
        for n, item in enumerate(items):
            if self.stop_after is not None and description.startswith("components") and n == self.stop_after:
                raise KeyboardInterrupt
            yield item

    def note(self, message: str) -> None:
        pass


def _census(tmp_path: Path, n: int, first_seq: int) -> tuple[Path, list[str]]:
    lon, lat = SPOT
    codes = [_code(WATER, first_seq + i) for i in range(n)]
    rows = [_row(code, *_offset(lon, lat, 3 * (i % 40), 3 * (i // 40))) for i, code in enumerate(codes)]
    rows.append(_row(_code(WATER, first_seq + n), 121.47, 31.23))  # Shanghai: rejected
    return _write(tmp_path / "first-census.csv", rows), codes


def _indexes(platform: Platform) -> list[str]:
    with platform.engine.connect() as conn:
        names = {i["name"] for i in inspect(conn).get_indexes("components")}
    return sorted(n for n in names if n in LOOKUP)


def _stored(platform: Platform) -> tuple[int, int]:
    with platform.engine.connect() as conn:
        rows = conn.execute(select(func.count(), func.count(Component.owner_unit_id))).one()
    return int(rows[0]), int(rows[1])


@pytest.mark.parametrize("columnar", [True, False], ids=["columns", "rows"])
def test_a_first_census_builds_the_lookup_indexes_at_the_end(empty_registry, tmp_path, columnar) -> None:  # type: ignore[no-untyped-def]
    platform = empty_registry
    path, codes = _census(tmp_path, 240, 700_001)
    progress = Recorder()
    with platform.sessions() as db:
        run = components.import_components(
            platform, db, path, progress=progress, batch_size=20, defer_indexes_from=100, columnar=columnar
        )
        water = db.scalar(select(OrgUnit.id).where(OrgUnit.name == "北京市水务局"))

    assert (run.read, run.created, run.rejected, run.batches) == (241, 240, 1, 13)
    assert progress.steps == ["components first-census.csv", "component lookup indexes"]
    assert _indexes(platform) == LOOKUP
    assert _stored(platform) == (240, 240)
    with platform.sessions() as db:
        found = components.nearest(db, *SPOT, class_codes=[WATER], radius_m=20)
        assert found and found[0].code == codes[0] and found[0].owner_unit_id == water
        # a second run of the same census finds every component and writes nothing
        again = components.import_components(platform, db, path, batch_size=20, defer_indexes_from=100)
    assert (again.created, again.unchanged) == (0, 240)
    assert _stored(platform) == (240, 240)


def test_a_census_stopped_half_way_still_leaves_the_indexes_and_a_rerun_carries_on(
    empty_registry, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    platform = empty_registry
    path, _ = _census(tmp_path, 240, 710_001)
    with platform.sessions() as db, pytest.raises(KeyboardInterrupt):
        components.import_components(
            platform, db, path, progress=Recorder(stop_after=5), batch_size=20, defer_indexes_from=100
        )
    assert _indexes(platform) == LOOKUP
    written, _ = _stored(platform)
    assert 0 < written < 240 and written % 20 == 0  # whole batches only

    with platform.sessions() as db:
        run = components.import_components(platform, db, path, batch_size=20, defer_indexes_from=100)
    assert (run.created, run.unchanged, run.rejected) == (240 - written, written, 1)
    assert _stored(platform) == (240, 240)


def test_an_index_a_killed_import_left_missing_is_built_by_the_next_import(empty_registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    platform = empty_registry
    path, _ = _census(tmp_path, 30, 720_001)
    with platform.sessions() as db:
        components.import_components(platform, db, path, batch_size=20)  # small: indexes kept
    with platform.engine.begin() as conn:
        components_db.drop_lookup_indexes(conn)  # as a first census killed before its end leaves it
    assert _indexes(platform) == []

    more, _ = _census(tmp_path, 30, 721_001)
    progress = Recorder()
    with platform.sessions() as db:  # not empty: the import keeps the indexes, after building them
        run = components.import_components(platform, db, more, progress=progress, defer_indexes_from=1)
    assert run.created == 30
    assert progress.steps == ["component lookup indexes", "components first-census.csv"]
    assert _indexes(platform) == LOOKUP
