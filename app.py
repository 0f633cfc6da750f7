"""Serve the dashboard: `python app.py [--db PATH] [--host H] [--port N]`.

`server` is the Flask app for a WSGI server (gunicorn app:server); it reads the database named
by the UPTAKE_DB environment variable, else data/processed/uptake.duckdb.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from dashboards import create_app

DEFAULT_DB = Path("data/processed/uptake.duckdb")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("UPTAKE_DB", DEFAULT_DB)))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    args = parser.parse_args(argv)
    app = create_app(args.db)
    print(f"Serving {args.db} on http://{args.host}:{args.port}/")
    app.run(host=args.host, port=args.port, debug=False)


if __name__ == "__main__":
    main()
else:
    server = create_app(Path(os.environ.get("UPTAKE_DB", DEFAULT_DB))).server
