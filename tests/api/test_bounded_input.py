"""Bounded input ([9], docs/security.md#bounded-input): a request body beyond its route's limit is
refused with 413 before it is read and before authentication — by a real uvicorn server, to a
client that sends the headers of a 256 MB body and then only a little of it; a body without a
length is cut at the limit while it arrives; a real photo still fits its route; JSON and GeoJSON
nested too deep are a 422 in the caller's language; and when every database connection is taken,
a request gets 503 with Retry-After after the pool's bounded wait instead of queueing."""

from __future__ import annotations

import io
import json
import os
import select
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from tests.support import serving
from tests.web.test_pages import csrf_of, sign_in

from gridcity.api import body_limits
from gridcity.app import create_app
from gridcity.config import Settings
from gridcity.services.platform import Platform

MiB = 1024 * 1024
HUGE = 256 * MiB


@contextmanager
def serve(platform: Platform) -> Iterator[str]:
    """The app over this platform, served by a real uvicorn on a free port in a thread."""
    with serving(create_app(platform=platform)) as base:
        yield base


def _rss_bytes() -> int:
    """This process's resident memory now (the server runs in it, in a thread)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _answer(sock: socket.socket, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """Read one HTTP answer (status, headers, body) from the socket."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection without an answer: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def _request_head(base: str, path: str, headers: dict[str, str]) -> bytes:
    host = urlsplit(base).netloc
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


def _send_huge_then_listen(
    base: str, path: str, headers: dict[str, str], first: bytes
) -> tuple[int, dict, bytes]:  # type: ignore[type-arg]
    """Announce a 256 MB body, send only `first` of it, and wait for the answer: a server that
    waited for the body would never answer (the read times out and the test fails)."""
    port = urlsplit(base).port
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_request_head(base, path, {**headers, "Content-Length": str(HUGE)}) + first)
        return _answer(sock)


def _entries(directory: Path) -> set[Path]:
    return set(directory.rglob("*")) if directory.exists() else set()


def test_a_256_mb_json_body_is_refused_before_it_is_read_and_before_sign_in(platform: Platform) -> None:
    with serve(platform) as base:
        rss_before = _rss_bytes()
        status, headers, body = _send_huge_then_listen(
            base, "/api/v1/cases", {"Content-Type": "application/json"}, b'{"description": "' + b"x" * 65536
        )
        grown = _rss_bytes() - rss_before
    # 413 (not the 401 of a request without a token): the size is judged before authentication
    assert status == 413, body
    assert json.loads(body)["code"] == "bounds.body_too_large"
    assert "at most 1 MiB" in json.loads(body)["detail"]
    assert headers["connection"] == "close"
    assert grown < 32 * MiB, f"the server grew by {grown / MiB:.0f} MiB for a refused body"


def test_a_256_mb_photo_upload_is_refused_before_anything_is_written(platform: Platform) -> None:
    boundary = uuid.uuid4().hex
    part = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"\xff\xd8\xff\xe0"
        + b"\x00" * 65536
    )
    uploads = platform.settings.effective_attachments_dir
    before = _entries(uploads)
    with serve(platform) as base:
        rss_before = _rss_bytes()
        status, _headers, body = _send_huge_then_listen(
            base,
            "/api/v1/attachments",
            {"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept-Language": "zh"},
            part,
        )
        grown = _rss_bytes() - rss_before
    assert status == 413, body
    limit = body_limits.size_text(body_limits.limit_for(platform.settings, "POST", "/api/v1/attachments"))
    assert json.loads(body)["detail"] == f"请求内容过大：此处最多接受 {limit}"
    assert _entries(uploads) == before, "a refused upload left files behind"
    assert grown < 32 * MiB


def test_a_page_upload_too_large_gets_the_error_page_before_sign_in(platform: Platform) -> None:
    with serve(platform) as base:
        status, headers, body = _send_huge_then_listen(
            base, "/portal/report", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\n"
        )
    assert status == 413 and headers["content-type"].startswith("text/html")
    assert "内容过大" in body.decode() and "请求内容过大：此处最多接受" in body.decode()


def test_open311_clients_get_the_refusal_in_their_own_format(client) -> None:  # type: ignore[no-untyped-def]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = client.post("/open311/v2/requests.xml", content=b"a=" + b"x" * (2 * MiB), headers=form)
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/xml")
    assert (
        "<errors><error><code>413</code><description>the request body is too large: at most 1 MiB" in r.text
    )
    r = client.post("/open311/v2/requests.json", content=b"a=" + b"x" * (2 * MiB), headers=form)
    assert r.status_code == 413 and r.json()[0]["code"] == 413


