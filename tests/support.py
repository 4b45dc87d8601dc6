"""Test data made through the real services (no fixtures written as raw rows)."""

from __future__ import annotations

import asyncio
import io
import re
import socket
import sqlite3
import struct
import threading
import time
import zlib
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from PIL import Image

from gridcity.domain.taxonomy import DEFAULT_PHOTO_REQUIRED
from gridcity.services import attachments, classes, departments, territory
from gridcity.services.demo import data_file
from gridcity.services.platform import Platform

TEST_DISTRICTS = ("110101",)


def build_test_city(platform: Platform) -> None:
    with platform.sessions() as db:
        territory.import_districts(platform, db, data_file("beijing", "beijing_districts_wgs84.geojson"))
        territory.import_streets(
            platform, db, data_file("beijing", "beijing_streets_townships_wgs84.geojson")
        )
        territory.import_communities_csv(
            platform, db, data_file("beijing", "beijing_towns_communities_adcode_2016.csv"), TEST_DISTRICTS
        )
        for layer in territory.LAYERS:
            territory.generate_grids(platform, db, layer, TEST_DISTRICTS)
        territory.rebuild_crosswalk(platform, db)
        classes.seed_catalogue(platform, db)
        departments.instantiate(platform, db, TEST_DISTRICTS)


def png(width: int = 2, height: int = 2) -> bytes:
    """A small, valid PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int = 16, height: int = 16) -> bytes:
    """A small, valid JPEG (a grey square), as a camera's would be read: whole and decodable."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (128, 128, 128)).save(out, "JPEG")
    return out.getvalue()


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (the backup API: safe whatever its journal holds)."""
    source_db = sqlite3.connect(source)
    target_db = sqlite3.connect(target)
    try:
        with target_db:
            source_db.backup(target_db)
    finally:
        source_db.close()
        target_db.close()


def upload_photo(
    client, headers: dict[str, str], content: bytes | None = None, name: str = "scene.png"
) -> int:  # type: ignore[no-untyped-def]
    """Upload a photo through the API as the user of `headers`; its attachment id. The actions a
    class requires a photo for (核实、核查、处置反馈 by default) name it in `attachment_ids`."""
    kind = "image/jpeg" if name.endswith(".jpg") else "image/png"
    r = client.post("/api/v1/attachments", files={"file": (name, content or png(), kind)}, headers=headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def stored_photo(platform: Platform, db, user, content: bytes | None = None) -> int:  # type: ignore[no-untyped-def]
    """An uploaded photo through the service (for tests that act through services.cases)."""
    return attachments.store_upload(platform, db, user, "scene.png", content or png()).id


def photos_for(platform: Platform, db, user, action: str) -> list[int]:  # type: ignore[no-untyped-def]
    """One uploaded photo when the default class table requires one for `action`, else none: what a
    test that drives the case loop through the services names in `ActionRequest.attachments`."""
    return [stored_photo(platform, db, user)] if action in DEFAULT_PHOTO_REQUIRED else []


def post_login(client, username: str, password: str, **fields: str):  # type: ignore[no-untyped-def]
    """POST /login as the browser does: the sign-in page first, which gives the form its CSRF token
    (the visitor's double-submit cookie, or the session's), then the form with that token."""
    form = client.get("/login")
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', form.text)
    assert found, "the sign-in page has no CSRF token"
    data = {"username": username, "password": password, "csrf_token": found.group(1), **fields}
    return client.post("/login", data=data, follow_redirects=False)


T = TypeVar("T")


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """`asyncio.run(make())` on a thread of its own: a test's event loop neither depends on nor
    touches the state of the worker's main thread, where Playwright's sync API (the browser tests'
    session fixture) keeps a running loop marked for the rest of the session — `asyncio.run` there
    fails, and the coroutine it could not run fails another test as "never awaited" when collected.
    The coroutine is made on that thread, so none is left unawaited here."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = asyncio.run(make())
        except BaseException as exc:  # re-raised on the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="test-event-loop")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any, **config: Any) -> Iterator[str]:
    """`app` served by a real uvicorn on a free port in a thread (uvicorn's options in `config`);
    yields its base URL and stops it afterwards."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start within 20 s"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
