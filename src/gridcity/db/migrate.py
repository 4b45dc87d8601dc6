"""Alembic, driven from code: `gridcity db upgrade` and the test fixtures call `upgrade(url)`."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from alembic import command
from alembic.config import Config

from gridcity.db.engine import make_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class FieldCipher(Protocol):
    """What a migration that encrypts stored values needs of the personal-data cipher
    (`services.registry.personal_crypto.PersonalCipher`, passed in by the caller: the db layer
    knows no keys)."""

    def encrypt(self, text: str, field: str) -> bytes: ...

    def decrypt(self, blob: bytes, field: str) -> str: ...


PERSONAL_CIPHER = "personal_cipher"  # the key of the cipher in the Alembic config's attributes


def upgrade(url: str, revision: str = "head", personal_cipher: FieldCipher | None = None) -> None:
    """Migrate to `revision`. `personal_cipher`: the installation's personal-data cipher, for the
    migrations that encrypt values already stored (`gridcity db upgrade` passes it; without it such
    a migration refuses a database that has values to encrypt, and runs on one that has none)."""
    engine = make_engine(url)  # creates the SQLite file's folder, sets the pragmas
    try:
        with engine.begin() as connection:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = connection
            cfg.attributes[PERSONAL_CIPHER] = personal_cipher
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()