def test_a_body_without_a_length_is_cut_at_the_limit_as_it_arrives(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunked, no Content-Length: the server counts what arrives and answers 413 once the count
    passes the route's limit, while the client is still sending (its body never ends)."""
    monkeypatch.setattr(platform.settings, "max_body_bytes", 64 * 1024)
    monkeypatch.setattr(platform.settings, "max_upload_bytes", 256 * 1024)
    limit = body_limits.limit_for(platform.settings, "POST", "/api/v1/attachments")
    assert limit == 64 * 1024 + 256 * 1024 + body_limits.PART_OVERHEAD_BYTES
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    chunk = b"\x00" * 32 * 1024
    sent = 0
    uploads = platform.settings.effective_attachments_dir
    before = _entries(uploads)
    with serve(platform) as base, socket.create_connection(("127.0.0.1", urlsplit(base).port)) as sock:
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Transfer-Encoding": "chunked",
        }
        sock.sendall(_request_head(base, "/api/v1/attachments", headers))
        for piece in [head, *[chunk] * 2048]:  # 64 MiB, if nobody stopped it
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sent += len(piece)
            if select.select([sock], [], [], 0.05)[0]:
                break
        status, _headers, body = _answer(sock)
    assert status == 413, body
    assert json.loads(body)["code"] == "bounds.body_too_large"
    # answered as soon as the count passed the limit: the client had sent little more than it
    assert limit < sent < limit + 2 * MiB, sent
    assert _entries(uploads) == before


def _photo(size: int) -> bytes:
    """A real JPEG of at least `size` bytes (noise does not compress)."""
    side = 600
    while True:
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "JPEG", quality=95)
        if out.tell() >= size:
            return out.getvalue()
        side += 300


