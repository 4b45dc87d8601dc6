"""Encryption at rest of personal fields: the key from the settings or a generated key file, a
clear error for a wrong or malformed key, tampering detected, values bound to their field."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gridcity.config import Settings
from gridcity.services.registry import personal_crypto
from gridcity.services.registry.personal_crypto import PersonalDataKeyError


def _settings(tmp_path: Path, key: str = "") -> Settings:
    return Settings(data_dir=tmp_path, personal_data_key=key, _env_file=None)  # type: ignore[call-arg]


def test_round_trip_and_no_plaintext(tmp_path: Path) -> None:
    crypt = personal_crypto.cipher(_settings(tmp_path, personal_crypto.new_key_text()))
    blob = crypt.encrypt("11010519491231002X", "resident.id_number")
    assert b"11010519491231002X" not in blob and b"1949" not in blob
    assert crypt.decrypt(blob, "resident.id_number") == "11010519491231002X"
    assert crypt.encrypt("x", "f") != crypt.encrypt("x", "f")  # a fresh nonce every time
    assert crypt.blind_index("a", "f") == crypt.blind_index("a", "f") != crypt.blind_index("b", "f")


def test_key_file_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    first = personal_crypto.cipher(_settings(tmp_path))
    path = tmp_path / personal_crypto.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    blob = first.encrypt("13800138000", "resident.phone")
    personal_crypto._ciphers.clear()  # a new process reads the same file
    assert personal_crypto.cipher(_settings(tmp_path)).decrypt(blob, "resident.phone") == "13800138000"


def test_a_wrong_key_is_an_error_not_garbage(tmp_path: Path) -> None:
    blob = personal_crypto.cipher(_settings(tmp_path, personal_crypto.new_key_text())).encrypt("x", "f")
    other = personal_crypto.cipher(_settings(tmp_path, personal_crypto.new_key_text()))
    with pytest.raises(PersonalDataKeyError, match="another personal-data key"):
        other.decrypt(blob, "f")


def test_tampering_and_field_swaps_are_detected(tmp_path: Path) -> None:
    crypt = personal_crypto.cipher(_settings(tmp_path, personal_crypto.new_key_text()))
    blob = crypt.encrypt("13800138000", "resident.phone")
    with pytest.raises(PersonalDataKeyError, match="altered"):
        crypt.decrypt(blob[:-1] + bytes([blob[-1] ^ 1]), "resident.phone")
    with pytest.raises(PersonalDataKeyError, match="altered"):
        crypt.decrypt(blob, "resident.id_number")


@pytest.mark.parametrize("key", ["not base64!", "c2hvcnQ="])
def test_a_malformed_key_names_the_setting(tmp_path: Path, key: str) -> None:
    with pytest.raises(PersonalDataKeyError, match="GRIDCITY_PERSONAL_DATA_KEY") as err:
        personal_crypto.cipher(_settings(tmp_path, key))
    assert err.value.status_code == 503
