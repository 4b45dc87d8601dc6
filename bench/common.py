"""Shared pieces of the benchmarks: a benchmark city built once through the real services, scratch
PostgreSQL databases, a uvicorn server in a child process, and the printing of results.

Nothing here touches a database that the bench did not create itself: on PostgreSQL the URL given
names the *server* (and a database on it to connect to for CREATE/DROP DATABASE); every run works
in fresh scratch databases ``gridcity_bench_<hex>`` that are dropped at the end, also on error.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform as _platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
HOST = "127.0.0.1"  # every server of the benches listens here only
T = TypeVar("T")

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))


# --- scratch databases ------------------------------------------------------------------------


def is_postgres(url: str | None) -> bool:
    return bool(url) and url.startswith("postgresql")  # type: ignore[union-attr]


@contextlib.contextmanager
def scratch_postgres(server_url: str, tag: str = "", keep: bool = False) -> Iterator[str]:
    """A fresh database on the server of `server_url`, dropped (WITH FORCE) on exit unless `keep`."""
    from sqlalchemy import create_engine, text

    name = f"gridcity_bench_{tag}{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server_url.rsplit("/", 1)[0] + f"/{name}"
        try:
            yield url
        finally:
            if keep:
                print(f"kept the database {url}")
            else:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextlib.contextmanager
def scratch_database(
    database_url: str | None, workdir: Path, filename: str, tag: str = "", keep: bool = False
) -> Iterator[str]:
    """A SQLite file in `workdir`, or a scratch database on the PostgreSQL server of `database_url`."""
    if is_postgres(database_url):
        assert database_url is not None
        if database_url.startswith("postgresql://"):  # libpq's form: gridcity's driver is psycopg 3
            database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
        with scratch_postgres(database_url, tag, keep) as url:
            yield url
    else:
        yield f"sqlite:///{(workdir / filename).as_posix()}"


# --- the benchmark city -----------------------------------------------------------------------

BENCH_PASSWORD = "bench-pw"


@dataclass
class BenchCity:
    url: str
    data_dir: Path
    districts: tuple[str, ...]
    platform: Any  # gridcity.services.platform.Platform
    build_seconds: float
    users: dict[str, str] = field(default_factory=dict)  # username -> role

    @property
    def backend(self) -> str:
        return "postgresql" if is_postgres(self.url) else "sqlite"

    def env(self) -> dict[str, str]:
        """Environment for a server process of this city."""
        return {"GRIDCITY_DATABASE_URL": self.url, "GRIDCITY_DATA_DIR": str(self.data_dir)}


def build_city(
    url: str,
    data_dir: Path,
    districts: Sequence[str] = ("110101",),
    users: Sequence[tuple[str, str, str]] = (),
    log: Callable[[str], None] = print,
    layers: Sequence[str] | None = None,
    unit_grid_m2: float | None = None,
) -> BenchCity:
    """The steps of tests/support.build_test_city, for `districts`, plus users (username, role,
    unit code) with the password BENCH_PASSWORD, all through the real services. `layers` limits
    the grid layers generated (default all three, and their crosswalk); `unit_grid_m2` sets the
    unit grids' target area (a whole city at the default size would be millions of grids)."""
    from gridcity.config import Settings
    from gridcity.db.migrate import upgrade
    from gridcity.services import classes, departments, territory
    from gridcity.services import users as user_service
    from gridcity.services.demo import data_file
    from gridcity.services.platform import Platform

    t0 = time.perf_counter()
    upgrade(url)
    platform = Platform(Settings(database_url=url, data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    bj = ("beijing",)
    with platform.sessions() as db:
        territory.import_districts(platform, db, data_file(*bj, "beijing_districts_wgs84.geojson"))
        territory.import_streets(platform, db, data_file(*bj, "beijing_streets_townships_wgs84.geojson"))
        territory.import_communities_csv(
            platform, db, data_file(*bj, "beijing_towns_communities_adcode_2016.csv"), tuple(districts)
        )
        for layer in layers or territory.LAYERS:
            area = unit_grid_m2 if layer == "city_management" else None
            run = territory.generate_grids(platform, db, layer, tuple(districts), area)
            log(f"  grids {layer}: {run.created}")
        if layers is None:
            territory.rebuild_crosswalk(platform, db)
        classes.seed_catalogue(platform, db)
        departments.instantiate(platform, db, tuple(districts))
        for username, role, unit in users:
            user_service.add_user(db, username, BENCH_PASSWORD, role, unit, policy=None)  # bench-pw
    city = BenchCity(
        url, data_dir, tuple(districts), platform, time.perf_counter() - t0, {u: r for u, r, _ in users}
    )
    log(f"  city {'+'.join(districts)} on {city.backend} built in {city.build_seconds:.1f} s")
    return city


def random_points_in(
    state: Any, district_prefix: str, n: int, seed: int, bbox: tuple[float, float, float, float]
) -> tuple[Any, Any]:
    """`n` random points (fixed seed) inside the bbox that resolve to a street of `district_prefix`."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lons_out: list[Any] = []
    lats_out: list[Any] = []
    have = 0
    for _ in range(100):  # bounded: the district fills a good share of its own bbox
        lons = rng.uniform(bbox[0], bbox[2], 4 * n)
        lats = rng.uniform(bbox[1], bbox[3], 4 * n)
        streets = state.index["street"].locate(lons, lats)
        ok = np.array([s is not None and s.startswith(district_prefix) for s in streets])
        lons_out.append(lons[ok])
        lats_out.append(lats[ok])
        have += int(ok.sum())
        if have >= n:
            break
    else:
        raise RuntimeError(f"could not place {n} points inside {district_prefix}")
    return np.concatenate(lons_out)[:n], np.concatenate(lats_out)[:n]


def district_bbox(state: Any, codes: Sequence[str]) -> tuple[float, float, float, float]:
    import shapely

    layer = state.index["district"]
    geoms = [g for k, g in zip(layer.keys, layer.geometries, strict=True) if k in set(codes)]
    b = shapely.total_bounds(geoms)
    return float(b[0]), float(b[1]), float(b[2]), float(b[3])


# --- a uvicorn server in a child process ------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """`uvicorn` (uvloop, httptools) serving an app factory on 127.0.0.1 at a free port, in its own
    process group; stopped by pid on exit from the `with` block, also on error."""

    def __init__(
        self,
        factory: str,
        env: dict[str, str],
        workdir: Path,
        workers: int = 1,
        name: str = "server",
        pythonpath: Sequence[str] = (),
    ) -> None:
        self.factory, self.workers, self.name, self.workdir = factory, workers, name, workdir
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.env = {**os.environ, **env}
        if pythonpath:
            self.env["PYTHONPATH"] = os.pathsep.join([*pythonpath, self.env.get("PYTHONPATH", "")])
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"{name}.log"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn", self.factory, "--factory",
            "--host", HOST, "--port", str(self.port),
            "--loop", "uvloop", "--http", "httptools",
            "--workers", str(self.workers),
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip

    def __enter__(self) -> Server:
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            self.command(),
            cwd=self.workdir,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers stop with it
        )
        try:
            self._wait_ready(timeout=60.0)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.tail()}")
            try:
                # /healthz (gridcity) or / (baseline); any answer means the socket is up
                r = httpx.get(self.url + "/healthz", timeout=2.0)
                if r.status_code < 500:
                    # with several workers, give the others a moment to bind too
                    time.sleep(0.5 if self.workers > 1 else 0.0)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not answer within {timeout:.0f} s: {self.tail()}")

    def cpu_seconds(self) -> float:
        """User+system CPU time so far of every process in the server's group (workers too)."""
        if self.proc is None:
            return float("nan")
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == self.proc.pid:  # field 5 of stat: the process group id
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def group_pids(self) -> list[int]:
        """The pids of the server's process group (uvicorn and its workers)."""
        if self.proc is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[2]) == self.proc.pid:
                pids.append(int(entry.name))
        return pids

    def rss_bytes(self) -> int:
        """Resident memory now of every process in the server's group (VmRSS summed; shared pages
        of the workers counted once per worker)."""
        total = 0
        for pid in self.group_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024  # kB
                    break
        return total

    def tail(self, n: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            pgid = proc.pid  # start_new_session: the group id is the server's own pid
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
                proc.wait(timeout=5)
            # workers left behind in the group (should not happen after a clean shutdown)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- workspace, statistics, results -----------------------------------------------------------


@contextlib.contextmanager
def workspace(prefix: str, keep: bool = False) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"gridcity-{prefix}-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def percentile(values: Sequence[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


# --- A/B rounds: gridcity and its baseline interleaved in one run ------------------------------


def interleave(
    rounds: int,
    contestants: dict[str, Callable[[int], T]],
    log: Callable[[str], None] = print,
) -> dict[str, list[T]]:
    """Run every contestant once per round, in the order given, `rounds` times: A/B/A/B… (or
    A/B/C/A/B/C…). Each call gets the round number (0-based); the results come back per name, in
    round order. Interleaving puts every round of gridcity and of its baseline under the same
    machine weather (other load, thermal state, caches, the database's growth), so their ratio
    per round is a fair figure even when the absolute ones drift."""
    if rounds < 1:
        raise ValueError("at least one round")
    out: dict[str, list[T]] = {name: [] for name in contestants}
    for r in range(rounds):
        for name, run in contestants.items():
            log(f"  round {r + 1}/{rounds}: {name}")
            out[name].append(run(r))
    return out


def spread(values: Sequence[float]) -> dict[str, Any]:
    """min / median / max (and every value, in round order) of a figure measured once per round."""
    vals = [float(v) for v in values]
    if not vals:
        return {"min": float("nan"), "median": float("nan"), "max": float("nan"), "n": 0, "values": []}
    return {"min": min(vals), "median": median(vals), "max": max(vals), "n": len(vals), "values": vals}


def ab_summary(
    ours: Sequence[float], baseline: Sequence[float], higher_is_better: bool = True
) -> dict[str, Any]:
    """The spreads of gridcity's figure, the baseline's and their ratio *per round*, oriented so
    that a ratio above 1 means gridcity is faster: ours/baseline for rates (higher is better),
    baseline/ours for times."""
    if len(ours) != len(baseline):
        raise ValueError("one figure of each per round")
    ratios = [
        (a / b if higher_is_better else b / a) if a and b else float("nan")
        for a, b in zip(ours, baseline, strict=True)
    ]
    return {"gridcity": spread(ours), "baseline": spread(baseline), "ratio": spread(ratios)}


def fmt_spread(s: dict[str, Any], fmt: Callable[[float], str] | str = "{:,.0f}") -> str:
    """'min / median / max' of a spread."""
    f = fmt.format if isinstance(fmt, str) else fmt
    return " / ".join(f(s[k]) for k in ("min", "median", "max"))


def ratio_verdict(ratio: dict[str, Any], target: float) -> str:
    """PASS when even the worst round meets the target, FAIL when even the best misses it."""
    if ratio["min"] >= target:
        return "PASS"
    if ratio["max"] < target:
        return "FAIL"
    return "MIXED (rounds on both sides)"


def machine_info() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for pkg in ("gridcity", "shapely", "numpy", "sqlalchemy", "fastapi", "uvicorn", "httpx", "psycopg"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {
        "python": sys.version.split()[0],
        "platform": _platform.platform(),
        "cpus": os.cpu_count(),
        # other work on the machine while the bench ran (1, 5, 15 minutes): on a shared machine the
        # absolute figures move with it; the per-round ratios of the interleaved rounds less so
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }


def fmt(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # nan
            return "–"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    return str(value)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def sized_name(bench: str, backend: str, n: int, issue_size: int) -> str:
    """A results file's name: `<bench>_<backend>` for a run at the size the issue quotes, else
    `<bench>_<backend>_<n>` (a smaller run does not overwrite the issue's figure)."""
    return f"{bench}_{backend}" if n == issue_size else f"{bench}_{backend}_{n}"


def report(name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], details: dict[str, Any]) -> Path:
    """Print the table and write bench/results/<name>.json (the table rows plus `details`)."""
    print()
    print(markdown_table(headers, rows))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {
        "bench": name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "table": {"headers": list(headers), "rows": [list(r) for r in rows]},
        **details,
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {path}")
    return path


# --- the raw driver, copies of a database, and a run's writes replayed -------------------------


def _gridcity_sqlite_synchronous() -> str:
    """The `PRAGMA synchronous` gridcity runs with: GRIDCITY_SQLITE_SYNCHRONOUS if set (the servers
    the benches start inherit this environment), else gridcity's default (FULL: the WAL synced at
    every commit)."""
    from gridcity.db.engine import DEFAULT_SQLITE_SYNCHRONOUS, SQLITE_SYNCHRONOUS

    value = os.environ.get("GRIDCITY_SQLITE_SYNCHRONOUS", DEFAULT_SQLITE_SYNCHRONOUS).strip().upper()
    if value not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"GRIDCITY_SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS)}")
    return value


# what gridcity.db.engine sets on every SQLite connection — the same `synchronous` (FULL by default),
# so a baseline's commit is as durable as gridcity's; on PostgreSQL gridcity changes no setting, so a
# baseline's connection keeps the server's (synchronous_commit etc.) as well
SQLITE_SYNCHRONOUS = _gridcity_sqlite_synchronous()
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)


def sqlite_path(url: str) -> str:
    return url.split("///", 1)[1]


def pg_conninfo(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as libpq takes it."""
    return "postgresql://" + url.split("://", 1)[1]


def connect_driver(url: str) -> Any:
    """A connection of the database's own driver with gridcity's settings, in autocommit: the
    caller opens its transactions with `driver_transaction` (or lets each statement commit)."""
    if is_postgres(url):
        import psycopg

        return psycopg.connect(pg_conninfo(url), autocommit=True)
    import sqlite3

    conn = sqlite3.connect(sqlite_path(url), isolation_level=None, check_same_thread=False, timeout=30)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    return conn


@contextlib.contextmanager
def driver_transaction(conn: Any) -> Iterator[Any]:
    """BEGIN … COMMIT on a `connect_driver` connection (ROLLBACK on error); yields a cursor."""
    if hasattr(conn, "transaction"):  # psycopg
        with conn.transaction(), conn.cursor() as cur:
            yield cur
        return
    cur = conn.cursor()
    cur.execute("BEGIN")
    try:
        yield cur
    except BaseException:
        conn.rollback()
        raise
    cur.execute("COMMIT")
    cur.close()


@contextlib.contextmanager
def database_copy(url: str, workdir: Path, tag: str) -> Iterator[str]:
    """A copy of the database of `url`, removed on exit: a SQLite file copied with the backup API,
    or on PostgreSQL `CREATE DATABASE … TEMPLATE` (nobody may be connected to the original: dispose
    its engines first). So each round of a bench that changes its database starts from the same
    state."""
    if is_postgres(url):
        import psycopg

        name = f"gridcity_bench_{tag}{uuid.uuid4().hex[:8]}"
        base, source = url.rsplit("/", 1)
        with psycopg.connect(pg_conninfo(base + "/postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        try:
            yield f"{base}/{name}"
        finally:
            with psycopg.connect(pg_conninfo(base + "/postgres"), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    import sqlite3

    target = workdir / f"{tag}{uuid.uuid4().hex[:8]}.db"
    src, dst = sqlite3.connect(sqlite_path(url)), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    try:
        yield f"sqlite:///{target.as_posix()}"
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)


def _tables() -> list[Any]:
    from gridcity.db.models import Case

    return list(Case.metadata.sorted_tables)  # parents before children


@dataclass
class TableRows:
    columns: list[str]
    key: list[int]  # positions of the primary key's columns
    rows: dict[tuple[Any, ...], tuple[Any, ...]]


def read_tables(url: str) -> dict[str, TableRows]:
    """Every row of every table of gridcity's schema, as the raw driver returns it (JSON values
    wrapped for psycopg to write them back), keyed by primary key."""
    json_oids = {114: "json", 3802: "jsonb"}
    out: dict[str, TableRows] = {}
    conn = connect_driver(url)
    try:
        for table in _tables():
            cur = conn.cursor()
            cur.execute(f'SELECT * FROM "{table.name}"')
            columns = [d[0] for d in cur.description]
            wrap: list[tuple[int, Any]] = []
            if is_postgres(url):
                from psycopg.types.json import Json, Jsonb

                wrap = [
                    (i, Jsonb if json_oids[d.type_code] == "jsonb" else Json)
                    for i, d in enumerate(cur.description)
                    if d.type_code in json_oids
                ]
            key = [columns.index(c.name) for c in table.primary_key.columns]
            rows = {}
            for row in cur.fetchall():
                if wrap:
                    values = list(row)
                    for i, w in wrap:
                        if values[i] is not None:
                            values[i] = w(values[i])
                    row = tuple(values)
                rows[tuple(row[i] for i in key)] = tuple(row)
            cur.close()
            out[table.name] = TableRows(columns, key, rows)
    finally:
        conn.close()
    return out


def _same(a: Any, b: Any) -> bool:
    a, b = getattr(a, "obj", a), getattr(b, "obj", b)  # psycopg's Json wrappers
    return bool(a == b)


@dataclass
class Writes:
    """What a run wrote, table by table (in the schema's order, parents first): the new rows, and
    for the changed rows their key and the new values of the columns that changed."""

    inserts: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = field(default_factory=dict)
    updates: dict[str, tuple[list[str], list[str], list[tuple[Any, ...]]]] = field(default_factory=dict)

    def rows(self) -> int:
        return sum(len(r) for _, r in self.inserts.values()) + sum(len(r) for *_, r in self.updates.values())

    def counts(self) -> dict[str, int]:
        out = {f"insert {t}": len(r) for t, (_, r) in self.inserts.items()}
        out.update({f"update {t}": len(r) for t, (*_, r) in self.updates.items()})
        return out

    def split(self, groups: Sequence[Sequence[int]]) -> list[Writes]:
        """One Writes per group of case ids (a batch of the run), plus a last one for the rows that
        belong to no case of the groups (rollups, …): a table's rows go with their case by `id` on
        `cases`, by `case_id` elsewhere."""
        where = {case_id: g for g, ids in enumerate(groups) for case_id in ids}
        out = [Writes() for _ in range(len(groups) + 1)]
        for table, (columns, rows) in self.inserts.items():
            pos = _case_column(table, columns)
            parts: list[list[tuple[Any, ...]]] = [[] for _ in out]
            for row in rows:
                parts[where.get(row[pos], len(groups)) if pos is not None else len(groups)].append(row)
            for w, part in zip(out, parts, strict=True):
                if part:
                    w.inserts[table] = (columns, part)
        for table, (keys, sets, rows) in self.updates.items():
            cols = sets + keys
            pos = _case_column(table, cols)
            parts = [[] for _ in out]
            for row in rows:
                parts[where.get(row[pos], len(groups)) if pos is not None else len(groups)].append(row)
            for w, part in zip(out, parts, strict=True):
                if part:
                    w.updates[table] = (keys, sets, part)
        return out


def _case_column(table: str, columns: Sequence[str]) -> int | None:
    name = "id" if table == "cases" else "case_id"
    return columns.index(name) if name in columns else None


def diff_tables(before: dict[str, TableRows], after: dict[str, TableRows]) -> Writes:
    """The writes that turned `before` into `after`. Deleted rows are refused (no bench's run
    deletes)."""
    writes = Writes()
    for name, now in after.items():
        was = before[name]
        gone = was.rows.keys() - now.rows.keys()
        if gone:
            raise AssertionError(f"{len(gone)} rows of {name} deleted: not a replayable run")
        new = [now.rows[k] for k in sorted(now.rows.keys() - was.rows.keys())]
        if new:
            writes.inserts[name] = (now.columns, new)
        changed = [
            (k, [i for i, (a, b) in enumerate(zip(was.rows[k], row, strict=True)) if not _same(a, b)])
            for k, row in now.rows.items()
            if k in was.rows
        ]
        changed = [(k, cols) for k, cols in changed if cols]
        if changed:
            sets = sorted({i for _, cols in changed for i in cols})
            keys = [now.columns[i] for i in now.key]
            writes.updates[name] = (
                keys,
                [now.columns[i] for i in sets],
                [tuple(now.rows[k][i] for i in sets) + tuple(k) for k, _ in sorted(changed)],
            )
    return writes


def tables_differ(a: dict[str, TableRows], b: dict[str, TableRows]) -> list[str]:
    """The tables whose rows are not the same in `a` and `b` (a check that a replay wrote what the
    run it copies wrote)."""
    out = []
    for name, rows in a.items():
        other = b[name].rows
        if rows.rows.keys() != other.keys() or any(
            not all(_same(x, y) for x, y in zip(row, other[k], strict=True)) for k, row in rows.rows.items()
        ):
            out.append(name)
    return out


def apply_writes(cur: Any, writes: Writes, postgres: bool) -> int:
    """Write `writes` through a raw cursor, in the caller's transaction, the least way each driver
    offers: the UPDATEs as one executemany per table (`SET … WHERE <key> = …`), then the new rows
    parents first — COPY on PostgreSQL, one executemany on SQLite. Returns the rows written."""
    mark = "%s" if postgres else "?"
    n = 0
    for table, (keys, sets, rows) in writes.updates.items():
        assignments = ", ".join(f'"{c}" = {mark}' for c in sets)
        where = " AND ".join(f'"{c}" = {mark}' for c in keys)
        cur.executemany(f'UPDATE "{table}" SET {assignments} WHERE {where}', rows)
        n += len(rows)
    for table, (columns, rows) in writes.inserts.items():
        names = ", ".join(f'"{c}"' for c in columns)
        if postgres:
            with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(mark for _ in columns)
            cur.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        n += len(rows)
    return n
