"""Build the warehouse: find raw files, recognise, extract, transform, load, check, swap in.

The database is written to a temporary file beside the target and moved into place only after
every error-level check passes, so a failed or interrupted build never touches the database
the app is serving.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from rich.console import Console
from rich.markup import escape

from .areas import AreaResolver, ReferenceTables, load_reference
from .checks import CheckResult, run_checks
from .detect import detect_layouts
from .errors import BuildError, SourceError
from .extract import SheetExtractor
from .intervals import write_intervals_and_gaps
from .limits import Limits, check_file_size
from .parallel import map_in_order
from .precedence import rank_sources
from .provenance import links_for, manifest_entries
from .readers import CSV_SUFFIXES, ENCODING_NAMES, SPREADSHEET_SUFFIXES, cell_text, read_file
from .registry import Layout, load_layouts, map_key
from .transform import FACT_COLUMNS, Assembler

SCHEMA = Path(__file__).parent / "warehouse" / "schema.sql"
DERIVE = Path(__file__).parent / "warehouse" / "derive.sql"
QUALITY = Path(__file__).parent / "warehouse" / "quality.sql"
APP_TABLES = Path(__file__).parent / "warehouse" / "app_tables.sql"
DEFAULT_DB = Path("data/processed/uptake.duckdb")
READABLE_SUFFIXES = CSV_SUFFIXES | SPREADSHEET_SUFFIXES


@dataclass
class LoadedSource:
    source_id: str
    file_label: str
    layout_id: str          # layouts of every recognised sheet, comma-separated
    sha256: str
    meta: dict[str, str]
    rows: pd.DataFrame
    ignored: dict[str, int]
    encoding: str | None = None    # how a text file was decoded; None for workbooks


@dataclass
class BuildReport:
    sources: list[dict] = field(default_factory=list)
    unrecognised: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)     # files that could not be trusted
    reference_files: list[dict] = field(default_factory=list)  # lookups recognised, not loaded
    duplicates_skipped: list[str] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "sources": self.sources,
            "unrecognised_files": self.unrecognised,
            "refused_files": self.refused,
            "reference_files": self.reference_files,
            "duplicate_files_skipped": self.duplicates_skipped,
            "checks": [{"name": c.name, "severity": c.severity, "what": c.what,
                        "offending_rows": len(c.offending),
                        "rows": json.loads(c.offending.to_json(orient="records"))}
                       for c in self.checks],
        }

    def to_markdown(self) -> str:
        lines = ["# Build report", "", "## Sources", "", "| source | layout | rows |", "|---|---|---|"]
        lines += [f"| {s['file']} | {s['layout_id']} | {s['rows']} |" for s in self.sources]
        decoded = [s for s in self.sources if s.get("encoding") not in (None, "utf-8")]
        if decoded:  # said only when it is news: most text files are plain UTF-8
            lines += ["", "## Text encodings", ""]
            lines += [f"- {s['file']}: read as {ENCODING_NAMES.get(s['encoding'], s['encoding'])}"
                      for s in decoded]
        lines += ["", "## Refused files", ""]
        lines += [f"- {r['file']}: {r['reason']}" for r in self.refused] or ["None."]
        lines += ["", "## Reference files (recognised, not loaded)", ""]
        lines += [f"- {r['file']}: {r['reason']}" for r in self.reference_files] or ["None."]
        lines += ["", "## Unrecognised files", ""]
        lines += [f"- {u['file']}: {u['reason']}" for u in self.unrecognised] or ["None."]
        lines += ["", "## Checks", "", "| check | severity | offending rows | what |", "|---|---|---|---|"]
        lines += [f"| {c.name} | {c.severity} | {len(c.offending)} | {c.what} |" for c in self.checks]
        for check in self.checks:
            if not check.passed:
                lines += ["", f"### {check.name} ({check.severity})", "",
                          _markdown_table(check.offending)]
        return "\n".join(lines) + "\n"


def _markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(raw_dirs: list[Path]) -> list[tuple[Path, Path]]:
    """(raw dir, file) pairs for every readable file, in a stable order."""
    found = []
    for raw_dir in raw_dirs:
        if not raw_dir.is_dir():
            raise BuildError(f"raw folder {raw_dir} does not exist; pass --raw with a folder of "
                             "downloaded publications.")
        for path in sorted(raw_dir.rglob("*")):
            if path.is_file() and path.suffix.lower() in READABLE_SUFFIXES \
                    and not any(part.startswith(".") for part in path.relative_to(raw_dir).parts):
                found.append((raw_dir, path))
    return found


def _source_id(path: Path, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")
    source_id, suffix = base, 2
    while source_id in taken:
        source_id, suffix = f"{base}_{suffix}", suffix + 1
    return source_id


@dataclass
class Pipeline:
    """What every file is read with: layouts and reference data, loaded once per build."""
    layouts: list[Layout]
    reference: ReferenceTables
    resolver: AreaResolver
    crosswalk: dict[str, str]
    measure_units: dict[str, str]
    note_requirements: dict[str, str]
    limits: Limits

    @classmethod
    def load(cls, limits: Limits | None = None) -> "Pipeline":
        reference = load_reference()
        crosswalk = {map_key(label): group for label, group in
                     zip(reference.client_groups["source_label"], reference.client_groups["client_group"])}
        measures = reference.measures
        units = dict(zip(measures["measure_id"], measures["unit"]))
        notes = {m: n for m, n in zip(measures["measure_id"], measures["note_must_name"]) if n}
        layouts = load_layouts()
        kinds = set(reference.source_precedence["source_kind"])
        for layout in (l for l in layouts if l.shape != "reference"):
            kind = layout.section("source").get("precedence")
            if kind not in kinds:
                raise BuildError(f"{layout.path}: [source] precedence = {kind!r} is not one of "
                                 f"{sorted(kinds)} (etl/reference/source_precedence.csv).")
        return cls(layouts, reference, AreaResolver(reference), crosswalk, units, notes,
                   limits or Limits.from_env())


def _rounding(layout: Layout, meta: dict[str, str]) -> float | str | None:
    config = layout.section("rounding")
    if config.get("counts_to_meta") in meta:
        return float(meta[config["counts_to_meta"]])
    return config.get("counts_to")


def _key_value_sheet(sheets, name: str | None) -> dict[str, str]:
    """Publication metadata kept as field/value rows in a sheet of its own (the template's)."""
    for sheet in sheets:
        if name and sheet.name == name:
            return {cell_text(row[0]).casefold(): cell_text(row[1]) for row in sheet.rows
                    if len(row) > 1 and cell_text(row[0]) and cell_text(row[1])}
    return {}


@dataclass
class ReferenceFile:
    """A lookup recognised by its layout and deliberately not loaded (why, in words)."""
    description: str


def load_file(path: Path, file_label: str, pipeline: Pipeline, source_id: str) -> LoadedSource | ReferenceFile | str:
    """The file's rows, or the reason no layout recognised it."""
    sheets = read_file(path, file_label, pipeline.limits)
    matches, closest = detect_layouts(sheets, pipeline.layouts)
    if not matches:
        return closest.describe()
    if all(m.layout.shape == "reference" for m in matches):
        return ReferenceFile(matches[0].layout.config.get("description", matches[0].layout.layout_id))
    records, ignored, meta = [], {}, {}
    for match in matches:
        extraction = SheetExtractor(match, file_label, path, pipeline.resolver, pipeline.crosswalk,
                                    pipeline.measure_units, pipeline.note_requirements).extract()
        meta_sheet = match.layout.section("source").get("meta_sheet")
        sheet_meta = {**match.sheet.meta, **_key_value_sheet(sheets, meta_sheet)}
        assembler = Assembler(pipeline.measure_units, markers=match.layout.section("markers"),
                              suppressed_as=match.layout.config.get("suppressed_in_sums"),
                              counts_rounded_to=_rounding(match.layout, sheet_meta))
        records += assembler.rows(extraction.cells, source_id=source_id, file_label=file_label)
        for reason, count in extraction.ignored.items():
            ignored[f"{match.sheet.name or 'csv'}: {reason}"] = count
        meta = {**match.layout.section("source"), **sheet_meta, **meta}
    rows = pd.DataFrame.from_records(records, columns=FACT_COLUMNS)
    meta.setdefault("period", ", ".join(sorted(rows["period"].unique())))
    return LoadedSource(source_id=source_id, file_label=file_label,
                        layout_id=", ".join(dict.fromkeys(m.layout.layout_id for m in matches)),
                        sha256="", meta=meta, rows=rows, ignored=ignored,
                        encoding=sheets[0].encoding if sheets else None)


REFERENCE_TABLES = ("areas", "area_aliases", "area_changes", "measures", "client_groups",
                    "series_breaks", "source_precedence", "quality_flags", "publisher_caveats",
                    "gap_notes")


def _write_database(path: Path, loaded: list[LoadedSource], reference,
                    report: BuildReport) -> list[CheckResult]:
    connection = duckdb.connect(str(path))
    try:
        # One transaction for the whole write: each statement committed on its own flushed the
        # write-ahead log to disk, about a hundred fdatasync calls (0.3 s of waiting on this
        # machine). Nothing reads the file before it is moved into place, so nothing is lost.
        connection.execute("BEGIN TRANSACTION")
        connection.execute(SCHEMA.read_text(encoding="utf-8"))
        for table in REFERENCE_TABLES:
            frame = getattr(reference, "aliases" if table == "area_aliases" else
                            "changes" if table == "area_changes" else table)
            columns = ", ".join(f'NULLIF("{c}", \'\')' for c in frame.columns)
            connection.register("incoming", frame)
            connection.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) "
                               f"SELECT {columns} FROM incoming")
            connection.unregister("incoming")
        facts = pd.concat([source.rows for source in loaded], ignore_index=True) if loaded \
            else pd.DataFrame(columns=FACT_COLUMNS)
        facts = facts.sort_values(["source_id", "source_row", "measure_id", "age_band",
                                   "client_group"], kind="stable")
        precedence = reference.source_precedence
        facts = rank_sources(facts, {s.source_id: s.meta["precedence"] for s in loaded},
                             dict(zip(precedence["source_kind"], precedence["precedence"].astype(int))))
        columns = FACT_COLUMNS + ["source_kind", "precedence", "preferred"]
        connection.register("incoming", facts)
        connection.execute(f"INSERT INTO facts_all ({', '.join(columns)}) "
                           f"SELECT {', '.join(columns)} FROM incoming")
        connection.unregister("incoming")
        entries = manifest_entries()
        source_rows = []
        for s in loaded:
            links = links_for(s.file_label, s.sha256, s.meta, entries)
            source_rows.append((s.source_id, s.file_label, s.layout_id, s.meta.get("title"),
                                s.meta.get("publisher"), s.meta.get("cites"), s.meta.get("period"),
                                s.meta.get("licence"), s.meta.get("transcription"), s.sha256,
                                len(s.rows), s.meta["precedence"], links.landing_page,
                                links.file_url, links.basis))
        connection.executemany(
            "INSERT INTO sources (source_id, file_name, layout_id, title, publisher, cites, period, "
            "licence, transcription, sha256, rows_loaded, source_kind, landing_page, file_url, "
            "link_basis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", source_rows)
        # The derivations read the preferred values, and add only grains no source gives.
        for step in (DERIVE, QUALITY):
            connection.execute(step.read_text(encoding="utf-8"))
        write_intervals_and_gaps(connection)
        connection.execute(APP_TABLES.read_text(encoding="utf-8"))
        connection.executemany("INSERT INTO build_files VALUES (?, ?, ?)",
                               [(s.file_label, "loaded", None) for s in loaded]
                               + [(r["file"], "refused", r["reason"]) for r in report.refused]
                               + [(u["file"], "unrecognised", u["reason"]) for u in report.unrecognised]
                               + [(r["file"], "reference", r["reason"]) for r in report.reference_files]
                               + [(d.split(" (same bytes as ")[0], "duplicate", d)
                                  for d in report.duplicates_skipped])
        build_id = hashlib.sha256("".join(sorted(s.sha256 for s in loaded)).encode()).hexdigest()[:16]
        connection.executemany("INSERT INTO build_info VALUES (?, ?)",
                               [("build_id", build_id), ("sources", str(len(loaded)))])
        results = run_checks(connection)
        connection.execute("COMMIT")
        connection.execute("CHECKPOINT")
        return results
    finally:
        connection.close()


