"""Where the time goes, from py-spy's collapsed stacks (`--format raw`):

    python bench/pyspy_summary.py bench/results/intake_pyspy_sqlite.txt [--top 40]

Prints the share of samples spent *inside* (inclusive) each function of gridcity and of the
libraries on the request path, and the top functions by self time.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::(?P<line>\d+))?\)$")


def parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        stacks.append((stack.split(";"), int(count)))
    return stacks


def label(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    file = m.group("file")
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{m.group('func')} ({file})"


# Each sample goes to the first group whose pattern occurs in its stack.
GROUPS = (
    (
        "startup: imports, territory/catalogue build",
        ("_find_and_load", "_build_territory", "_build_catalogue"),
    ),
    ("route: services.cases.report_case", ("report_case (gridcity/services/cases.py",)),
    ("route: api.views.case_detail (response dict)", ("case_detail (gridcity/api/views.py",)),
    ("dependency: get_user (token -> user)", ("get_user (gridcity/api/deps.py",)),
    ("dependency: get_db (session rollback/close)", ("get_db (gridcity/api/deps.py",)),
    ("route: other (api/cases.py)", ("report_case (gridcity/api/cases.py",)),
    ("FastAPI: serialise the response", ("serialize_response", "jsonable_encoder", "dump_json")),
    (
        "FastAPI: parse/validate the request, solve dependencies",
        ("solve_dependencies", "request_body_to_args", "_get_body"),
    ),
    ("worker thread idle (waiting for work)", ("Condition.wait",)),
    ("anyio: thread-pool hops", ("run_sync", "WorkerThread", "CapacityLimiter", "run_in_threadpool")),
    ("starlette/fastapi middleware and routing", ("starlette", "fastapi")),
    ("uvicorn + event loop (HTTP parsing, sockets)", ("uvicorn", "Runner.run")),
)


def grouped(stacks: list[tuple[list[str], int]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for frames, count in stacks:
        text = ";".join(label(f) for f in frames)
        out[next((name for name, pats in GROUPS if any(p in text for p in pats)), "other")] += count
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--match", default="gridcity", help="inclusive table: frames whose label contains this")
    args = ap.parse_args()
    stacks = parse(args.path)
    total = sum(c for _, c in stacks)
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in stacks:
        labels = [label(f) for f in frames]
        for name in set(labels):
            inclusive[name] += count
        own[labels[-1]] += count
    print(f"{total} samples\n\n## by group (first match wins)\n")
    print("| share | group |\n| ---: | --- |")
    for name, count in grouped(stacks).most_common():
        print(f"| {count / total:6.1%} | {name} |")
    print(f"\n## inclusive share, frames matching {args.match!r}\n")
    print("| share | function |\n| ---: | --- |")
    for name, count in inclusive.most_common():
        if args.match in name:
            print(f"| {count / total:6.1%} | `{name}` |")
    print(f"\n## self time, top {args.top}\n")
    print("| share | function |\n| ---: | --- |")
    for name, count in own.most_common(args.top):
        print(f"| {count / total:6.1%} | `{name}` |")


if __name__ == "__main__":
    main()
