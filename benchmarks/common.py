"""What every benchmark needs: the full real database, built into a temporary folder when
none is given, and removed afterwards."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PROJECT = Path(__file__).resolve().parents[1]


@contextmanager
def real_database(db_path: Path | None) -> Iterator[Path]:
    """db_path itself, or a database built from ../shared/realdata and data/raw for this run."""
    if db_path is not None:
        yield db_path
        return
    from etl.build import build

    with tempfile.TemporaryDirectory() as folder:
        built = Path(folder) / "uptake.duckdb"
        build([PROJECT.parent / "shared" / "realdata", PROJECT / "data" / "raw"], built)
        yield built
