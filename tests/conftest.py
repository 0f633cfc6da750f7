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


def copy_bundled(target: Path) -> Path:
    """The files the project ships in data/raw, without anything fetched into data/raw/downloaded."""
    target.mkdir(parents=True)
    for path in RAW.iterdir():
        if path.is_file():
            shutil.copy(path, target)
    return target


@pytest.fixture(scope="session")
def bundled_raw(tmp_path_factory) -> Path:
    return copy_bundled(tmp_path_factory.mktemp("bundled") / "raw")


@pytest.fixture(scope="session")
def bundled_db(bundled_raw) -> Path:
    """The warehouse built from the bundled sources only, as `make run` does offline."""
    db_path = bundled_raw.parent / "uptake.duckdb"
    build([bundled_raw], db_path)
    return db_path


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    """A private copy of the bundled sources that a test may break."""
    return copy_bundled(tmp_path / "raw")


@pytest.fixture(scope="session")
def full_db(tmp_path_factory, bundled_raw):
    """The warehouse built from every real publication in ../shared/realdata plus the bundled files."""
    if not REALDATA.is_dir():
        pytest.fail(f"{REALDATA} is missing: the ETL and browser tests read the shared real publications.")
    db_path = tmp_path_factory.mktemp("full") / "uptake.duckdb"
    report = build([REALDATA, bundled_raw], db_path)
    return db_path, report
