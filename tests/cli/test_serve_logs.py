"""`gridcity serve` as a real process writes its logs — uvicorn's own lines and the access log —
as JSON lines on stderr, each request's line with its request id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support import free_port


def test_serve_logs_json_lines_with_the_request_id(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "GRIDCITY_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    for name in ("GRIDCITY_DATABASE_URL", "GRIDCITY_LOG_FORMAT", "GRIDCITY_LOG_LEVEL"):
        env.pop(name, None)
    command = [sys.executable, "-c", "from gridcity.cli import main; main()", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # the first start creates and migrates the database
        while True:
            assert server.poll() is None, server.communicate()
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/readyz", headers={"X-Request-ID": "serve-log-0001"}
                )
                with urllib.request.urlopen(request, timeout=5) as answer:
                    assert answer.headers["X-Request-ID"] == "serve-log-0001"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=60)
    lines = [line for line in err.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line on stderr is one JSON object
    assert all({"time", "level", "logger", "message", "request_id"} <= set(r) for r in records)
    assert any(r["logger"] == "gridcity.serve" and "serving on" in r["message"] for r in records)
    assert any(r["logger"].startswith("uvicorn") and "Uvicorn running on" in r["message"] for r in records)
    ours = [r for r in records if r["request_id"] == "serve-log-0001"]
    assert {r["logger"] for r in ours} == {"gridcity.access"}, ours
    access = ours[-1]  # asked again until ready: a 503 while the caches were built is fine
    assert (access["method"], access["route"], access["status"]) == ("GET", "/readyz", 200)
    assert not [r for r in records if r["logger"] == "uvicorn.access"]  # one access log, not two
