"""Encryption at rest of personal fields (a resident's ID number and phone).

One 32-byte master key (`GRIDCITY_PERSONAL_DATA_KEY`, base64) gives, through HKDF-SHA256, three
keys: the AES-256-GCM key that encrypts the fields, the HMAC-SHA256 key of the blind index (an
exact-match lookup by ID number without decrypting every row), and a key id stored with each value
so that a wrong key is named as such instead of yielding garbage.

A stored value is: version byte (1) · key id (4 bytes) · nonce (12 bytes) · ciphertext with tag.
The associated data binds a value to its field ("resident.id_number"), so a value copied into
another column does not decrypt.

With no key configured the platform makes one on first use and keeps it in
`data_dir/personal-data.key` (mode 0600), so that the quick start works; a production installation
sets the key in the environment (all app processes the same key) and keeps a copy apart from the
database backups.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gridcity.config import Settings
from gridcity.domain.errors import DomainError
from gridcity.domain.messages import message

KEY_FILE = "personal-data.key"
_VERSION = b"\x01"
_NONCE = 12


class PersonalDataKeyError(DomainError):
    """The personal-data key is missing, malformed, or not the one the data was encrypted with: a
    fault of the installation, not of the request."""

    status_code = 503  # the installation must be fixed; the request may be repeated then


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise PersonalDataKeyError(message("personal_key.malformed", where=where))
    return key


def new_key_text() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class PersonalCipher:
    def __init__(self, master: bytes) -> None:
        self._aead = AESGCM(_derive(master, b"gridcity personal data v1 encryption"))
        self._index_key = _derive(master, b"gridcity personal data v1 blind index")
        self.key_id = _derive(master, b"gridcity personal data v1 key id")[:4]

    def encrypt(self, text: str, field: str) -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, text.encode("utf-8"), field.encode())
        return _VERSION + self.key_id + nonce + sealed

    def decrypt(self, blob: bytes, field: str) -> str:
        blob = bytes(blob)
        if blob[:1] != _VERSION or len(blob) < 1 + 4 + _NONCE + 16:
            raise PersonalDataKeyError(message("personal_key.bad_format", field=field))
        if blob[1:5] != self.key_id:
            raise PersonalDataKeyError(message("personal_key.other_key", field=field))
        try:
            return self._aead.decrypt(blob[5 : 5 + _NONCE], blob[5 + _NONCE :], field.encode()).decode(
                "utf-8"
            )
        except InvalidTag:
            raise PersonalDataKeyError(message("personal_key.altered", field=field)) from None

    def blind_index(self, value: str, field: str) -> str:
        """A keyed hash for exact lookups; without the key it says nothing of the value."""
        return hmac.new(self._index_key, f"{field}\x00{value}".encode(), hashlib.sha256).hexdigest()


_ciphers: dict[tuple[str, str], PersonalCipher] = {}
_lock = threading.Lock()


def cipher(settings: Settings) -> PersonalCipher:
    """The cipher of this installation's key (read or made once per process)."""
    configured = settings.personal_data_key
    cache_key = (configured, "" if configured else str(settings.data_dir.resolve()))
    found = _ciphers.get(cache_key)
    if found is not None:
        return found
    with _lock:
        if configured:
            master = decode_key(configured, "GRIDCITY_PERSONAL_DATA_KEY")
        else:
            master = _key_from_file(settings.data_dir / KEY_FILE)
        _ciphers[cache_key] = PersonalCipher(master)
        return _ciphers[cache_key]


def _key_from_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: read theirs
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(new_key_text() + "\n")
    return decode_key(path.read_text(encoding="ascii"), str(path))
