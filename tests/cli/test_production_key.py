"""Production mode refuses to start without the personal-data key: `gridcity serve`, `gridcity worker`
and every other command, run as real processes with GRIDCITY_PRODUCTION=true, exit with code 1 and a
message naming GRIDCITY_PERSONAL_DATA_KEY, no traceback, nothing written; with the key they start,
and no key file of their own is made."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gridcity.app import create_app
from gridcity.services.registry import personal_crypto

COMMAND = [sys.executable, "-c", "from gridcity.cli import main; main()"]


def _gridcity(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GRIDCITY_")}
    environment |= {
        "GRIDCITY_DATA_DIR": str(data_dir),
        "GRIDCITY_PRODUCTION": "true",
        "COLUMNS": "200",
        **env,
    }
    return subprocess.run(
        [*COMMAND, *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    "args",
    [("serve", "--port", "18931"), ("worker", "--max-passes", "1"), ("db", "upgrade"), ("retention", "run")],
)
def test_no_start_in_production_without_the_key(tmp_path: Path, args: tuple[str, ...]) -> None:
    run = _gridcity(tmp_path / "data", *args)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "GRIDCITY_PERSONAL_DATA_KEY" in out and "production mode" in out
    assert "Traceback" not in out
    assert not (tmp_path / "data").exists()  # nothing written: no database, no key file


def test_a_malformed_key_is_refused_naming_its_variable(tmp_path: Path) -> None:
    short = base64.b64encode(b"too short").decode()
    run = _gridcity(tmp_path / "data", "worker", "--max-passes", "1", GRIDCITY_PERSONAL_DATA_KEY=short)
    assert (
        run.returncode == 1 and "GRIDCITY_PERSONAL_DATA_KEY" in run.stderr and "Traceback" not in run.stderr
    )
    old = _gridcity(
        tmp_path / "data",
        "db",
        "upgrade",
        GRIDCITY_PERSONAL_DATA_KEY=personal_crypto.new_key_text(),
        GRIDCITY_PERSONAL_DATA_OLD_KEYS='["not a key"]',
    )
    assert old.returncode == 1 and "GRIDCITY_PERSONAL_DATA_OLD_KEYS[0]" in old.stderr


def test_with_the_key_the_commands_start_and_make_no_key_file(tmp_path: Path) -> None:
    made = _gridcity(tmp_path, "personal-data", "new-key")  # needs no key and no database
    assert made.returncode == 0 and len(base64.b64decode(made.stdout.strip(), validate=True)) == 32
    data = tmp_path / "data"
    key = {"GRIDCITY_PERSONAL_DATA_KEY": made.stdout.strip()}
    assert _gridcity(data, "db", "upgrade", **key).returncode == 0
    worker = _gridcity(data, "worker", "--max-passes", "1", **key)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert "stopped after" in worker.stdout + worker.stderr  # the worker ran, then stopped as asked
    assert not (data / personal_crypto.KEY_FILE).exists()


def test_the_app_factory_refuses_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`uvicorn gridcity.app:create_app --factory` (each of `serve --workers N`'s processes) reads the
    environment: it refuses as the command does."""
    monkeypatch.setenv("GRIDCITY_PRODUCTION", "true")
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GRIDCITY_PERSONAL_DATA_KEY", raising=False)
    with pytest.raises(personal_crypto.PersonalDataKeyError, match="GRIDCITY_PERSONAL_DATA_KEY"):
        create_app()
