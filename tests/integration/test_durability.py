"""Durability of acknowledged writes on SQLite: a real `gridcity serve` process, watched by strace,
syncs the database's WAL to disk inside every intake request, before its 201 reaches the client —
so a power cut after the answer cannot lose the case. The operator's NORMAL (documented as the
risky choice) is the control: the same requests are answered with nothing synced, which is what
this test would see if the default ever slipped back."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from tests.support import free_port

from gridcity.services.platform import Platform

pytestmark = [
    pytest.mark.backends("sqlite"),
    pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (Debian package strace)"),
]

DONGHUAMEN = (116.4040, 39.9140)
INTAKES = 5
# `strace -f -ttt -y`: "<pid> <unix seconds.micro> fdatasync(<fd></path/of/the/file>) = 0"
SYNC_LINE = re.compile(r"^\d+\s+(?P<at>\d+\.\d+)\s+f(?:data)?sync\(\d+<(?P<path>[^>]*)>\)\s+=\s+0")


@contextmanager
def served(platform: Platform, synchronous: str | None) -> Iterator[tuple[str, int]]:
    """`gridcity serve` over the test city's database file, as an operator starts it (one process:
    uvicorn serves in it); yields its URL and its pid."""
    port = free_port()
    env = {
        **os.environ,
        "GRIDCITY_DATABASE_URL": platform.settings.effective_database_url,
        "GRIDCITY_DATA_DIR": str(platform.settings.data_dir),
    }
    env.pop("GRIDCITY_SQLITE_SYNCHRONOUS", None)
    if synchronous is not None:
        env["GRIDCITY_SQLITE_SYNCHRONOUS"] = synchronous
    command = [sys.executable, "-c", "from gridcity.cli import main; main()", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read().decode()  # type: ignore[union-attr]
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            time.sleep(0.1)
        yield url, server.pid
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()  # type: ignore[union-attr]


@contextmanager
def syncs_of(pid: int, log: Path) -> Iterator[list[tuple[float, str]]]:
    """strace attached to every thread of process `pid`, recording its fsync/fdatasync calls; the
    list fills with (unix time, file path) once strace has detached."""
    tracer = subprocess.Popen(
        [
            "strace",
            "-f",
            "-ttt",
            "-y",
            "-e",
            "trace=fsync,fdatasync",
            "-e",
            "signal=none",
            "-o",
            str(log),
            "-p",
            str(pid),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert tracer.stderr is not None
    attached = tracer.stderr.readline()  # "strace: Process N attached": from here every sync is seen
    assert "attached" in attached, attached + tracer.stderr.read()
    found: list[tuple[float, str]] = []
    try:
        yield found
    finally:
        tracer.send_signal(signal.SIGINT)  # strace detaches, the server runs on
        tracer.communicate(timeout=30)
    for line in log.read_text().splitlines():
        match = SYNC_LINE.match(line)
        if match:
            found.append((float(match["at"]), match["path"]))


def acknowledged_intakes(url: str, username: str) -> list[tuple[float, float]]:
    """Report INTAKES cases through the API; (sent, answered) unix times of each 201."""
    windows = []
    with httpx.Client(base_url=url, timeout=30) as http:
        token = http.post("/api/v1/auth/token", data={"username": username, "password": "secret-pw"})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for n in range(INTAKES):
            body = {
                "class_code": "06010",
                "kind": "event",
                "standard": "GB/T 47678.5-2026",
                "lon": DONGHUAMEN[0],
                "lat": DONGHUAMEN[1],
                "description": f"durability check {n}",
            }
            sent = time.time()
            r = http.post("/api/v1/cases", json=body, headers=headers)
            answered = time.time()
            assert r.status_code == 201, r.text
            windows.append((sent, answered))
    return windows


def synced_windows(
    windows: list[tuple[float, float]], syncs: list[tuple[float, str]], database: Path
) -> list[int]:
    """For each request window: how many syncs of the database file or its WAL happened in it."""
    ours = {str(database), f"{database}-wal"}
    return [
        sum(1 for at, path in syncs if path in ours and sent <= at <= answered) for sent, answered in windows
    ]


@pytest.mark.parametrize(
    ("synchronous", "durable"),
    [(None, True), ("extra", True), ("NORMAL", False)],
    ids=["default", "extra", "normal"],
)
def test_every_acknowledged_intake_is_synced_to_disk_before_its_answer(  # type: ignore[no-untyped-def]
    platform, make_user, tmp_path: Path, synchronous: str | None, durable: bool
) -> None:
    database = Path(platform.settings.effective_database_url.removeprefix("sqlite:///")).resolve()
    reporter = make_user("supervisor")
    with served(platform, synchronous) as (url, pid), syncs_of(pid, tmp_path / "strace.log") as syncs:
        windows = acknowledged_intakes(url, reporter.username)
    per_intake = synced_windows(windows, syncs, database)
    if durable:
        # at least one fsync/fdatasync of the WAL between each request and its 201
        assert all(n >= 1 for n in per_intake), per_intake
    else:
        # NORMAL acknowledges before the disk has the write: the risk the docs name
        assert sum(per_intake) == 0, per_intake
