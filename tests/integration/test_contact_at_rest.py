"""Reporters' contacts encrypted at rest (docs/security.md#personal-data), on SQLite and PostgreSQL:
the `cases` row holds no name and no phone digits after intake (read with raw SQL), staff see it
masked and an authorised read shows it in clear, and exports, Open311, the public portal and the
outbox never carry it. The migration (0015) encrypts the contacts an earlier version stored in clear,
and decrypts them back on downgrade."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from tests.api.test_case_contact import report

from gridcity.db.migrate import PERSONAL_CIPHER, alembic_config, upgrade
from gridcity.services import contact_store
from gridcity.services.registry import personal_crypto

NAME, PHONE = "欧阳明月", "13912348765"


def _raw(platform: Any, case_id: int) -> dict[str, Any]:
    with platform.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM cases WHERE id = :id"), {"id": case_id}).mappings().one()
    return dict(row)


def _digits_free(value: Any) -> bool:
    """Neither the phone nor the name in any byte encoding a reader of the file would try."""
    blob = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
    return (
        all(needle not in blob for needle in (PHONE.encode(), PHONE[-4:].encode(), NAME.encode("utf-8")))
        and PHONE.encode().hex().encode() not in blob
    )


def test_the_cases_row_holds_no_contact_and_only_an_authorised_read_shows_it(  # type: ignore[no-untyped-def]
    client, platform, make_user, login
) -> None:
    operator, dispatcher, leader = (
        make_user("operator"),
        make_user("dispatcher"),
        make_user("leader", "110000"),
    )
    tag = uuid.uuid4().hex[:10]
    case = report(
        client, login(operator), channel="hotline", contact_name=NAME, contact_phone=PHONE, description=tag
    )

    raw = _raw(platform, case["id"])
    assert "contact_phone" not in raw and "contact_name" not in raw  # no clear column is left
    assert raw["contact_name_enc"] is not None and raw["contact_phone_enc"] is not None
    assert all(_digits_free(value) for value in raw.values() if value is not None), raw

    seen = client.get(f"/api/v1/cases/{case['id']}", headers=login(dispatcher))
    assert seen.json()["contact"] == {"name": "欧***", "phone": "139****8765", "masked": True}
    shown = client.post(
        f"/api/v1/cases/{case['id']}/contact", json={"reason": "回访核实处置结果"}, headers=login(dispatcher)
    )
    assert shown.status_code == 200 and shown.json() == {"name": NAME, "phone": PHONE, "masked": False}

    # never outside: the exports, Open311, the public tracking page, the outbox's payloads
    number = case["number"]
    for fmt in ("csv", "xlsx", "geojson"):
        out = client.get(f"/api/v1/export/cases.{fmt}", params={"q": tag}, headers=login(leader))
        assert out.status_code == 200
        assert PHONE.encode() not in out.content and b"8765" not in out.content
        assert NAME.encode() not in out.content and "欧***".encode() not in out.content
    exported = client.get("/api/v1/export/cases.csv", params={"q": tag}, headers=login(leader))
    assert [r["id"] for r in csv.DictReader(io.StringIO(exported.text))] == [str(case["id"])]
    for url in (
        f"/open311/v2/requests/{number}.json",
        f"/open311/v2/requests/{number}.xml",
        f"/track?number={number}",
    ):
        public = client.get(url)
        assert public.status_code == 200, url
        assert PHONE not in public.text and "8765" not in public.text and "欧" not in public.text
    with platform.engine.connect() as connection:
        payloads = connection.execute(
            text("SELECT payload FROM outbox WHERE case_id = :id"), {"id": case["id"]}
        ).scalars()
        for payload in payloads:
            written = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
            assert PHONE not in written and NAME not in written


@pytest.mark.own_city
def test_migration_0015_encrypts_the_contacts_stored_in_clear_and_decrypts_them_back(  # type: ignore[no-untyped-def]
    client, platform, db, make_user, login
) -> None:
    case = report(
        client, login(make_user("operator")), channel="hotline", contact_name=NAME, contact_phone=PHONE
    )
    crypt = personal_crypto.cipher(platform.settings)
    url = platform.settings.effective_database_url
    db.close()
    platform.engine.dispose()
    config = alembic_config(url)

    def migrate(step: Any, revision: str, cipher: Any) -> None:
        with platform.engine.begin() as connection:
            config.attributes["connection"] = connection
            config.attributes[PERSONAL_CIPHER] = cipher
            step(config, revision)
        platform.engine.dispose()

    # down to 0015 first: SQLite alters tables outside the transaction, so a refused step must be
    # the only step of its run for the run to leave nothing half-done
    migrate(command.downgrade, "0015", None)
    with pytest.raises(RuntimeError, match="gridcity db upgrade"):  # no key, values to decrypt: refused
        migrate(command.downgrade, "0014", None)
    migrate(command.downgrade, "0014", crypt)
    raw = _raw(platform, case["id"])
    assert (raw["contact_name"], raw["contact_phone"]) == (NAME, PHONE)  # as the earlier version kept them
    assert "contact_phone_enc" not in raw

    with pytest.raises(RuntimeError, match="gridcity db upgrade"):  # no key, values to encrypt: refused
        upgrade(url)
    assert "contact_phone" in {c["name"] for c in inspect(platform.engine).get_columns("cases")}  # untouched
    platform.engine.dispose()
    upgrade(url, personal_cipher=crypt)
    platform.engine.dispose()
    raw = _raw(platform, case["id"])
    assert "contact_phone" not in raw and all(_digits_free(v) for v in raw.values() if v is not None)
    with platform.sessions() as session:
        from gridcity.db.models import Case

        again = session.get(Case, case["id"])
        assert contact_store.read(platform.settings, again) == contact_store.Contact(NAME, PHONE)
