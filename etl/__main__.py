"""Command line: `python -m etl build [--raw DIR]... [--db PATH] [--strict] [--max-file-mb MB]`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from .build import DEFAULT_DB, build
from .fetch import add_fetch_command
from .errors import BuildError, SourceError
from .limits import (DEFAULT_MAX_FILE_MB, DEFAULT_MAX_GRID_MB, DEFAULT_MAX_ZIP_RATIO, FILE_MB_ENV,
                     GRID_MB_ENV, UNPACKED_FACTOR, ZIP_RATIO_ENV, Limits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="build the DuckDB warehouse from raw files")
    build_parser.add_argument("--raw", action="append", type=Path,
                              help="folder of raw publications (repeatable; default data/raw)")
    build_parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="database to write")
    build_parser.add_argument("--strict", action="store_true",
                              help="fail on any file refused or not recognised (by default such "
                                   "files are reported and the others load)")
    build_parser.add_argument("--quiet", action="store_true", help="no per-file progress")
    build_parser.add_argument("--max-file-mb", type=float, default=None, metavar="MB",
                              help=f"refuse raw files larger than this (default "
                                   f"{DEFAULT_MAX_FILE_MB:g}, or {FILE_MB_ENV}); a workbook may "
                                   f"unpack to {UNPACKED_FACTOR}x this")
    build_parser.add_argument("--max-zip-ratio", type=float, default=None, metavar="RATIO",
                              help=f"refuse workbooks with a member compressed more than this "
                                   f"(default {DEFAULT_MAX_ZIP_RATIO:g}:1, or {ZIP_RATIO_ENV})")
    build_parser.add_argument("--max-grid-mb", type=float, default=None, metavar="MB",
                              help=f"refuse workbooks whose sheets, read as grids from A1 to their "
                                   f"farthest cell, would need more memory than this (default "
                                   f"{DEFAULT_MAX_GRID_MB:g}, or {GRID_MB_ENV})")
    add_fetch_command(commands)
    template_parser = commands.add_parser("template", help="write blank analyst import templates")
    template_parser.add_argument("--out", type=Path, default=Path("data/templates"))
    export_parser = commands.add_parser("export", help="write the whole dataset as a zip")
    export_parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    export_parser.add_argument("--out", type=Path, default=Path("data/processed/uptake-data.zip"))
    args = parser.parse_args(argv)
    if args.command == "export":
        from .export import write_bundle
        if not args.db.exists():
            print(f"No database at {args.db}: run `python -m etl build` first.", file=sys.stderr)
            return 1
        print(f"wrote {write_bundle(args.db, args.out)}")
        return 0
    if args.command == "fetch":
        return args.func(args)
    if args.command == "template":
        from .template import write_templates
        for path in write_templates(args.out):
            print(f"wrote {path}")
        return 0

    console = Console(stderr=True, quiet=args.quiet, soft_wrap=True)
    try:
        limits = Limits.from_env(args.max_file_mb, args.max_zip_ratio, args.max_grid_mb)
    except ValueError as error:
        print(f"Build failed: {error}", file=sys.stderr)
        return 2
    for name, value in (("--max-file-mb", args.max_file_mb), ("--max-zip-ratio", args.max_zip_ratio),
                        ("--max-grid-mb", args.max_grid_mb)):
        if value is not None and not value > 0:
            print(f"Build failed: {name} must be above 0.", file=sys.stderr)
            return 2
    try:
        report = build(args.raw or [Path("data/raw")], args.db, strict=args.strict, console=console,
                       limits=limits)
    except (SourceError, BuildError) as error:
        print(f"Build failed: {error}", file=sys.stderr)
        return 1
    warnings = [c for c in report.checks if c.severity == "warning" and not c.passed]
    periods = sorted({p for s in report.sources for p in s["periods"]})
    refused = "; ".join(r["file"] for r in report.refused)
    console.print(f"Built {args.db}: {sum(s['rows'] for s in report.sources)} rows from "
                  f"{len(report.sources)} files covering {', '.join(periods)}; "
                  f"{len(report.unrecognised)} unrecognised; {len(warnings)} warning checks "
                  f"with findings (see {args.db.with_name('build_report.md')})"
                  + (f"; REFUSED {len(report.refused)} file{'s' if len(report.refused) > 1 else ''}, "
                     f"not loaded: {refused} (reasons above and in the report; --strict fails instead)."
                     if report.refused else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
