"""Rotation of the personal-data key (`gridcity personal-data rekey`, services.personal_data), on
SQLite and PostgreSQL: with a new current key and the old one among the old keys, what the old key
wrote is still read and found; the rekey rewrites every value and blind index under the new key id,
after which the old key is not needed any more, and a second run finds nothing left."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gridcity.cli import app as cli_app
from gridcity.config import Settings
from gridcity.db.models import Case
from gridcity.domain.registry import id_check_char
from gridcity.services import cases, contact_store, personal_data, second_factor
from gridcity.services.registry import personal_crypto
from gridcity.services.registry import records as reg

DONGHUAMEN = (116.4040, 39.9140)
PHONE, CALLER = "13700001234", "李大嘴"


def _id_number() -> str:
    first = f"110101198803{uuid.uuid4().int % 28 + 1:02d}{uuid.uuid4().int % 1000:03d}"
    return first + id_check_char(first)


def _with_keys(platform: Any, key: str, old: list[str]) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=platform.settings.effective_database_url,
        data_dir=platform.settings.data_dir,
        personal_data_key=key,
        personal_data_old_keys=old,
        _env_file=None,
    )


def _key_ids(platform: Any, resident_id: int, case_id: int) -> set[bytes]:
    with platform.engine.connect() as connection:
        blobs = [
            *connection.execute(
                text("SELECT id_number_enc, phone_enc FROM registry_residents WHERE id = :id"),
                {"id": resident_id},
            ).one(),
            *connection.execute(
                text("SELECT contact_name_enc, contact_phone_enc FROM cases WHERE id = :id"), {"id": case_id}
            ).one(),
        ]
    return {bytes(b)[1:5] for b in blobs}


@pytest.mark.own_city
def test_a_rotation_reads_the_old_values_and_rewrites_them_under_the_new_key(  # type: ignore[no-untyped-def]
    platform, db, make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    # written under the installation's first key (the test city's key file, made at first use)
    place = reg.create_place(platform, db, None, reg.PlaceInput("house", "房", "1号", *DONGHUAMEN))
    household = reg.create_household(platform, db, None, place.id, "1")
    id_number = _id_number()
    resident = reg.add_resident(
        platform, db, None, reg.ResidentInput(household.id, "周末", id_number=id_number, phone="13600001111")
    )
    report = cases.Report(
        class_code="06010", kind="event", lon=DONGHUAMEN[0], lat=DONGHUAMEN[1], channel="hotline",
        contact_name=CALLER, contact_phone=PHONE,
    )  # fmt: skip
    case, _ = cases.report_case(platform, db, make_user("operator"), report)
    staff = make_user("dispatcher")  # a second factor's secret, bound to its user's row
    totp = pyotp.TOTP(second_factor.begin_enrolment(platform, db, staff.id, staff.username).secret)
    second_factor.confirm_enrolment(platform, db, staff.id, totp.at(platform.now()))
    first = (platform.settings.data_dir / personal_crypto.KEY_FILE).read_text().strip()
    old_id = personal_crypto.cipher(platform.settings).key_id
    assert _key_ids(platform, resident.id, case.id) == {old_id}

    # the new key is current, the first one old
    second = personal_crypto.new_key_text()
    monkeypatch.setattr(platform, "settings", _with_keys(platform, second, [first]))
    new_id = personal_crypto.cipher(platform.settings).key_id
    assert new_id != old_id
    db.expire_all()
    [found] = reg.find_by_id_number(platform, db, None, id_number)  # by the old blind index
    assert found["id"] == resident.id
    assert contact_store.read(platform.settings, db.get(Case, case.id)) == contact_store.Contact(
        CALLER, PHONE
    )
    assert personal_data.stale_counts(platform, db)["residents 人员"] >= 1

    done = personal_data.rekey(platform, db, batch=2)  # several batches
    assert done.rows["residents 人员"] >= 1 and done.rows["case contacts 案件联系方式"] >= 1
    assert done.values >= 4 and done.key_id == new_id.hex()
    assert _key_ids(platform, resident.id, case.id) == {new_id}
    assert done.rows["second factors 双因素密钥"] == 1
    assert set(personal_data.stale_counts(platform, db).values()) == {0}
    with platform.engine.connect() as connection:
        index = connection.execute(
            text("SELECT id_number_index FROM registry_residents WHERE id = :id"), {"id": resident.id}
        ).scalar()
    assert index == personal_crypto.cipher(platform.settings).blind_index(id_number, reg.ID_FIELD)

    # the old key can go now: everything reads and is found under the new one alone
    monkeypatch.setattr(platform, "settings", _with_keys(platform, second, []))
    db.expire_all()
    [found] = reg.find_by_id_number(platform, db, None, id_number)
    assert found["id"] == resident.id
    clear = reg.read_resident(platform, db, None, resident.id, unmask=True, reason="核对户籍信息")
    assert (clear["id_number"], clear["phone"]) == (id_number, "13600001111")
    assert contact_store.read(platform.settings, db.get(Case, case.id)) == contact_store.Contact(
        CALLER, PHONE
    )
    later = platform.now() + timedelta(minutes=1)  # the enrolment's own code is spent
    monkeypatch.setattr(platform, "now", lambda: later)
    assert second_factor.verify(platform, db, staff.id, totp.at(later)) == second_factor.Proof.CODE
    again = personal_data.rekey(platform, db)  # resumable: a second run has nothing left to do
    assert again.values == 0 and set(again.rows.values()) == {0}
    for name, value in (
        ("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url),
        ("GRIDCITY_DATA_DIR", str(platform.settings.data_dir)),
        ("GRIDCITY_PERSONAL_DATA_KEY", second),
        ("GRIDCITY_PERSONAL_DATA_OLD_KEYS", json.dumps([first])),
    ):
        monkeypatch.setenv(name, value)
    command = CliRunner().invoke(cli_app, ["personal-data", "rekey"])  # the command says the same
    assert command.exit_code == 0, command.output
    assert "residents 人员: 0 rows re-encrypted" in command.output
    assert f"0 values under key {new_id.hex()} now" in command.output

    # without the key that wrote a value, reading it is a clear error naming the key, not garbage
    monkeypatch.setattr(platform, "settings", _with_keys(platform, first, []))
    with pytest.raises(personal_crypto.PersonalDataKeyError, match="another personal-data key"):
        contact_store.read(platform.settings, db.get(Case, case.id))
