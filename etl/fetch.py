"""`python -m etl fetch`: download the publications listed in registry/manifest.toml, verified.

Each file is written to `<dest>/<path>.part` and renamed into place only once its sha256 matches
the manifest, so an interrupted or corrupt download never replaces a good file. A `.part` left
by an interrupted HTTP download is resumed with a Range request. Being offline is not an error:
the build simply uses the files already present.

The manifest also lists publications we hold no copy of (no sha256), so that every supported year
has a known source. Such a file is "not held" when no source supplies it: a mirror without it, or
no direct URL. That is reported, not failed: a mirror holds only the files it was given. When
one does arrive (from an official URL, or a mirror that has it) it is kept but reported as
unverified, since there is no hash to check it against; a file already in place is never replaced.

Exit codes of the command: 0 when every file is up to date, downloaded, not held, or could not be
reached (offline); 1 when a file we hold failed verification or could not be had from a reachable
source (a mirror folder or server without it, an HTTP error), or an official URL answered with an
error; 2 for usage errors.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import sys
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit
from urllib.request import Request, urlopen

from rich.console import Console
from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                           TimeRemainingColumn, TransferSpeedColumn)

MANIFEST = Path(__file__).parent / "registry" / "manifest.toml"
DEFAULT_DESTINATION = Path("data/raw/downloaded")
TIMEOUT_SECONDS = 20
CHUNK_BYTES = 256 * 1024
USER_AGENT = "sds-uptake-etl-fetch/0.1 (Python urllib)"
# `url` must point at the publisher itself: a file from anywhere else is a mirror, not a source.
OFFICIAL_HOSTS = frozenset({
    "digital.nhs.uk", "files.digital.nhs.uk", "www.england.nhs.uk",
    "www.gov.uk", "assets.publishing.service.gov.uk", "www.ons.gov.uk",
})
REQUIRED_KEYS = ("id", "title", "publisher", "period", "landing_page", "path", "licence",
                 "url_seen")
OPTIONAL_KEYS = ("url", "sha256", "note")
# `url_seen` either names where the exact `url` was seen or begins with this and says why not.
NOT_SEEN = "not seen"
# Errors that mean the network, not the file, let us down. HTTPError (a URLError) is a reply
# from a reachable server and is caught before these.
NETWORK_ERRORS = (URLError, TimeoutError, ConnectionError, http.client.HTTPException)


class UsageError(ValueError):
    """The command cannot run as asked: unknown id, missing mirror folder, invalid manifest."""


class EntryFailed(Exception):
    """One file could not be had from a reachable source, or did not verify."""


class Unreachable(Exception):
    """The host did not answer (refused, DNS failure, timeout) or the connection dropped."""

    def __init__(self, host: str, interrupted_after: int | None = None):
        self.host = host
        self.interrupted_after = interrupted_after
        super().__init__(host)


class NotFound(EntryFailed):
    """A reachable source answered that it does not have the file (no such file, HTTP 404/410)."""


class NoSource(Exception):
    """Without a mirror there is nowhere to download this exact file from."""


class Status(StrEnum):
    UP_TO_DATE = "up to date"
    DOWNLOADED = "downloaded"
    UNVERIFIED = "downloaded unverified"
    OFFLINE = "offline"
    NOT_HELD = "not held"
    NO_SOURCE = "no source"
    FAILED = "failed"


STATUS_STYLE = {Status.UP_TO_DATE: "dim", Status.DOWNLOADED: "green", Status.UNVERIFIED: "yellow",
                Status.OFFLINE: "yellow", Status.NOT_HELD: "cyan", Status.NO_SOURCE: "yellow",
                Status.FAILED: "bold red"}


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    publisher: str
    period: str
    landing_page: str
    path: str
    licence: str
    url_seen: str
    url: str | None = None
    sha256: str | None = None
    note: str | None = None

    @property
    def is_exact_official_file(self) -> bool:
        """A `note` marks a converted or extracted copy: the publisher never served these bytes."""
        return self.url is not None and self.note is None

    @property
    def is_held(self) -> bool:
        """We hold a copy of exactly the files whose hash we know."""
        return self.sha256 is not None


@dataclass
class Outcome:
    entry_id: str
    status: Status
    message: str
    bytes_downloaded: int = 0


@dataclass
class FetchReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def with_status(self, status: Status) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status is status]

    def outcome_for(self, entry_id: str) -> Outcome:
        return next(outcome for outcome in self.outcomes if outcome.entry_id == entry_id)

    @property
    def exit_code(self) -> int:
        # Offline is expected on a laptop or in CI and the build copes; a bad file is not.
        return 1 if self.with_status(Status.FAILED) else 0

    def summary(self) -> str:
        counts = ", ".join(f"{len(self.with_status(status))} {status.value}" for status in Status)
        return f"fetch: {counts}"


# --- manifest -------------------------------------------------------------------------------

def load_manifest(path: Path = MANIFEST) -> list[Entry]:
    with path.open("rb") as handle:
        tables = tomllib.load(handle).get("file", [])
    entries = [entry_from_table(table, path) for table in tables]
    for key in ("id", "path"):
        values = [getattr(entry, key) for entry in entries]
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise UsageError(f"{path}: duplicate {key}: {', '.join(repeated)}")
    return entries


def entry_from_table(table: dict, manifest: Path) -> Entry:
    label = f"{manifest}: entry {table.get('id', '?')!r}"
    missing = [key for key in REQUIRED_KEYS if not table.get(key)]
    unknown = sorted(set(table) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if missing or unknown:
        raise UsageError(f"{label}: missing keys {missing}, unknown keys {unknown}")
    entry = Entry(**table)
    if not is_safe_relative_path(entry.path):
        raise UsageError(f"{label}: path must be relative and stay inside the destination")
    if entry.url is not None and not is_official_url(entry.url):
        raise UsageError(f"{label}: url must be https on an official host ({sorted(OFFICIAL_HOSTS)})")
    if entry.sha256 is not None and not is_sha256_hex(entry.sha256):
        raise UsageError(f"{label}: sha256 must be 64 lowercase hex digits")
    if entry.url is None and not entry.url_seen.startswith(NOT_SEEN):
        # Provenance of a URL we do not list would be a claim about nothing.
        raise UsageError(f"{label}: without a url, url_seen must begin '{NOT_SEEN}' and say why")
    return entry


def is_safe_relative_path(text: str) -> bool:
    # The path is joined onto the destination: it must not climb out of it.
    path = PurePosixPath(text)
    return not path.is_absolute() and ".." not in path.parts and "\\" not in text


def is_official_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.hostname in OFFICIAL_HOSTS


def is_sha256_hex(text: str) -> bool:
    return len(text) == 64 and all(char in "0123456789abcdef" for char in text)


def select_entries(entries: list[Entry], only: list[str] | None) -> list[Entry]:
    if only is None:
        return entries
    known = {entry.id for entry in entries}
    unknown = [entry_id for entry_id in only if entry_id not in known]
    if unknown:
        raise UsageError(f"unknown id {', '.join(unknown)}; known ids: {', '.join(sorted(known))}")
    return [entry for entry in entries if entry.id in only]


# --- sources --------------------------------------------------------------------------------

def parse_mirror(mirror: str | None) -> Path | str | None:
    """A mirror is a folder or an http(s) base URL holding files at their manifest paths."""
    if mirror is None:
        return None
    parts = urlsplit(mirror)
    if parts.scheme in ("http", "https"):
        try:
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError as error:
            raise UsageError(f"--mirror {mirror}: {error}") from None
        if not parts.hostname:
            raise UsageError(f"--mirror {mirror}: no host")
        return mirror.rstrip("/") + "/"
    if "://" in mirror:
        raise UsageError(f"--mirror {mirror}: only a folder or an http(s) URL is supported")
    folder = Path(mirror)
    if not folder.is_dir():
        raise UsageError(f"--mirror {mirror}: no such folder")
    return folder


def source_for(entry: Entry, mirror: Path | str | None) -> Path | str:
    if isinstance(mirror, Path):
        return mirror / entry.path
    if isinstance(mirror, str):
        return mirror + quote(entry.path)
    if entry.is_exact_official_file:
        return entry.url
    if entry.note:
        raise NoSource(f"a converted copy, not the publisher's own file (see its note in the "
                       f"manifest); only a mirror can supply it: use --mirror. Original "
                       f"publication: {entry.url or entry.landing_page}")
    raise NoSource(f"no direct file URL is known; download it from {entry.landing_page} "
                   f"into {entry.path} or use --mirror")


def host_of(url: str) -> str:
    return urlsplit(url).netloc


# --- transfer -------------------------------------------------------------------------------

class ByteProgress:
    """A rich progress bar for one file, shown only once its size is known."""

    def __init__(self, console: Console, label: str):
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                             TransferSpeedColumn(), TimeRemainingColumn(),
                             console=console, transient=True,
                             disable=not console.is_terminal)  # no bar in logs and pipes
        self._label = label
        self._task = None

    def __enter__(self) -> ByteProgress:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._task is not None:
            self._bar.stop()

    def start(self, total: int | None, completed: int) -> None:
        if total is None:
            return
        if self._task is None:
            self._bar.start()
            self._task = self._bar.add_task(self._label, total=total, completed=completed)
        else:  # a restarted download reuses the bar
            self._bar.reset(self._task, total=total, completed=completed)

    def advance(self, size: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, size)


def copy_to_part(source: Path, part: Path, progress: ByteProgress) -> int:
    """Copy from a mirror folder; always whole, since a local copy is cheap to redo."""
    if not source.is_file():
        raise NotFound(f"the mirror folder has no {source}")
    progress.start(source.stat().st_size, 0)
    part.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as reader, part.open("wb") as writer:
        while chunk := reader.read(CHUNK_BYTES):
            writer.write(chunk)
            progress.advance(len(chunk))
    return part.stat().st_size


def download_to_part(url: str, part: Path, progress: ByteProgress) -> tuple[int, int]:
    """GET `url` into `part`, resuming an existing `part`. Returns (bytes received, resumed at)."""
    resume_at = part.stat().st_size if part.exists() else 0
    try:
        response = urlopen(build_request(url, resume_at), timeout=TIMEOUT_SECONDS)
    except HTTPError as error:
        if error.code == 416 and resume_at:
            # The .part is already as long as the file or longer: start afresh rather than guess.
            part.unlink()
            return download_to_part(url, part, progress)
        failure = NotFound if error.code in (404, 410) else EntryFailed
        raise failure(f"HTTP {error.code} {error.reason} from {url}") from None
    except NETWORK_ERRORS:
        raise Unreachable(host_of(url)) from None
    with response:
        if response.status == 206 and content_range_start(response) != resume_at:
            # A range we did not ask for cannot be appended safely: start afresh.
            part.unlink(missing_ok=True)
            response.close()
            return download_to_part(url, part, progress)
        if response.status != 206:
            resume_at = 0  # the server sent the whole file: overwrite the .part
        total = expected_total_size(response, resume_at)
        progress.start(total, resume_at)
        received = stream_to_file(response, part, append=resume_at > 0, progress=progress,
                                  host=host_of(url))
    if total is not None and resume_at + received < total:
        # The connection closed early without an error: keep the .part for next time.
        raise Unreachable(host_of(url), interrupted_after=resume_at + received)
    return received, resume_at


def build_request(url: str, resume_at: int) -> Request:
    headers = {"User-Agent": USER_AGENT}
    if resume_at:
        headers["Range"] = f"bytes={resume_at}-"
    return Request(url, headers=headers)


def content_range_start(response) -> int | None:
    # "bytes 1000-1999/2000" -> 1000
    value = response.headers.get("Content-Range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def expected_total_size(response, resume_at: int) -> int | None:
    total_from_range = response.headers.get("Content-Range", "").rpartition("/")[2]
    if response.status == 206 and total_from_range.isdigit():
        return int(total_from_range)
    length = response.headers.get("Content-Length")
    return resume_at + int(length) if length and length.isdigit() else None


def stream_to_file(response, part: Path, *, append: bool, progress: ByteProgress,
                   host: str) -> int:
    received = 0
    part.parent.mkdir(parents=True, exist_ok=True)
    with part.open("ab" if append else "wb") as writer:
        while True:
            try:
                chunk = response.read(CHUNK_BYTES)
            except (*NETWORK_ERRORS, OSError):
                # What arrived so far stays in the .part; the next run resumes from there.
                writer.flush()
                raise Unreachable(host, interrupted_after=part.stat().st_size) from None
            if not chunk:
                return received
            writer.write(chunk)
            received += len(chunk)
            progress.advance(len(chunk))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def verify_part(entry: Entry, part: Path, source: Path | str) -> None:
    if entry.sha256 is None:
        return
    actual = sha256_of(part)
    if actual != entry.sha256:
        # A wrong file must not linger where a later run would resume onto it.
        part.unlink()
        raise EntryFailed(
            f"sha256 mismatch for {entry.path} from {source}: expected {entry.sha256}, got "
            f"{actual}. The download was discarded. If the publisher has revised the file, "
            f"check the new one and update sha256 for '{entry.id}' in etl/registry/manifest.toml; "
            f"otherwise try again or use another --mirror.")


# --- one entry, all entries -----------------------------------------------------------------

def part_path(target: Path) -> Path:
    return target.with_name(target.name + ".part")


def is_up_to_date(target: Path, entry: Entry) -> bool:
    if not target.is_file():
        return False
    # Without a known hash there is nothing to compare: a present file is as good as we can tell.
    return entry.sha256 is None or sha256_of(target) == entry.sha256


def fetch_entry(entry: Entry, destination: Path, mirror: Path | str | None, console: Console,
                unreachable_hosts: set[str]) -> Outcome:
    target = destination / entry.path
    if is_up_to_date(target, entry):
        return Outcome(entry.id, Status.UP_TO_DATE, "up to date")
    try:
        source = source_for(entry, mirror)
    except NoSource as reason:
        if not entry.is_held:
            return not_held_outcome(entry, target)
        return Outcome(entry.id, Status.NO_SOURCE, f"not downloaded: {reason}")
    if isinstance(source, str) and host_of(source) in unreachable_hosts:
        # One timeout per host is enough: do not wait again for every file it holds.
        return offline_outcome(entry, Unreachable(host_of(source)))
    part = part_path(target)
    try:
        with ByteProgress(console, entry.id) as progress:
            if isinstance(source, Path):
                received, resumed_at = copy_to_part(source, part, progress), 0
            else:
                received, resumed_at = download_to_part(source, part, progress)
        verify_part(entry, part, source)
    except Unreachable as unreachable:
        if unreachable.interrupted_after is None:  # a dropped transfer may be transient
            unreachable_hosts.add(unreachable.host)
        return offline_outcome(entry, unreachable)
    except NotFound as missing:
        # A mirror holds only what someone gave it; an official URL that is gone is our error.
        if not entry.is_held and mirror is not None:
            return not_held_outcome(entry, target)
        return Outcome(entry.id, Status.FAILED, f"failed: {missing}")
    except EntryFailed as failure:
        return Outcome(entry.id, Status.FAILED, f"failed: {failure}")
    os.replace(part, target)
    return downloaded_outcome(entry, source, received, resumed_at)


def downloaded_outcome(entry: Entry, source: Path | str, received: int,
                       resumed_at: int) -> Outcome:
    resumed = f" (resumed after {resumed_at:,} bytes)" if resumed_at else ""
    message = f"downloaded {received:,} bytes from {source}{resumed}"
    if entry.is_held:
        return Outcome(entry.id, Status.DOWNLOADED, message, received)
    return Outcome(entry.id, Status.UNVERIFIED,
                   f"{message}; unverified: the manifest has no sha256 for '{entry.id}' (we hold "
                   f"no copy to compare), so check the file and add its hash", received)


def not_held_outcome(entry: Entry, target: Path) -> Outcome:
    where = entry.url or f"it from {entry.landing_page}"
    return Outcome(entry.id, Status.NOT_HELD, f"not held: download {where} into {target} and build")


def offline_outcome(entry: Entry, unreachable: Unreachable) -> Outcome:
    if unreachable.interrupted_after is not None:
        message = (f"offline: lost the connection to {unreachable.host} after "
                   f"{unreachable.interrupted_after:,} bytes (kept to resume next time); "
                   f"the build will use the files already present")
    else:
        message = (f"offline: could not reach {unreachable.host}; "
                   f"the build will use the files already present")
    return Outcome(entry.id, Status.OFFLINE, message)


def fetch(destination: Path, mirror: str | None = None, only: list[str] | None = None,
          console: Console | None = None) -> FetchReport:
    """Bring every selected manifest file into `destination`, verified. Raises UsageError."""
    console = console or Console(stderr=True, soft_wrap=True)
    entries = select_entries(load_manifest(), only)
    mirror_source = parse_mirror(mirror)
    destination = Path(destination)
    console.print(f"Fetching {len(entries)} files into {destination}"
                  + (f" from mirror {mirror}" if mirror else " from the publishers"),
                  markup=False, highlight=False)
    report = FetchReport()
    unreachable_hosts: set[str] = set()
    for entry in entries:
        outcome = fetch_entry(entry, destination, mirror_source, console, unreachable_hosts)
        console.print(f"{entry.id}: {outcome.message}", style=STATUS_STYLE[outcome.status],
                      markup=False, highlight=False)
        report.outcomes.append(outcome)
    return report


# --- command line ---------------------------------------------------------------------------

def add_fetch_command(subparsers) -> None:
    """Register `fetch` on an argparse subparsers object; the caller runs `args.func(args)`."""
    parser = subparsers.add_parser(
        "fetch", help="download the official publications listed in etl/registry/manifest.toml",
        description="Download the publications in etl/registry/manifest.toml, verify each by "
                    "sha256 and move it into place. Offline is not an error: the build uses the "
                    "files already present; nor is a publication we hold no copy of (not held). "
                    "Exit 0 ok, offline or not held, 1 a file failed, 2 usage.")
    parser.add_argument("--dest", type=Path, default=DEFAULT_DESTINATION,
                        help=f"folder to download into (default {DEFAULT_DESTINATION})")
    parser.add_argument("--mirror", metavar="DIR_OR_URL",
                        help="a folder or http(s) URL holding the files at their manifest paths; "
                             "the only source for converted copies")
    parser.add_argument("--only", nargs="+", action="extend", metavar="ID",
                        help="fetch only these manifest ids")
    parser.set_defaults(func=run_fetch)


def run_fetch(args: argparse.Namespace) -> int:
    console = Console(stderr=True, soft_wrap=True)
    try:
        report = fetch(args.dest, mirror=args.mirror, only=args.only, console=console)
    except UsageError as error:
        print(f"fetch: {error}", file=sys.stderr)
        return 2
    console.print(report.summary(), markup=False, highlight=False)
    return report.exit_code
