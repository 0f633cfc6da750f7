"""Shared by the ETL fault tests: a good build being served, and a fingerprint to show it untouched."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def served(tmp_path, bundled_db) -> Path:
    """A good build at the target path, as the app would be serving it."""
    target = tmp_path / "served" / "uptake.duckdb"
    target.parent.mkdir()
    shutil.copy(bundled_db, target)
    return target
