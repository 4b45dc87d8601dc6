"""Names and headers of uploads (services.upload_files), and what Pillow's reading refuses."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from tests.support import jpeg, png

from gridcity.domain.errors import Invalid
from gridcity.services.upload_files import content_disposition, detect_image_type, safe_name


@pytest.mark.parametrize(
    ("client_name", "content_type", "kept"),
    [
        ("poly.html", "image/png", "poly.png"),
        ("../../etc/passwd", "image/jpeg", "passwd.jpg"),
        ("C:\\Users\\张三\\现场 1.JPG", "image/jpeg", "现场 1.jpg"),
        ('a"b\r\nX-Injected: 1.webp', "image/webp", "abX-Injected: 1.webp"),
        ("\u202eexe.png", "image/png", "exe.png"),  # a right-to-left override would disguise the name
        (".htaccess", "image/png", "htaccess.png"),
        ("", "image/png", "photo.png"),
        ("...", "image/jpeg", "photo.jpg"),
        ("x" * 300 + ".png", "image/png", "x" * 100 + ".png"),
    ],
)
def test_a_display_name_keeps_only_what_is_safe_and_the_detected_extension(
    client_name, content_type, kept
) -> None:  # type: ignore[no-untyped-def]
    assert safe_name(client_name, content_type) == kept


def test_the_disposition_names_the_file_in_ascii_and_in_utf8() -> None:
    assert (
        content_disposition("现场 1.jpg")
        == "inline; filename=\"___1.jpg\"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%201.jpg"
    )
    assert content_disposition('a";b.png') == "inline; filename=\"a__b.png\"; filename*=UTF-8''a%22%3Bb.png"


def test_each_accepted_type_is_read_from_the_bytes() -> None:
    webp = io.BytesIO()
    Image.new("RGB", (4, 4)).save(webp, "WEBP")
    assert detect_image_type(png(), "a.txt") == "image/png"
    assert detect_image_type(jpeg(), "a.png") == "image/jpeg"
    assert detect_image_type(webp.getvalue(), "a.jpg") == "image/webp"


def test_a_gif_or_a_bmp_is_not_an_accepted_image() -> None:
    for kind in ("GIF", "BMP"):
        out = io.BytesIO()
        Image.new("RGB", (4, 4)).save(out, kind)
        with pytest.raises(Invalid) as refused:
            detect_image_type(out.getvalue(), f"a.{kind.lower()}")
        assert refused.value.code == "upload.not_image"


def test_a_decompression_bomb_is_refused_before_it_is_decoded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # a small limit stands for the real one
    with pytest.raises(Invalid) as refused:
        detect_image_type(png(40, 40), "bomb.png")  # 1,600 pixels
    assert refused.value.code == "upload.too_many_pixels"
