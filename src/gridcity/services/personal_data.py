"""Key rotation of the personal data encrypted at rest (`gridcity personal-data rekey`): every stored
value not under the current key — residents' ID numbers and phones with the ID number's blind index,
reporters' callback contacts — is decrypted with the older key that wrote it (GRIDCITY_PERSONAL_DATA_OLD_KEYS)
and encrypted again under the current one (GRIDCITY_PERSONAL_DATA_KEY).

In batches of rows, one transaction each, the rows read for update in it (a case erased by the
retention meanwhile is not written back): an interrupted run leaves every row either wholly under
the old key or wholly under the new one, and the next run carries on with what is left (it looks only
at values whose key id is not the current one). Lookups by blind index find a resident under either
key all along (`personal_crypto.PersonalCipher.blind_indexes`). When the run reports nothing left, the
old key may be removed from the settings.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, func, or_, select, update
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case, RegistryResident, UserSecondFactor
from gridcity.services import contact_store, second_factor
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress
from gridcity.services.registry import personal_crypto
from gridcity.services.registry.records import ID_FIELD, PHONE_FIELD

BATCH = 500  # rows per transaction


@dataclass(frozen=True)
class Target:
    """A table's encrypted columns (column → the field its values are bound to; "{id}" in a field
    stands for the row's key, for values bound to their row) and, if any, its blind index (index
    column, the encrypted column it indexes); `id_column` is the table's key."""

    label: str
    table: Table
    columns: dict[str, str]
    index: tuple[str, str] | None = None
    id_column: str = "id"


TARGETS = (
    Target(
        "residents 人员",
        cast(Table, RegistryResident.__table__),
        {"id_number_enc": ID_FIELD, "phone_enc": PHONE_FIELD},
        index=("id_number_index", "id_number_enc"),
    ),
    Target("case contacts 案件联系方式", cast(Table, Case.__table__), dict(contact_store.COLUMNS)),
    Target(
        "second factors 双因素密钥",
        cast(Table, UserSecondFactor.__table__),
        {"secret_enc": second_factor.SECRET_FIELD},
        id_column="user_id",
    ),
)


@dataclass
class Rekeyed:
    key_id: str  # the current key's id, hex
    rows: dict[str, int] = field(default_factory=dict)  # rows rewritten, per target
    values: int = 0  # encrypted values rewritten (an index recomputed is not counted)
    current: dict[str, int] = field(default_factory=dict)  # rows with encrypted values, all current now


def _stale(target: Target, key_id: bytes) -> ColumnElement[bool]:
    """The rows holding a value under another key than the current one (the key id is bytes 2-5)."""
    return or_(
        *(
            and_(target.table.c[name].is_not(None), func.substr(target.table.c[name], 2, 4) != key_id)
            for name in target.columns
        )
    )


def stale_counts(platform: Platform, db: Session) -> dict[str, int]:
    """How many rows of each target still hold a value under an older key."""
    key_id = personal_crypto.cipher(platform.settings).key_id
    found = {
        t.label: int(db.scalar(select(func.count()).select_from(t.table).where(_stale(t, key_id))) or 0)
        for t in TARGETS
    }
    db.rollback()
    return found


def rekey(platform: Platform, db: Session, progress: Progress = SILENT, batch: int = BATCH) -> Rekeyed:
    """Rewrite every value under an older key under the current one; what was done."""
    crypt = personal_crypto.cipher(platform.settings)
    done = Rekeyed(key_id=crypt.key_id.hex())
    totals = stale_counts(platform, db)
    for target in TARGETS:
        rows = 0
        for n_rows, n_values in progress.track(
            _batches(crypt, db, target, batch), math.ceil(totals[target.label] / batch), target.label
        ):
            rows += n_rows
            done.values += n_values
        done.rows[target.label] = rows
        any_value = or_(*(target.table.c[name].is_not(None) for name in target.columns))
        done.current[target.label] = int(
            db.scalar(select(func.count()).select_from(target.table).where(any_value)) or 0
        )
        db.rollback()
    return done


def _batches(
    crypt: personal_crypto.PersonalCipher, db: Session, target: Target, batch: int
) -> Iterator[tuple[int, int]]:
    table, last = target.table, None
    key = table.c[target.id_column]
    names = list(target.columns)
    while True:
        with unit_of_work(db):
            stmt = select(key.label("row_key"), *(table.c[n] for n in names)).where(
                _stale(target, crypt.key_id)
            )
            if last is not None:
                stmt = stmt.where(key > last)
            rows = db.execute(stmt.order_by(key).limit(batch).with_for_update()).all()
            if not rows:
                return
            values = 0
            changes = []
            for row in rows:
                change: dict[str, object] = {}
                for name in names:
                    blob = row._mapping[name]
                    if blob is None or crypt.is_current(blob):
                        continue
                    bound_to = target.columns[name].format(id=row.row_key)
                    clear = crypt.decrypt(blob, bound_to)
                    change[name] = crypt.encrypt(clear, bound_to)
                    values += 1
                    if target.index is not None and target.index[1] == name:
                        change[target.index[0]] = crypt.blind_index(clear, bound_to)
                if change:
                    db.execute(update(table).where(key == row.row_key).values(**change))
                    changes.append(row.row_key)
            last = rows[-1].row_key
        yield len(changes), values
