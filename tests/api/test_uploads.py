"""Uploads as an attacker and a power cut would try them: the type comes from the content, the name
on disk is the server's, the file goes out as the image it is, and it is on the disk before the 201."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import update
from tests.support import jpeg, png

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Attachment


def upload(client, headers, name: str, content: bytes, declared: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/attachments", files={"file": (name, io.BytesIO(content), declared)}, headers=headers
    )


def stored_files(platform) -> set[Path]:  # type: ignore[no-untyped-def]
    root = platform.settings.effective_attachments_dir
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_png_named_poly_html_is_stored_and_served_as_a_png(client, make_user, login, platform) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    picture = png(5, 3)
    r = upload(client, headers, "poly.html", picture, "text/html")
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/png" and r.json()["filename"] == "poly.png"
    # on disk under the server's name: its checksum and the detected type's extension
    digest = hashlib.sha256(picture).hexdigest()
    on_disk = platform.settings.effective_attachments_dir / digest[:2] / f"{digest}.png"
    assert on_disk.read_bytes() == picture
    assert not [p for p in stored_files(platform) if "poly" in p.name or p.suffix == ".html"]
    served = client.get(f"/api/v1/attachments/{r.json()['id']}", headers=headers)
    assert served.status_code == 200 and served.content == picture
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == "inline; filename=\"poly.png\"; filename*=UTF-8''poly.png"


@pytest.mark.parametrize(
    ("name", "content", "declared", "code"),
    [
        (
            "photo.jpg",
            b"<html><script>alert(document.cookie)</script></html>",
            "image/jpeg",
            "upload.not_image",
        ),
        # a PNG's first 8 bytes and then a page: what a check of the magic number alone let through
        (
            "poly.png",
            b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
            "image/png",
            "upload.not_image",
        ),
        ("scan.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n", "application/pdf", "upload.not_image"),
        (
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
            "upload.not_image",
        ),
        # a photo cut off by a lost connection: the phone must send it again
        ("cut.jpg", jpeg(64, 64)[:-120], "image/jpeg", "upload.damaged"),
        ("cut.png", png(8, 8)[:-20], "image/png", "upload.damaged"),
    ],
)
def test_anything_but_a_whole_image_is_refused_whatever_its_name_says(  # type: ignore[no-untyped-def]
    client, make_user, login, platform, name, content, declared, code
) -> None:
    headers = login(make_user("supervisor"))
    before = stored_files(platform)
    r = upload(client, headers, name, content, declared)
    assert r.status_code == 422 and r.json()["code"] == code
    assert repr(name) in r.json()["detail"]
    zh = client.post(
        "/api/v1/attachments",
        files={"file": (name, io.BytesIO(content), declared)},
        headers={**headers, "Accept-Language": "zh"},
    )
    assert zh.status_code == 422 and (
        "不是 JPEG、PNG 或 WebP 图片" in zh.json()["detail"] or "损坏" in zh.json()["detail"]
    )
    assert stored_files(platform) == before  # nothing written


def test_a_hostile_name_cannot_break_out_of_the_header(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    # (httpx sends a quote in a name as %22; the unit tests give safe_name quotes and controls)
    r = upload(client, headers, "..\\现场; filename=evil.html", jpeg(), "image/jpeg")
    assert r.status_code == 201 and r.json()["filename"] == "现场; filename=evil.jpg"
    served = client.get(f"/api/v1/attachments/{r.json()['id']}", headers=headers)
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["content-disposition"] == (
        'inline; filename="____filename_evil.jpg"; '
        "filename*=UTF-8''%E7%8E%B0%E5%9C%BA%3B%20filename%3Devil.jpg"
    )


@pytest.mark.own_city
def test_a_file_stored_before_names_were_made_safe_goes_out_safely(
    client, make_user, login, platform, db
) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    attachment_id = upload(client, headers, "scene.png", png(), "image/png").json()["id"]
    # an older version kept the client's name as sent: the row as it would have been written then
    with unit_of_work(db):
        db.execute(update(Attachment).where(Attachment.id == attachment_id).values(filename="report.html"))
    served = client.get(f"/api/v1/attachments/{attachment_id}", headers=headers)
    assert served.status_code == 200 and served.content == png()
    assert served.headers["content-type"] == "image/png"
    assert (
        served.headers["content-disposition"]
        == "inline; filename=\"report.png\"; filename*=UTF-8''report.png"
    )


def test_the_file_and_its_directory_are_fsynced_before_the_201(
    client, make_user, login, platform, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:  # the real fsync, and which file it was
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    picture = jpeg(40, 30)  # content no other test stores: a new file, not one already there
    r = upload(client, headers, "durable.jpg", picture, "image/jpeg")
    assert r.status_code == 201
    digest = hashlib.sha256(picture).hexdigest()
    final = platform.settings.effective_attachments_dir.resolve() / digest[:2] / f"{digest}.jpg"
    file_sync = next(i for i, p in enumerate(synced) if p.startswith(str(final)) and p.endswith(".part"))
    dir_sync = max(i for i, p in enumerate(synced) if p == str(final.parent))
    assert file_sync < dir_sync  # the data first, then the rename that names it
    assert final.read_bytes() == picture