def _process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _temporary_path(db_path: Path) -> Path:
    # The host and process id say whose it is: a leftover is removed only when its process is
    # gone from this host, never while another build is still writing it.
    return db_path.with_name(f".{db_path.name}.tmp-{socket.gethostname()}-{os.getpid()}")


def remove_leftover_temporaries(db_path: Path) -> list[Path]:
    """Temporary databases (and their write-ahead logs) of builds on this host that were killed
    before they could clean up: they never held the served database, so they are only litter."""
    host = socket.gethostname()
    pattern = re.compile(rf"^\.{re.escape(db_path.name)}\.tmp-(?:(?P<host>.+)-)?(?P<pid>\d+)(?:\.wal)?$")
    removed = []
    for path in sorted(db_path.parent.glob(f".{glob.escape(db_path.name)}.tmp-*")):
        found = pattern.match(path.name)
        if not found or found["host"] not in (None, host):
            continue
        pid = int(found["pid"])
        if pid != os.getpid() and not _process_running(pid):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _load_one(path: Path, file_label: str, pipeline: Pipeline,
              source_id: str) -> LoadedSource | ReferenceFile | str:
    """load_file, with anything unforeseen still reported against the file it came from."""
    try:
        return load_file(path, file_label, pipeline, source_id)
    except SourceError:
        raise
    except MemoryError as error:
        raise SourceError("needs more memory to read than this machine has.", file=file_label,
                          hint="Remove the file or build on a larger machine.") from error
    except Exception as error:  # a reader or layout meeting input it was never shown
        raise SourceError(f"could not be loaded: {type(error).__name__}: {error}.", file=file_label,
                          hint="Check the file opens and looks like its publication; if it does, "
                               "this is an ETL bug: report it with the file.") from error


