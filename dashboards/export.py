"""Write a set of report figures from view URLs in one run, with one warm Chromium.

    python -m dashboards.export --out figures/ "/?measure=dp_users&period=2021-22" \\
        "/embed/trend?code=E06000005&measure=sds_users" --format png svg

Any URL of a chart page, its embed or its image is accepted (host optional). Every URL is
checked before anything is drawn, so a typo costs nothing. Each figure gets its alt text,
caveats and citation in a .txt beside it, and figures.csv lists them all.
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from rich.progress import Progress

from . import caveats
from .charts import Chart, ChartRequestError, chart_for, citation
from .context import set_warehouse
from .db import Warehouse, WarehouseUnavailable
from .images import FORMATS, ImagesUnavailable, chart_image, text_description
from .sharing import data_date, sources_text

DEFAULT_DB = Path("data/processed/uptake.duckdb")
PAGE_VIEWS = {"/": "compare", "/funnel": "funnel", "/map": "map", "/client-groups": "client-groups"}


class ExportError(ValueError):
    """A URL that does not name a chart: says which and why."""


@dataclass(frozen=True)
class Request:
    url: str
    view: str
    query: dict[str, str]


def parse_view_url(url: str) -> Request:
    """'/funnel?measure=x', 'http://host/embed/map?...', '/image/area.png?code=...', '/area/E06000005'."""
    parts = urllib.parse.urlsplit(url.strip())
    path = parts.path or "/"
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ExportError(f"{url}: parameter {repeated[0]!r} is given more than once.")
    query = dict(pairs)
    if path in PAGE_VIEWS:
        return Request(url, PAGE_VIEWS[path], query)
    if match := re.fullmatch(r"/area/([A-Za-z0-9]+)", path):
        # A profile URL that chooses a trend (as the page writes it) means the trend chart.
        view = "trend" if set(query) & {"measure", "age_band", "client_group"} else "area"
        return Request(url, view, {**query, "code": match.group(1)})
    if match := re.fullmatch(r"/(?:embed/([a-z-]+)|image/([a-z-]+)\.(?:png|svg|pdf|txt))", path):
        return Request(url, match.group(1) or match.group(2), query)
    raise ExportError(f"{url}: not a chart URL. Use a page (/, /funnel, /map, /client-groups, /area/<code>), "
                      "an /embed/<view> or an /image/<view>.png URL.")


def file_stem(position: int, chart: Chart) -> str:
    """'03-funnel-adults-aged-18-64-2021-22': ordered, readable, and never a path."""
    slug = re.sub(r"[^a-z0-9]+", "-", chart.subtitle.lower()).strip("-")[:80].rstrip("-")
    return f"{position:02d}-{chart.view}-{slug}"


def resolve_all(urls: list[str]) -> tuple[list[tuple[Request, Chart]], list[str]]:
    """Every URL's chart, or every URL's problem: all are checked before any is drawn."""
    charts, problems = [], []
    for url in urls:
        try:
            request = parse_view_url(url)
            charts.append((request, chart_for(request.view, request.query)))
        except ExportError as error:
            problems.append(str(error))
        except ChartRequestError as error:
            problems.append(f"{url}: {error.message}")
    return charts, problems


def export(urls: list[str], out: Path, formats: list[str], *, site_url: str) -> list[dict[str, str]]:
    charts, problems = resolve_all(urls)
    if problems:
        raise ExportError("Nothing was drawn; fix these URLs and run again:\n  " + "\n  ".join(problems))
    out.mkdir(parents=True, exist_ok=True)
    built, index = data_date(), []
    with Progress(transient=True) as progress:
        task = progress.add_task("Drawing figures", total=len(charts) * len(formats))
        for position, (request, chart) in enumerate(charts, start=1):
            stem = file_stem(position, chart)
            context = {"sources": sources_text(chart), "data_date": built, "link": site_url + chart.page_url,
                       "caveats": caveats.for_chart(chart)}
            cite = citation(chart, sources=context["sources"], data_date=built, base_url=site_url)
            files = []
            for image_format in formats:
                path = out / f"{stem}.{image_format}"
                path.write_bytes(chart_image(chart, image_format, **context))
                files.append(path.name)
                progress.advance(task)
            (out / f"{stem}.txt").write_text(text_description(chart, citation=cite, **context), encoding="utf-8")
            index.append({"files": " ".join(files), "view": chart.view, "title": chart.title,
                          "subtitle": chart.subtitle, "description": chart.description,
                          "caveats": " ".join(context["caveats"]), "citation": cite,
                          "requested_url": request.url, "embed_url": site_url + chart.url("embed")})
    with open(out / "figures.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(index[0]))
        writer.writeheader()
        writer.writerows(index)
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*", help="view URLs (page, /embed/ or /image/ URLs)")
    parser.add_argument("--from-file", type=Path, help="a text file of view URLs, one a line (# comments)")
    parser.add_argument("--out", type=Path, default=Path("figures"), help="folder to write into (default: figures)")
    parser.add_argument("--format", nargs="+", action="extend", choices=sorted(FORMATS), dest="formats",
                        help="image formats, may repeat (default: png svg pdf)")
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("UPTAKE_DB", DEFAULT_DB)),
                        help="the database to draw from (default: UPTAKE_DB or data/processed/uptake.duckdb)")
    parser.add_argument("--site-url", default=os.environ.get("UPTAKE_SITE_URL", "http://127.0.0.1:8050"),
                        help="the public address citations and links point to (default: UPTAKE_SITE_URL)")
    args = parser.parse_args(argv)
    formats = list(dict.fromkeys(args.formats or ["png", "svg", "pdf"]))   # each once, in order
    urls = list(args.urls)
    if args.from_file:
        try:
            lines = args.from_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            parser.error(f"cannot read {args.from_file}: {error}")
        urls += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not urls:
        parser.error("give at least one view URL, or --from-file")
    warehouse = Warehouse(args.db)
    set_warehouse(warehouse)
    try:
        with warehouse.reading():    # every figure of the set from one build, even if a rebuild lands
            index = export(list(dict.fromkeys(urls)), args.out, formats, site_url=args.site_url.rstrip("/"))
    except (ExportError, ImagesUnavailable, WarehouseUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {len(index)} figure{'s' * (len(index) != 1)} ({', '.join(formats)}) and "
          f"figures.csv to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
