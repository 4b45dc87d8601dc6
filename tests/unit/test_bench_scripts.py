"""The benches run from the declared dependencies: every bench/*.py module imports, and every script
answers `--help`, in a fresh interpreter. A bench needing a package that no extra declares turns this
red. Nothing here runs a benchmark."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
MODULES = sorted(BENCH.glob("*.py"))
SCRIPTS = [p for p in MODULES if 'if __name__ == "__main__":' in p.read_text(encoding="utf-8")]


def test_the_benches_are_found() -> None:
    names = {p.stem for p in SCRIPTS}
    assert {"bench_intake", "bench_lookup", "bench_sweep", "bench_import", "bench_components",
            "bench_evaluate", "loadgen"} <= names  # fmt: skip
    assert {"common", "baseline_app"} <= {p.stem for p in MODULES}


@pytest.fixture
def bench_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """bench/ on sys.path, as when a script runs (`from common import …`); the bench's own modules
    leave sys.modules afterwards."""
    monkeypatch.syspath_prepend(str(BENCH))  # sys.path is restored after the test
    local = {p.stem for p in MODULES}
    for name in local & set(sys.modules):
        monkeypatch.delitem(sys.modules, name)
    yield BENCH
    for name in local & set(sys.modules):
        del sys.modules[name]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports(path: Path, bench_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"_bench_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_import_resolves(path: Path, bench_path: Path) -> None:
    """Also the imports inside functions (a bench imports most of what it needs lazily): each names
    a module that is installed, or one of bench/."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    missing = sorted(n for n in names if importlib.util.find_spec(n) is None)
    assert not missing, f"{path.name} imports modules that are not installed: {missing}"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_help(path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, str(path), "--help"],
        cwd=BENCH.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "usage:" in proc.stdout