@dataclass
class PlannedFile:
    """A file found, before loading: its label, its bytes' hash and the id it will load under
    if every file before it loads (None: it is refused already, or repeats an earlier file)."""
    path: Path
    file_label: str
    digest: str | None = None
    source_id: str | None = None
    refusal: SourceError | None = None


def _plan(found: list[tuple[Path, Path]], pipeline: Pipeline) -> list[PlannedFile]:
    planned, first_of, taken = [], set(), set()
    for raw_dir, path in found:
        # Provenance names the raw folder and the path inside it, never the server's absolute
        # path: stable across machines, and says where to look.
        plan = PlannedFile(path, (Path(raw_dir.name) / path.relative_to(raw_dir)).as_posix())
        try:
            try:
                check_file_size(path, plan.file_label, pipeline.limits)   # before hashing reads it all
                plan.digest = sha256_of(path)
            except OSError as error:  # removed or unreadable since the folder was listed
                raise SourceError(f"cannot be read ({error.strerror or error}).", file=plan.file_label,
                                  hint="Check the file is still there and readable.") from error
        except SourceError as error:
            plan.refusal = error
        if plan.digest is not None and plan.digest not in first_of:
            first_of.add(plan.digest)
            plan.source_id = _source_id(path, taken)
            taken.add(plan.source_id)
        planned.append(plan)
    return planned