def test_a_real_photo_larger_than_a_form_still_fits_its_upload_route(client, login, make_user) -> None:  # type: ignore[no-untyped-def]
    photo = _photo(2 * MiB)  # twice the default limit of a body, well within a photo's
    headers = login(make_user("supervisor"))
    r = client.post("/api/v1/attachments", files={"file": ("p.jpg", photo, "image/jpeg")}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["size"] == len(photo)
    # the same bytes to a route that takes JSON: refused by size
    r = client.post("/api/v1/cases", content=photo, headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "bounds.body_too_large"


def test_every_larger_route_of_the_table_exists(client) -> None:  # type: ignore[no-untyped-def]
    """A renamed upload route would silently fall back to the small default: each route the table
    names is one the app answers (refused for want of a form or a sign-in, never unknown)."""
    for method, path in body_limits.LARGER_ROUTES:
        r = client.request(method, path.replace("{case_id}", "1"), follow_redirects=False)
        assert r.status_code not in (404, 405), (method, path, r.status_code)


# --- parsing within bounds ---------------------------------------------------------------------


def _nested(depth: int) -> str:
    """A GeoJSON Polygon whose coordinates nest `depth` arrays deep, as text (a parser without
    bounds cannot even read it back beyond about 1,000)."""
    return '{"type": "Polygon", "coordinates": ' + "[" * depth + "]" * depth + "}"


def test_a_json_body_nested_too_deep_is_a_422_in_the_callers_language(client, login, make_user) -> None:  # type: ignore[no-untyped-def]
    deep = b"[" * 200_000 + b"]" * 200_000  # 400 KB: within the size limit
    headers = {**login(make_user("supervisor")), "Content-Type": "application/json"}
    r = client.post("/api/v1/cases", content=deep, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "bounds.body_too_deep", r.text
    assert r.json()["detail"] == "the JSON body is nested more than 64 levels deep"
    r = client.post("/api/v1/cases", content=deep, headers={**headers, "Accept-Language": "zh"})
    assert r.status_code == 422 and r.json()["detail"] == "请求的 JSON 嵌套超过 64 层"


def test_a_json_body_nested_deep_within_the_parsers_reach_is_refused_before_it_is_stored(
    client, login, make_user
) -> None:  # type: ignore[no-untyped-def]
    """Depth 900 gets past the JSON parser; stored, a place whose attributes nest that deep could
    not be shown again (a 500 at every read). The body is refused before the route sees it."""
    headers = {**login(make_user("admin", "110101")), "Content-Type": "application/json"}
    place = '{"kind": "building", "name": "深楼", "lon": 116.404, "lat": 39.914, %s}'
    for deep in (f'"geometry": {_nested(900)}', '"attrs": {"a": ' + "[" * 900 + "]" * 900 + "}"):
        r = client.post("/api/v1/registry/places", content=(place % deep).encode(), headers=headers)
        assert r.status_code == 422 and r.json()["code"] == "bounds.body_too_deep", r.text
    listed = client.get("/api/v1/registry/places", params={"q": "深楼"}, headers=headers)
    assert listed.status_code == 200 and listed.json()["total"] == 0


@pytest.mark.own_city
def test_deeply_nested_geojson_in_the_grid_import_is_a_422_on_the_page(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110101"))
    token = csrf_of(client.get("/admin/territory").text)
    for depth in (100, 5000):  # past the bound; past the interpreter's recursion limit
        feature = '{"type": "Feature", "properties": {"code": "x"}, "geometry": ' + _nested(depth) + "}"
        document = ('{"type": "FeatureCollection", "features": [' + feature + "]}").encode()
        r = client.post(
            "/admin/territory/grids",
            data={"csrf_token": token, "layer": "city_management"},
            files={"file": ("deep.geojson", document, "application/geo+json")},
            follow_redirects=False,
        )
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
        assert "deep.geojson 的嵌套层数超过 64 层" in r.text


@pytest.mark.own_city
def test_a_grid_file_with_too_many_features_or_coordinates_is_refused(
    client, make_user, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110101"))
    token = csrf_of(client.get("/admin/territory").text)
    ring = [[116.40, 39.91], [116.41, 39.91], [116.41, 39.92], [116.40, 39.91]]
    feature = {
        "type": "Feature",
        "properties": {"code": "x"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    document = json.dumps({"type": "FeatureCollection", "features": [feature] * 3}).encode()

    def upload() -> str:
        r = client.post(
            "/admin/territory/grids",
            data={"csrf_token": token, "layer": "city_management"},
            files={"file": ("many.geojson", document, "application/geo+json")},
            follow_redirects=False,
        )
        assert r.status_code == 422, r.text
        return r.text

    monkeypatch.setattr(platform.settings, "max_import_features", 2)
    assert "many.geojson 含有 3 个要素，最多 2 个" in upload()
    monkeypatch.setattr(platform.settings, "max_import_features", 100)
    monkeypatch.setattr(platform.settings, "max_import_positions", 10)
    assert "many.geojson 含有超过 10 个坐标数组" in upload()


# --- load shedding -------------------------------------------------------------------------------


@contextmanager
def _all_connections_taken(platform: Platform) -> Iterator[None]:
    """Check out every connection the engine's pool may open (its size and its overflow)."""
    pool = platform.engine.pool
    with ExitStack() as stack:
        for _ in range(pool.size() + pool._max_overflow):  # type: ignore[attr-defined]
            stack.enter_context(platform.engine.connect())
        yield


@pytest.fixture
def impatient(platform: Platform, tmp_path: Path) -> Iterator[Platform]:
    """The test city behind a platform whose pool waits one second for a connection."""
    url = platform.settings.effective_database_url
    settings = Settings(database_url=url, data_dir=tmp_path, db_pool_timeout_s=1.0, _env_file=None)  # type: ignore[call-arg]
    other = Platform(settings)
    try:
        yield other
    finally:
        other.engine.dispose()


def test_when_every_connection_is_taken_a_request_gets_503_with_retry_after_quickly(
    impatient, make_user
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("supervisor")
    with TestClient(create_app(platform=impatient)) as client:
        r = client.post("/api/v1/auth/token", data={"username": user.username, "password": "secret-pw"})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        sign_in(client, user)  # the pages' session too
        with _all_connections_taken(impatient):
            started = time.monotonic()
            r = client.get("/api/v1/cases", headers=headers)
            waited = time.monotonic() - started
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] == "1"
            assert r.json() == {
                "detail": "the platform is busy: try again in 1 seconds",
                "code": "bounds.busy",
            }
            assert 0.9 < waited < 5, waited
            # a write (on SQLite run on the event loop under the write lock) does not freeze either
            started = time.monotonic()
            r = client.post("/api/v1/cases", json={"description": "x"}, headers=headers)
            assert r.status_code == 503 and time.monotonic() - started < 5
            # a page: the error page, in Chinese, without looking the person up (another wait)
            started = time.monotonic()
            r = client.get("/field", headers={"Accept": "text/html"})
            assert r.status_code == 503 and "系统繁忙，请在 1 秒后重试" in r.text
            assert r.headers["retry-after"] == "1" and time.monotonic() - started < 2.5
        # the connections back: served again
        assert client.get("/api/v1/cases", headers=headers).status_code == 200
