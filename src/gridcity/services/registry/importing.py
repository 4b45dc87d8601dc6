"""Bulk import of the registry from CSV (or JSON / JSON lines): places, organisations, residents.

Each row goes through the same checks as a single record (`services.registry.records`); a row that fails
goes to the reject file with its reason, and the others are imported. One transaction per batch,
one savepoint per row. Importing the same file again does not duplicate: a place with the same kind,
name and address, an organisation with the same credit code, a resident with the same ID number
are rejected as registered already.

Columns (UTF-8 CSV with a header row):
- places: kind, name, address, lon, lat [, parent_id]
- organisations: kind, name, uscc, lon, lat | place_id [, phone]
- residents: place_id, household (户号), name, relation, id_number, phone [, gender, birth_date,
  tags separated by ; or |] — the household is found by house and number, or made
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import RegistryHousehold, RegistryPlace
from gridcity.domain.errors import Conflict, DomainError, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.services.import_files import Rejects, open_source
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress
from gridcity.services.registry import records as reg

KINDS = ("places", "organisations", "residents")


@dataclass
class ImportRun:
    read: int = 0
    imported: int = 0
    rejected: int = 0
    batches: int = 0
    rejects_path: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)  # reject reasons, by their first words


def _cell(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _optional_int(row: dict[str, Any], name: str) -> int | None:
    text = _cell(row, name)
    if not text:
        return None
    if not text.isdigit():
        raise Invalid(message("import.not_whole_number", name=name, text=text))
    return int(text)


def _optional_float(row: dict[str, Any], name: str) -> float | None:
    text = _cell(row, name)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise Invalid(message("import.not_a_number", name=name, text=text)) from None


def _place(platform: Platform, db: Session, reader: reg.Reader, row: dict[str, Any]) -> None:
    data = reg.PlaceInput(
        kind=_cell(row, "kind"),
        name=_cell(row, "name"),
        address=_cell(row, "address"),
        lon=_optional_float(row, "lon"),
        lat=_optional_float(row, "lat"),
        parent_id=_optional_int(row, "parent_id"),
    )
    same = db.scalar(
        select(RegistryPlace.id).where(
            RegistryPlace.kind == data.kind,
            RegistryPlace.name == data.name,
            RegistryPlace.address == data.address,
            RegistryPlace.valid_to.is_(None),
        )
    )
    if same is not None:
        raise Conflict(message("registry.place_exists", same=same))
    reg.new_place(platform, db, reader, data)


def _organisation(platform: Platform, db: Session, reader: reg.Reader, row: dict[str, Any]) -> None:
    data = reg.OrganisationInput(
        kind=_cell(row, "kind"),
        name=_cell(row, "name"),
        uscc=_cell(row, "uscc") or None,
        place_id=_optional_int(row, "place_id"),
        lon=_optional_float(row, "lon"),
        lat=_optional_float(row, "lat"),
        phone=_cell(row, "phone") or None,
    )
    reg.new_organisation(platform, db, reader, data)


def _resident(platform: Platform, db: Session, reader: reg.Reader, row: dict[str, Any]) -> None:
    place_id = _optional_int(row, "place_id")
    if place_id is None:
        raise Invalid(message("registry.house_required"))
    number = _cell(row, "household") or None
    household = db.scalar(
        select(RegistryHousehold).where(
            RegistryHousehold.place_id == place_id,
            RegistryHousehold.number.is_(None) if number is None else RegistryHousehold.number == number,
            RegistryHousehold.valid_to.is_(None),
        )
    )
    if household is None:
        household = reg.new_household(platform, db, reader, place_id, number)
    born = _cell(row, "birth_date")
    try:
        birth_date = date.fromisoformat(born) if born else None
    except ValueError:
        raise Invalid(message("registry.bad_birth_date", born=born)) from None
    data = reg.ResidentInput(
        household_id=household.id,
        name=_cell(row, "name"),
        relation=_cell(row, "relation") or "other",
        id_number=_cell(row, "id_number") or None,
        phone=_cell(row, "phone") or None,
        gender=_cell(row, "gender") or None,
        birth_date=birth_date,
        tags=[t for t in re.split(r"[;|,]", _cell(row, "tags")) if t.strip()],
    )
    reg.new_resident(platform, db, reader, data)


_ROW: dict[str, Callable[[Platform, Session, reg.Reader, dict[str, Any]], None]] = {
    "places": _place,
    "organisations": _organisation,
    "residents": _resident,
}


def import_file(
    platform: Platform,
    db: Session,
    kind: str,
    path: Path,
    rejects_path: Path | None = None,
    progress: Progress = SILENT,
    batch_size: int = 500,
    actor: Principal | None = None,
) -> ImportRun:
    """Import a file of places, organisations or residents; rejected rows go to the reject file
    (default FILE.rejects.csv) with the reason and line."""
    if kind not in _ROW:
        raise Invalid(message("registry.unknown_kind", kind=kind, kinds=", ".join(KINDS)))
    reader = reg.reader_of(db, actor)
    source = open_source(path)
    handle = _ROW[kind]
    run = ImportRun(rejects_path=rejects_path or path.with_name(path.name + ".rejects.csv"))
    assert run.rejects_path is not None
    rejects = Rejects(run.rejects_path, source.columns)
    rows = iter(progress.track(source.rows, source.total, f"importing {kind}"))
    try:
        while batch := list(islice(rows, batch_size)):
            with unit_of_work(db):  # a batch is stored whole or not at all
                for line, row in batch:
                    run.read += 1
                    try:
                        with db.begin_nested():  # a refused row leaves the batch's others
                            handle(platform, db, reader, row)
                    except DomainError as exc:
                        run.rejected += 1
                        reason = exc.message
                        key = " ".join(reason.split()[:4])
                        run.reasons[key] = run.reasons.get(key, 0) + 1
                        rejects.write(line, row, reason)
                        continue
                    run.imported += 1
            run.batches += 1
    finally:
        rejects.close()
    return run
