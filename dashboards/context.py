"""The process's warehouse, set once by create_app and read by pages and callbacks."""
from __future__ import annotations

from .db import Warehouse

_warehouse: Warehouse | None = None


def set_warehouse(warehouse: Warehouse) -> None:
    global _warehouse
    _warehouse = warehouse


def warehouse() -> Warehouse:
    if _warehouse is None:
        raise RuntimeError("create_app(db_path) has not been called")
    return _warehouse
