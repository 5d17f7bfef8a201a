"""Shared test fixtures: paths to recorded documents and an isolated data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "registry" / "demo_snapshot"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SURVREG_DATA directory for this test (subprocess crawls inherit it)."""
    path = tmp_path / "data"
    monkeypatch.setenv("SURVREG_DATA", str(path))
    return path
