"""Resolve an area as printed in a source (a name, an alias or a GSS code) to its warehouse code.

The reference tables in etl/reference/ are data: add a missing spelling to area_aliases.csv.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(__file__).with_name("reference")
GSS_CODE = re.compile(r"^E(06|07|08|09|10|11|12|92)\d{6}$")


def name_key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@dataclass
class ReferenceTables:
    areas: pd.DataFrame
    aliases: pd.DataFrame
    changes: pd.DataFrame
    measures: pd.DataFrame


def load_reference(directory: Path = REFERENCE_DIR) -> ReferenceTables:
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(directory / name, dtype=str, keep_default_na=False)
    return ReferenceTables(areas=read("areas.csv"), aliases=read("area_aliases.csv"),
                           changes=read("area_changes.csv"), measures=read("measures.csv"))


class AreaResolver:
    def __init__(self, reference: ReferenceTables):
        known_codes = set(reference.areas["area_code"])
        self._by_key: dict[str, str] = {}
        for code, name in zip(reference.areas["area_code"], reference.areas["area_name"]):
            self._by_key[name_key(name)] = code
            self._by_key[name_key(code)] = code
        for alias, code in zip(reference.aliases["alias"], reference.aliases["area_code"]):
            self._by_key.setdefault(name_key(alias), code)
        # A recode keeps the series: the old code resolves to the code the area has now.
        recodes = reference.changes[reference.changes["kind"] == "recode"]
        for old, new in zip(recodes["old_codes"], recodes["new_codes"]):
            if new in known_codes:
                self._by_key[name_key(old)] = new
        self._names = sorted(set(reference.areas["area_name"]) | set(reference.aliases["alias"]))

    def resolve(self, label: str) -> str | None:
        return self._by_key.get(name_key(label))

    def closest(self, label: str, count: int = 3) -> list[str]:
        return difflib.get_close_matches(label, self._names, n=count, cutoff=0.5)
