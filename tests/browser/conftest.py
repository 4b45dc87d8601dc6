"""Browser tests: the real app served by uvicorn on a free local port, driven by Playwright in
Debian's chromium (installed by .ci/run). A failing test leaves a screenshot in artifacts/."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from tests.support import copy_sqlite, serving

from gridcity.app import create_app
from gridcity.config import Settings
from gridcity.db.migrate import upgrade
from gridcity.services import demo
from gridcity.services.platform import Platform

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# The screenshots the docs show (docs/screenshots/) are refreshed on request only, so that a test run
# leaves the repository as it was: GRIDCITY_UPDATE_SCREENSHOTS=1 python -m pytest tests/browser
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("GRIDCITY_UPDATE_SCREENSHOTS")
    else ARTIFACTS / "screenshots"
)
# Without these Chromium keeps trying to reach Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sign_in_context(context: BrowserContext, base: str, username: str, password: str) -> None:
    """Sign a browser context in through the form's own request: the sign-in page first (its CSRF
    token and the visitor's cookie), then the POST, as the person's browser does."""
    page = context.request.get(f"{base}/login").text()
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page)
    assert found, "the sign-in page has no CSRF token"
    form = {"username": username, "password": password, "csrf_token": found.group(1)}
    signed_in = context.request.post(f"{base}/login", form=form, max_redirects=0)
    assert signed_in.status == 303, f"{username} could not sign in: {signed_in.status}"


@contextmanager
def serve(platform: Platform) -> Iterator[str]:
    """The app over this platform, served by uvicorn in a thread; yields its base URL."""
    with serving(create_app(platform=platform)) as base:
        yield base


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real demo (`gridcity demo`: 东城区 and 西城区, 3,000 cases), built once per test run and
    shared by the xdist workers (the first one builds it under a file lock); nobody serves it."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's directory, above each worker's own
    data_dir = root / "demo-city"
    data_dir.mkdir(exist_ok=True)
    settings = Settings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]
    with open(root / "demo-city.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            upgrade(settings.effective_database_url)
            platform = Platform(settings)
            demo.build_if_absent(platform, cases=demo.DEFAULT_CASES)
            platform.engine.dispose()  # the last connection folds the WAL into the file
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return data_dir


@pytest.fixture(scope="module")
def demo_city(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Platform]]:
    """A copy of the demo for one test module (its database, photos and personal-data key), served
    by this worker: what one module's tests change is never seen by another's."""
    data_dir = tmp_path_factory.mktemp("demo-copy")
    database = shutil.ignore_patterns("gridcity.db*")
    shutil.copytree(demo_template, data_dir, dirs_exist_ok=True, ignore=database)
    copy_sqlite(demo_template / "gridcity.db", data_dir / "gridcity.db")
    platform = Platform(Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    with serve(platform) as url:
        yield url, platform
    platform.engine.dispose()


@pytest.fixture
def live_server(platform: Platform) -> Iterator[str]:
    with serve(platform) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