def _load_or_refusal(path: Path, file_label: str, pipeline: Pipeline,
                     source_id: str) -> LoadedSource | ReferenceFile | str | SourceError:
    """_load_one, with a refusal returned rather than raised (it may come from another process)."""
    try:
        return _load_one(path, file_label, pipeline, source_id)
    except SourceError as error:
        return error


def build(raw_dirs: list[Path], db_path: Path = DEFAULT_DB, *, strict: bool = False,
          console: Console | None = None, limits: Limits | None = None) -> BuildReport:
    console = console or Console(stderr=True, quiet=True)
    pipeline = Pipeline.load(limits)
    report = BuildReport()
    loaded: list[LoadedSource] = []
    seen_hashes: dict[str, str] = {}
    taken_ids: set[str] = set()
    planned = _plan(discover(raw_dirs), pipeline)
    # Every file that could load is loaded side by side first; the loop below then takes them
    # in order, exactly as loading them one by one would.
    loading = [p for p in planned if p.source_id is not None]
    loaded_side_by_side = dict(zip((p.file_label for p in loading), map_in_order(
        lambda p: _load_or_refusal(p.path, p.file_label, pipeline, p.source_id), loading)))
    for plan in planned:
        file_label, path, digest = plan.file_label, plan.path, plan.digest
        try:
            if plan.refusal is not None:
                raise plan.refusal
            if digest in seen_hashes:
                report.duplicates_skipped.append(f"{file_label} (same bytes as {seen_hashes[digest]})")
                continue
            source_id = _source_id(path, taken_ids)
            outcome = loaded_side_by_side.get(file_label) if source_id == plan.source_id else None
            if outcome is None:     # its id or its bytes' first file changed with a refusal
                outcome = _load_one(path, file_label, pipeline, source_id)
            if isinstance(outcome, SourceError):
                raise outcome
        except SourceError as error:
            # A file that cannot be trusted is refused whole (never half-loaded); the others
            # still load. --strict makes any refusal a failed build.
            if strict:
                raise
            report.refused.append({"file": file_label, "reason": str(error)})
            console.print(f"[red]refused[/] {escape(str(error))}", highlight=False)
            continue
        seen_hashes[digest] = file_label
        if isinstance(outcome, ReferenceFile):
            report.reference_files.append({"file": file_label, "reason": outcome.description})
            console.print(f"reference {file_label}: {outcome.description} (not loaded)", markup=False,
                          highlight=False)
            continue
        if isinstance(outcome, str):
            report.unrecognised.append({"file": file_label, "reason": outcome})
            console.print(f"[yellow]not recognised[/] {escape(file_label)}: {escape(outcome)}",
                          highlight=False)
            if strict:
                raise SourceError(f"is not a known layout: {outcome}.", file=file_label,
                                  hint="Add a layout to etl/registry/layouts/ or remove the file.")
            continue
        outcome.sha256 = digest
        taken_ids.add(source_id)
        loaded.append(outcome)
        report.sources.append({"source_id": source_id, "file": file_label,
                               "layout_id": outcome.layout_id, "rows": len(outcome.rows),
                               "periods": sorted(outcome.rows["period"].unique()),
                               "ignored": outcome.ignored, "sha256": digest,
                               "encoding": outcome.encoding})
        decoded = "" if outcome.encoding in (None, "utf-8") else \
            f" (text decoded as {ENCODING_NAMES.get(outcome.encoding, outcome.encoding)})"
        console.print(f"loaded {file_label} as {outcome.layout_id}{decoded}: {len(outcome.rows)} rows",
                      markup=False, highlight=False)
    if not loaded:
        if report.refused:
            raise BuildError("no file could be loaded; refused: " + "; ".join(r["reason"] for r in report.refused))
        raise BuildError(f"no recognised publications in {', '.join(map(str, raw_dirs))}.")

    db_path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in remove_leftover_temporaries(db_path):
        console.print(f"removed {leftover.name}, left by an interrupted build", markup=False)
    temporary = _temporary_path(db_path)
    temporary.unlink(missing_ok=True)
    try:
        try:
            report.checks = _write_database(temporary, loaded, pipeline.reference, report)
        except (duckdb.Error, OSError) as error:  # disk full, permissions: nothing was replaced
            raise BuildError(f"could not write the new database beside {db_path} "
                             f"({type(error).__name__}: {error}); the existing database was left "
                             "as it was. Check free space and permissions there.") from error
        failed = [c for c in report.checks if c.severity == "error" and not c.passed]
        if failed:
            details = "\n".join(f"  {c.name}: {c.what}; {len(c.offending)} rows, first: "
                                f"{c.offending.head(3).to_dict(orient='records')}" for c in failed)
            raise BuildError(f"data checks failed; the existing database was left as it was:\n{details}")
        os.replace(temporary, db_path)
    finally:
        temporary.unlink(missing_ok=True)
        temporary.with_name(temporary.name + ".wal").unlink(missing_ok=True)
    # Without indent, json uses its C encoder: indented, the checks' rows took 0.1-0.2 s of a
    # build. build_report.md is the one written for reading.
    db_path.with_name("build_report.json").write_text(json.dumps(report.to_json()), encoding="utf-8")
    db_path.with_name("build_report.md").write_text(report.to_markdown(), encoding="utf-8")
    return report
