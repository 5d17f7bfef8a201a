"""Shared test fixtures: paths to recorded documents, an isolated data directory, one demo run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from filelock import FileLock

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "registry" / "demo_snapshot"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SURVREG_DATA directory for this test (subprocess crawls inherit it)."""
    path = tmp_path / "data"
    monkeypatch.setenv("SURVREG_DATA", str(path))
    return path


@dataclass(frozen=True)
class DemoRun:
    """What ``survreg --data DIR demo --no-serve`` did: its exit status, output and directory."""

    returncode: int
    stdout: str
    stderr: str
    directory: Path

    def copy(self, destination: Path) -> Path:
        """A copy of the demo's data directory for a test that changes it."""
        return Path(shutil.copytree(self.directory, destination, symlinks=True))


def _run_demo(data: Path) -> DemoRun:
    result = subprocess.run(
        [sys.executable, "-m", "registry.cli", "--data", str(data), "demo", "--no-serve"],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    printed = [line for line in result.stdout.splitlines() if line.startswith("demo data: ")]
    directory = Path(printed[0].removeprefix("demo data: ")) if printed else data / "demo"
    return DemoRun(result.returncode, result.stdout, result.stderr, directory)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> DemoRun:
    """One demo run for the whole session, shared by the xdist workers (read it, never change
    it: a test that changes the data takes ``demo.copy(tmp_path / "data")``)."""
    if worker_id == "master":  # not under xdist
        return _run_demo(tmp_path_factory.mktemp("demo"))
    # The workers' base temporary directories share this session's parent.
    shared = tmp_path_factory.getbasetemp().parent
    outcome = shared / "demo-run.json"
    with FileLock(str(shared / "demo-run.lock")):
        if not outcome.exists():
            run = _run_demo(shared / "demo-data")
            outcome.write_text(json.dumps({**asdict(run), "directory": str(run.directory)}))
    recorded = json.loads(outcome.read_text())
    return DemoRun(**{**recorded, "directory": Path(recorded["directory"])})
