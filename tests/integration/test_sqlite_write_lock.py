"""Writers of one SQLite file take turns (db/engine.py SQLiteWriteLock): engines of one file in a
process share one lock, and processes queue on the file's flock instead of SQLite's busy handler."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import text

from gridcity.db.engine import connection_unit_of_work, make_engine, write_lock

HOLD = """
import sys
from gridcity.db.engine import make_engine, write_lock
engine = make_engine("sqlite:///" + sys.argv[1])
with write_lock(engine):
    print("held", flush=True)
    sys.stdin.readline()
engine.dispose()
"""


def test_engines_of_one_file_share_the_lock_and_files_do_not(tmp_path: Path) -> None:
    one, again, other = (make_engine(f"sqlite:///{tmp_path / name}") for name in ("a.db", "./a.db", "b.db"))
    try:
        assert write_lock(one) is write_lock(again)
        assert write_lock(one) is not write_lock(other)
        with write_lock(one), write_lock(again):  # re-entrant for the thread that holds it
            assert (tmp_path / "a.db-writer.lock").exists()
    finally:
        for engine in (one, again, other):
            engine.dispose()


def test_a_write_waits_while_another_process_holds_the_turn_and_goes_on_when_it_lets_go(
    tmp_path: Path,
) -> None:
    database = tmp_path / "city.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with connection_unit_of_work(engine) as connection:
            connection.execute(text("CREATE TABLE reports (id INTEGER PRIMARY KEY)"))
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(database)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            written = threading.Event()

            def write() -> None:
                with connection_unit_of_work(engine) as connection:
                    connection.execute(text("INSERT INTO reports DEFAULT VALUES"))
                written.set()

            writer = threading.Thread(target=write)
            writer.start()
            assert not written.wait(0.5)  # the other process has the turn
            let_go = time.monotonic()
            assert holder.stdin is not None
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert written.wait(10)
            assert time.monotonic() - let_go < 2  # handed over, not polled for
            writer.join(timeout=10)
        finally:
            if holder.stdin is not None:
                holder.stdin.close()
            holder.wait(timeout=10)
            if holder.stdout is not None:
                holder.stdout.close()
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM reports")) == 1
    finally:
        engine.dispose()
