"""Resolve an area as printed in a source (GSS code, CASSR code or name) to its warehouse code.

Names and CASSR codes can denote different councils in different years ("Dorset", "North
Yorkshire" and CASSR 809 name both a county and its unitary successor), so every lookup takes
the period and prefers the council that existed then. The reference tables in etl/reference/
are data: add a missing spelling to area_aliases.csv.
"""
from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(__file__).with_name("reference")
GSS_CODE = re.compile(r"^[EKWSN]\d{8}$")
# A label that carries its own code: "102-Cumbria", "102 - Cumbria", "102 Cumbria",
# "E06000005 Darlington". The code is what the publisher meant; the name may be spelt any way.
# Councils created since 2021 have five-character codes with a digit in them (Z9D4Z).
CODED_LABEL = re.compile(r"^\s*(?P<code>[EKWSN]\d{8}|\d{3}|(?=[A-Z]*\d)[A-Z0-9]{5})\b\s*[-\u2013:]?\s*"
                         r"(?P<name>\S.*?)?\s*$")


def name_key(text: str) -> str:
    return " ".join(str(text).replace("\u00a0", " ").split()).casefold()


@dataclass
class ReferenceTables:
    areas: pd.DataFrame
    aliases: pd.DataFrame
    changes: pd.DataFrame
    measures: pd.DataFrame
    client_groups: pd.DataFrame
    series_breaks: pd.DataFrame
    source_precedence: pd.DataFrame
    quality_flags: pd.DataFrame
    publisher_caveats: pd.DataFrame
    gap_notes: pd.DataFrame


def load_reference(directory: Path = REFERENCE_DIR) -> ReferenceTables:
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(directory / name, dtype=str, keep_default_na=False)
    return ReferenceTables(areas=read("areas.csv"), aliases=read("area_aliases.csv"),
                           changes=read("area_changes.csv"), measures=read("measures.csv"),
                           client_groups=read("client_groups.csv"),
                           series_breaks=read("series_breaks.csv"),
                           source_precedence=read("source_precedence.csv"),
                           quality_flags=read("quality_flags.csv"),
                           publisher_caveats=read("publisher_caveats.csv"),
                           gap_notes=read("gap_notes.csv"))


class AreaResolver:
    def __init__(self, reference: ReferenceTables):
        areas = reference.areas
        self._lifetime = {code: (first or "0000-00", last or "9999-99") for code, first, last in
                          zip(areas["area_code"], areas["first_period"], areas["last_period"])}
        self._by_name: dict[str, list[str]] = defaultdict(list)
        self._by_cassr: dict[str, list[str]] = defaultdict(list)
        for code, name, cassr, former in zip(areas["area_code"], areas["area_name"], areas["cassr_code"],
                                             areas["former_cassr_codes"]):
            self._by_name[name_key(name)].append(code)
            # A recoded council keeps its series under its old CASSR code too (Buckinghamshire 612).
            for one in [cassr, *former.split(";")]:
                if one.strip():
                    self._by_cassr[one.strip()].append(code)
        for alias, code in zip(reference.aliases["alias"], reference.aliases["area_code"]):
            if code not in self._by_name[name_key(alias)]:
                self._by_name[name_key(alias)].append(code)
        # A recode keeps the series: an old code resolves to the code the area has now.
        self._current_code = {code: code for code in self._lifetime}
        recodes = reference.changes[reference.changes["kind"] == "recode"]
        pending = dict(zip(recodes["old_codes"], recodes["new_codes"]))
        for old in pending:
            new = pending[old]
            while new in pending:  # follow chains of recodes
                new = pending[new]
            if new in self._lifetime:
                self._current_code[old] = new
        self._names = sorted(set(areas["area_name"]) | set(reference.aliases["alias"]))

    def _alive(self, candidates: list[str], period: str | None) -> str | None:
        """The one candidate, or of several the one that existed in the period."""
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        if period is None:
            return candidates[-1]  # abolished councils are listed before their successors
        alive = [code for code in candidates if self._is_alive(code, period)]
        return alive[0] if alive else None

    def _is_alive(self, code: str, period: str) -> bool:
        first, last = self._lifetime[code]
        return first <= period <= last

    def resolve(self, label: str | None = None, *, code: str | None = None,
                cassr: str | None = None, period: str | None = None) -> str | None:
        if label and not (code or cassr):
            coded = CODED_LABEL.match(label)
            if coded:
                if GSS_CODE.match(coded["code"]):
                    code = coded["code"]
                else:
                    cassr = coded["code"]
                label = coded["name"]
        if code and GSS_CODE.match(code):
            current = self._current_code.get(code)
            if current:
                return current
        if cassr:
            found = self._alive(self._by_cassr.get(cassr.strip(), []), period)
            if found:
                return found
        if label:
            return self._alive(self._by_name.get(name_key(label), []), period)
        return None

    def existed(self, code: str, period: str | None) -> bool:
        """Whether the area existed at the end of the period (regions and England always did)."""
        return period is None or self._is_alive(code, period)

    def knows_code(self, code: str) -> bool:
        """Whether a GSS code is in the reference areas (or a recode of one)."""
        return code in self._current_code

    def closest(self, label: str, count: int = 3) -> list[str]:
        return difflib.get_close_matches(label, self._names, n=count, cutoff=0.5)
