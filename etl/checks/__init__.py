"""Data checks: each .sql file here is a SELECT returning offending rows (zero rows = pass).

The first lines say `-- severity: error|warning` and `-- what: ...`. Errors fail the build;
warnings are reported as anomalies in the build report.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

CHECK_DIR = Path(__file__).parent


@dataclass
class CheckResult:
    name: str
    severity: str
    what: str
    offending: pd.DataFrame

    @property
    def passed(self) -> bool:
        return self.offending.empty


def _header(sql: str, key: str) -> str:
    for line in sql.splitlines():
        if line.startswith(f"-- {key}:"):
            return line.split(":", 1)[1].strip()
    raise ValueError(f"check is missing its '-- {key}:' line")


def run_checks(connection: duckdb.DuckDBPyConnection, directory: Path = CHECK_DIR) -> list[CheckResult]:
    results = []
    for path in sorted(directory.glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        results.append(CheckResult(name=path.stem, severity=_header(sql, "severity"),
                                   what=_header(sql, "what"),
                                   offending=connection.execute(sql).fetch_df()))
    return results
