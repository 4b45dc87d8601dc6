"""What an uploaded file is, what it is called and how it reaches the disk (docs/security.md#uploads).

- The type comes from the content alone: Pillow must open the bytes as a JPEG, PNG or WebP image,
  verify it (PNG's checksums) and decode it whole (a photo cut off by a lost connection is refused,
  so the phone sends it again). The client's Content-Type and the name's extension are never read:
  a PNG named `poly.html` is a PNG, an HTML file named `photo.jpg` is refused.
- On disk a file is named by its SHA-256 and the extension of the detected type
  (services.attachments); the client's name is kept only as a display name, made safe here, with
  the detected type's extension, and it goes out in an RFC 6266 `Content-Disposition`.
- A file is written to a temporary name, fsynced, renamed into place and its directory fsynced
  before the upload is acknowledged: a power cut after the 201 cannot lose or halve it.
"""

from __future__ import annotations

import io
import os
import secrets
import struct
import unicodedata
import warnings
from pathlib import Path
from urllib.parse import quote

from PIL import Image, UnidentifiedImageError

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message

# Pillow's format name → the type served, and the extension it gets on disk and in its name
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
# the longest display name kept (characters before the extension)
MAX_STEM = 100
# whatever Pillow raises on bytes it cannot read as the image they claim to be
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


def detect_image_type(content: bytes, filename: str) -> str:
    """The content type of an image upload, from its bytes; a catalogued 422 for anything that is
    not a whole JPEG, PNG or WebP image."""
    try:
        with warnings.catch_warnings():
            # a decompression bomb (more pixels than Pillow's limit) is refused, not decoded
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=list(IMAGE_TYPES)) as image:
                content_type = IMAGE_TYPES[str(image.format)]
                image.verify()
            with Image.open(io.BytesIO(content), formats=list(IMAGE_TYPES)) as image:
                if content_type == "image/jpeg":
                    image.draft(
                        "RGB", (64, 64)
                    )  # decode at 1/8 scale: every byte read, a fraction of the work
                image.load()
    except UnidentifiedImageError:
        raise Invalid(message("upload.not_image", filename=filename)) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(
            message(
                "upload.too_many_pixels", filename=filename, limit=(Image.MAX_IMAGE_PIXELS or 0) // 1_000_000
            )
        ) from None
    except _UNREADABLE:
        raise Invalid(message("upload.damaged", filename=filename)) from None
    return content_type


def safe_name(client_name: str, content_type: str) -> str:
    """The display name of an upload: the client's name without its folders, control and
    formatting characters, quotes and backslashes, cut to MAX_STEM characters, with the
    extension of the detected type in place of its own ('../poly.html' as a PNG → 'poly.png');
    'photo' when nothing is left."""
    base = client_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    kept = "".join(c for c in stem if unicodedata.category(c)[0] != "C" and c not in '"\\/')
    kept = kept.strip(" .")[:MAX_STEM].strip(" .") or "photo"
    return kept + EXTENSIONS.get(content_type, "")


def content_disposition(name: str) -> str:
    """`inline` with the name twice (RFC 6266): `filename*` in UTF-8 for browsers that read it (all
    current ones), an ASCII `filename` for the rest — letters, digits, '.', '-' and '_' only, so
    neither can break out of the header or name a path."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in ".-_") else "_" for c in name)
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def write_durably(target: Path, content: bytes) -> None:
    """`content` at `target`, on the disk before this returns: written to a temporary name and
    fsynced, renamed into place (a crash never leaves half a file under the final name), then the
    directory fsynced (the rename itself survives a power cut). A file already there (the same
    content, named by its checksum) is fsynced again, in case it was written by a version that
    did not."""
    _make_directories(target.parent)
    if target.exists():
        _fsync_path(target)
    else:
        # a name of its own: two requests storing the same photo at once never share a temporary
        temporary = target.with_name(f"{target.name}.{secrets.token_hex(8)}.part")
        with open(temporary, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(target)
    _fsync_path(target.parent)


def _make_directories(directory: Path) -> None:
    """`directory` and its missing parents, each new one's entry fsynced in its parent."""
    if directory.is_dir():
        return
    _make_directories(directory.parent)
    directory.mkdir(exist_ok=True)
    _fsync_path(directory.parent)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
