"""Every writer of the platform goes through the one unit of work (db.engine.unit_of_work or, for a
Core connection of its own, connection_unit_of_work): a commit, a rollback of a write or a raw
transaction anywhere else would bypass the SQLite write lock or the refusal to nest."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "gridcity"
# where a transaction may be opened by hand: the unit of work itself, and the migrations (Alembic's)
OWNERS = {"db/engine.py", "db/migrate.py", "db/migrations/env.py"}
BYPASSES = re.compile(r"\.commit\(\)|\bengine\.begin\(\)|\bbegin_transaction\(\)")


def test_no_module_commits_outside_the_unit_of_work() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in OWNERS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if BYPASSES.search(code):
                found.append(f"src/gridcity/{relative}:{number}: {line.strip()}")
    assert found == [], "write through db.engine.unit_of_work instead:\n" + "\n".join(found)


def test_the_check_sees_a_commit() -> None:
    assert BYPASSES.search("    db.commit()") and BYPASSES.search("with platform.engine.begin() as c:")
    assert not BYPASSES.search("with unit_of_work(db):")
