"""Encryption at rest of personal fields (a resident's ID number and phone, a case reporter's
callback contact: `services.contact_store`).

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
database backups. In production mode (`GRIDCITY_PRODUCTION=true`) nothing starts without it
(`check_keys`): a process that made its own key would write values the others cannot read.

Rotation: the current key encrypts and indexes; older keys (`GRIDCITY_PERSONAL_DATA_OLD_KEYS`) still
decrypt what they wrote, each found by the key id stored with the value, and a lookup by blind index
asks for the index under every known key (`blind_indexes`) until `gridcity personal-data rekey`
(`services.personal_data`) has rewritten every value under the current key.
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


class KeyCipher:
    """The encryption, blind index and key id of one master key."""

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


class PersonalCipher:
    """The installation's keys: the current one encrypts and indexes, the older ones (rotation) still
    decrypt the values they wrote; a value names its key by the key id stored in it."""

    def __init__(self, master: bytes, old_masters: tuple[bytes, ...] = ()) -> None:
        self.current = KeyCipher(master)
        self.key_id = self.current.key_id
        self._by_id = {c.key_id: c for c in (KeyCipher(m) for m in old_masters)}
        self._by_id[self.key_id] = self.current
        self.old = [c for c in self._by_id.values() if c is not self.current]

    def encrypt(self, text: str, field: str) -> bytes:
        return self.current.encrypt(text, field)

    def decrypt(self, blob: bytes, field: str) -> str:
        found = self._by_id.get(bytes(blob)[1:5])
        return (found or self.current).decrypt(blob, field)  # an unknown key id: the current one names it

    def blind_index(self, value: str, field: str) -> str:
        """The index a value is stored with from now on (the current key's)."""
        return self.current.blind_index(value, field)

    def blind_indexes(self, value: str, field: str) -> list[str]:
        """The index under every known key: a lookup finds a row whether or not `rekey` reached it yet."""
        return [self.current.blind_index(value, field), *(c.blind_index(value, field) for c in self.old)]

    def is_current(self, blob: bytes | None) -> bool:
        """Whether a stored value is under the current key (None: nothing to rewrite)."""
        return blob is None or bytes(blob)[1:5] == self.key_id


KEY_SETTING = "GRIDCITY_PERSONAL_DATA_KEY"
OLD_KEYS_SETTING = "GRIDCITY_PERSONAL_DATA_OLD_KEYS"

_ciphers: dict[tuple[str, tuple[str, ...], str], PersonalCipher] = {}
_lock = threading.Lock()


def check_keys(settings: Settings) -> None:
    """At the start of the server, the worker and every command: in production mode the key must be
    set (never the generated file: two processes would make two keys); a configured key, old or
    current, must be well formed. Raises PersonalDataKeyError with a message naming the variable."""
    if settings.production and not settings.personal_data_key.strip():
        raise PersonalDataKeyError(message("privacy.key_required", setting=KEY_SETTING))
    if settings.personal_data_key.strip():
        decode_key(settings.personal_data_key, KEY_SETTING)
    for i, old in enumerate(settings.personal_data_old_keys):
        decode_key(old, f"{OLD_KEYS_SETTING}[{i}]")


def cipher(settings: Settings) -> PersonalCipher:
    """The cipher of this installation's keys (read or made once per process)."""
    configured = settings.personal_data_key.strip()
    if settings.production and not configured:  # never a key of its own in production (see check_keys)
        raise PersonalDataKeyError(message("privacy.key_required", setting=KEY_SETTING))
    old = tuple(k.strip() for k in settings.personal_data_old_keys)
    cache_key = (configured, old, "" if configured else str(settings.data_dir.resolve()))
    found = _ciphers.get(cache_key)
    if found is not None:
        return found
    with _lock:
        if configured:
            master = decode_key(configured, KEY_SETTING)
        else:
            master = _key_from_file(settings.data_dir / KEY_FILE)
        olds = tuple(decode_key(k, f"{OLD_KEYS_SETTING}[{i}]") for i, k in enumerate(old))
        _ciphers[cache_key] = PersonalCipher(master, olds)
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
