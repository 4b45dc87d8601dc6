"""A serving process (uvicorn's factory, `create_app()` from the environment) builds its derived
state before the first request and freezes its heap (src/gridcity/serving.py); a database that
is not there yet does not stop it from starting."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from gridcity.app import create_app
from gridcity.services.platform import Platform


@pytest.fixture
def thawed() -> Iterator[None]:
    """The test process's heap as it was: frozen objects are thawed again afterwards."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def _rebuilds(cache: str) -> float:
    return REGISTRY.get_sample_value("gridcity_cache_rebuilds_total", {"cache": cache}) or 0.0


@pytest.mark.backends("sqlite")
def test_the_state_is_built_and_the_heap_frozen_before_the_first_request(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, thawed: None
) -> None:
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url)
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(platform.settings.data_dir))
    app = create_app()
    before = _rebuilds("territory")
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        started = _rebuilds("territory")
        assert started == before + 1  # built at start, by the process's own platform
        assert gc.get_freeze_count() > 10_000  # the long-lived objects, out of the full passes
        r = client.get("/api/v1/locate", params={"lon": 116.4040, "lat": 39.9140})
        assert r.status_code == 200, r.text
        assert _rebuilds("territory") == started  # the first request found it built
    app.state.platform.engine.dispose()


def test_a_database_not_there_yet_does_not_stop_the_start(
    tmp_path, monkeypatch: pytest.MonkeyPatch, thawed: None
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'nothing.db'}")
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(tmp_path))
    app = create_app()
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200  # alive
        assert client.get("/readyz").status_code == 503  # and says it is not ready
    app.state.platform.engine.dispose()
