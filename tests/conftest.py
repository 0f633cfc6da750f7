"""Shared fixtures: a real DuckDB built from data/raw, and paths to the shared real data."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl.build import build

PROJECT = Path(__file__).resolve().parents[1]
RAW = PROJECT / "data" / "raw"
SHARED = PROJECT.parent / "shared"
REALDATA = SHARED / "realdata"


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory) -> Path:
    """The warehouse built from the bundled sources only, as `make run` does offline."""
    db_path = tmp_path_factory.mktemp("bundled") / "uptake.duckdb"
    build([RAW], db_path)
    return db_path


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    """A private copy of data/raw that a test may break."""
    target = tmp_path / "raw"
    shutil.copytree(RAW, target)
    return target
