"""Where a reader can check each loaded file at its source: the publisher's landing page and the
file's own URL, from the fetch manifest (etl/registry/manifest.toml).

The manifest is the one place these facts are kept; the build only looks them up. A file is
matched by its bytes first (sha256), because the same publication can sit under any folder name
in any raw directory; then by its path under the raw folder, so a revised download of a listed
file still points at its publication. Files the manifest does not list (the project's own
transcriptions in data/raw, an analyst's template) name their publication themselves: the
`url` field of the template's publication block, or of the layout's [source] section for a
layout that only ever reads one publication (Table 3 of the MHNE report).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from .fetch import Entry, load_manifest

# How the links were found, stored beside them so a reader can weigh them.
BY_SHA256 = "manifest_sha256"
BY_PATH = "manifest_path"
BY_SOURCE_METADATA = "source_metadata"


@dataclass(frozen=True)
class Links:
    landing_page: str | None
    file_url: str | None
    basis: str | None


def _path_under_raw_folder(file_label: str) -> str:
    # Labels are "<raw folder name>/<path inside it>" (etl.build); the manifest's paths are
    # relative to a mirror or to data/raw/downloaded, so the folder name is dropped.
    return PurePosixPath(*PurePosixPath(file_label).parts[1:]).as_posix()


def _by_path(file_label: str, entries: list[Entry]) -> Entry | None:
    inside = _path_under_raw_folder(file_label)
    for entry in entries:
        if inside == entry.path or inside.endswith("/" + entry.path):
            return entry
    return None


def links_for(file_label: str, sha256: str, meta: dict[str, str],
              entries: list[Entry]) -> Links:
    by_hash = next((e for e in entries if e.sha256 == sha256), None)
    if by_hash:
        return Links(by_hash.landing_page, by_hash.url, BY_SHA256)
    by_path = _by_path(file_label, entries)
    if by_path:
        return Links(by_path.landing_page, by_path.url, BY_PATH)
    if meta.get("url"):
        # A transcription names the page of the publication it was transcribed from, not a file.
        return Links(meta["url"], None, BY_SOURCE_METADATA)
    return Links(None, None, None)


def manifest_entries() -> list[Entry]:
    return load_manifest()
