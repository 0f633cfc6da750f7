"""`python -m etl fetch` against the real publications, served by a real HTTP server on loopback.

The server serves ../shared/realdata read-only and honours `Range: bytes=N-`, which the stdlib
handler does not, so resuming is exercised the way a real web server would answer it.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rich.console import Console

import etl.fetch
from etl.fetch import (OFFICIAL_HOSTS, Entry, Status, add_fetch_command, fetch,
                       load_manifest)

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
MANIFEST_FOLDERS = ("ascof", "ascof_stack", "salt", "pssex1", "pss_expenditure", "ons_population")
SMALL_ID = "pssex1-activity-2011-12"
SMALL_PATH = "pssex1/Final_Council_Level_Activity_Data_2011_12.csv"
RESUME_ID = "ons-mye-2016"
RESUME_PATH = "ons_population/ukmidyearestimates2016.xls"

pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason=f"needs {REALDATA}")


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Serves files, answering `Range: bytes=N-` with 206, and logs every request's headers."""

    def do_GET(self):
        self.server.requests.append({"path": self.path, **dict(self.headers)})
        requested = self.headers.get("Range", "")
        if not requested.startswith("bytes=") or not requested.endswith("-"):
            return super().do_GET()
        file = Path(self.translate_path(self.path))
        if not file.is_file():
            return self.send_error(404)
        start, size = int(requested[len("bytes="):-1]), file.stat().st_size
        if start >= size:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            return self.end_headers()
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(file)))
        self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.send_header("Content-Length", str(size - start))
        self.end_headers()
        with file.open("rb") as handle:
            handle.seek(start)
            shutil.copyfileobj(handle, self.wfile)

    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0),
                                partial(RangeRequestHandler, directory=str(REALDATA)))
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def mirror_url(server) -> str:
    server.requests.clear()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def quiet_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=400, soft_wrap=True), buffer


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl")
    add_fetch_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["fetch", *argv])
    return args.func(args)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def held(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.is_held]


def not_held(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if not entry.is_held]


def test_manifest_covers_every_real_file_with_its_hash():
    entries = load_manifest()
    real_files = {path.relative_to(REALDATA).as_posix(): path
                  for folder in MANIFEST_FOLDERS for path in files_under(REALDATA / folder)}
    assert {entry.path for entry in held(entries)} == set(real_files)
    for entry in held(entries):
        assert entry.sha256 == sha256_of(real_files[entry.path]), entry.id
    # A publication we do not hold must not shadow a file we do.
    assert not {entry.path for entry in not_held(entries)} & set(real_files)
    assert {entry.licence for entry in entries} == {"Open Government Licence v3.0"}


def test_manifest_urls_are_official_and_converted_copies_say_so():
    entries = load_manifest()
    for entry in entries:
        for url in filter(None, (entry.url, entry.landing_page)):
            assert url.startswith("https://"), (entry.id, url)
            assert url.split("/")[2] in OFFICIAL_HOSTS, (entry.id, url)
    # realdata/README.md: the ASCOF 1C CSVs and the PSS-EX1 CSVs are converted copies.
    converted = {entry.id for entry in entries if entry.note}
    assert {"ascof-1c-2014-15", "ascof-1c-2017-18", "pssex1-activity-2009-10",
            "pssex1-activity-2012-13", "ascof-stack-2017-18-to-2023-24"} <= converted
    assert "pssex1-activity-2006-07" not in converted  # the published workbook itself
    assert not any(entry.is_exact_official_file for entry in entries if entry.note)


def test_fetch_everything_from_http_mirror_then_nothing_to_do(tmp_path, server, mirror_url):
    destination = tmp_path / "downloaded"
    console, output = quiet_console()
    report = fetch(destination, mirror=mirror_url, console=console)

    entries = load_manifest()
    expected = [Status.DOWNLOADED if entry.is_held else Status.NOT_HELD for entry in entries]
    assert [outcome.status for outcome in report.outcomes] == expected
    assert files_under(destination) == sorted(destination / entry.path for entry in held(entries))
    for entry in held(entries):
        assert sha256_of(destination / entry.path) == entry.sha256, entry.id
    assert len(server.requests) == len(entries)  # the server 404s the ones it does not hold
    assert "ons-mye-2020: downloaded 2,825,728 bytes from http://127.0.0.1" in output.getvalue()
    assert report.exit_code == 0

    server.requests.clear()
    again = fetch(destination, mirror=mirror_url, console=quiet_console()[0])
    assert [outcome.status for outcome in again.outcomes] == [
        Status.UP_TO_DATE if entry.is_held else Status.NOT_HELD for entry in entries]
    # Only what is still missing is asked for again.
    assert len(server.requests) == len(not_held(entries))


def test_interrupted_download_resumes_with_a_range_request(tmp_path, server, mirror_url):
    destination = tmp_path / "downloaded"
    original = (REALDATA / RESUME_PATH).read_bytes()
    half = len(original) // 2
    part = destination / (RESUME_PATH + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(original[:half])

    report = fetch(destination, mirror=mirror_url, only=[RESUME_ID], console=quiet_console()[0])

    assert [request.get("Range") for request in server.requests] == [f"bytes={half}-"]
    outcome = report.outcome_for(RESUME_ID)
    assert outcome.status is Status.DOWNLOADED
    assert outcome.bytes_downloaded == len(original) - half
    assert f"resumed after {half:,} bytes" in outcome.message
    assert (destination / RESUME_PATH).read_bytes() == original
    assert not part.exists()


def test_a_part_longer_than_the_file_is_restarted_cleanly(tmp_path, server, mirror_url):
    destination = tmp_path / "downloaded"
    original = (REALDATA / SMALL_PATH).read_bytes()
    part = destination / (SMALL_PATH + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(original + b"stale bytes from some other version")
    stale_size = part.stat().st_size

    report = fetch(destination, mirror=mirror_url, only=[SMALL_ID], console=quiet_console()[0])

    # The server answers 416 to a range past its end; the fetch then asks for the whole file.
    assert [request.get("Range") for request in server.requests] == [f"bytes={stale_size}-", None]
    assert report.outcome_for(SMALL_ID).status is Status.DOWNLOADED
    assert (destination / SMALL_PATH).read_bytes() == original


def test_corrupt_mirror_file_is_rejected_and_nothing_is_left(tmp_path, capsys):
    mirror = tmp_path / "mirror"
    good_id, good_path = "pssex1-activity-2010-11", "pssex1/Final_Council_Level_Activity_Data_2010-11.csv"
    (mirror / "pssex1").mkdir(parents=True)
    shutil.copyfile(REALDATA / good_path, mirror / good_path)
    corrupted = bytearray((REALDATA / SMALL_PATH).read_bytes())
    corrupted[100:104] = b"9999"
    (mirror / SMALL_PATH).write_bytes(bytes(corrupted))
    destination = tmp_path / "downloaded"

    exit_code = run_cli("--dest", str(destination), "--mirror", str(mirror),
                        "--only", SMALL_ID, good_id)

    assert exit_code == 1
    expected = next(entry.sha256 for entry in load_manifest() if entry.id == SMALL_ID)
    actual = hashlib.sha256(bytes(corrupted)).hexdigest()
    err = capsys.readouterr().err
    assert f"{SMALL_ID}: failed: sha256 mismatch for {SMALL_PATH}" in err
    assert f"expected {expected}, got {actual}" in err
    assert "update sha256 for 'pssex1-activity-2011-12' in etl/registry/manifest.toml" in err
    assert not (destination / SMALL_PATH).exists()
    assert not (destination / (SMALL_PATH + ".part")).exists()
    assert sha256_of(destination / good_path) == sha256_of(REALDATA / good_path)
    assert "1 downloaded" in err and "1 failed" in err


def test_mirror_folder_without_the_file_fails(tmp_path, capsys):
    mirror = tmp_path / "empty-mirror"
    mirror.mkdir()
    exit_code = run_cli("--dest", str(tmp_path / "out"), "--mirror", str(mirror), "--only", SMALL_ID)
    assert exit_code == 1
    assert f"{SMALL_ID}: failed: the mirror folder has no {mirror / SMALL_PATH}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_folder_mirror_for_one_entry(tmp_path):
    destination = tmp_path / "downloaded"
    exit_code = run_cli("--dest", str(destination), "--mirror", str(REALDATA), "--only", SMALL_ID)
    assert exit_code == 0
    assert files_under(destination) == [destination / SMALL_PATH]
    assert (destination / SMALL_PATH).read_bytes() == (REALDATA / SMALL_PATH).read_bytes()


def test_offline_mirror_is_reported_and_not_an_error(tmp_path, capsys):
    port = closed_port()
    destination = tmp_path / "downloaded"
    exit_code = run_cli("--dest", str(destination), "--mirror", f"http://127.0.0.1:{port}/")
    assert exit_code == 0
    err = capsys.readouterr().err
    message = (f"offline: could not reach 127.0.0.1:{port}; "
               f"the build will use the files already present")
    assert err.count(message) == len(load_manifest())
    assert not destination.exists() or files_under(destination) == []


def test_converted_copies_need_a_mirror(tmp_path):
    # No mirror and no network needed: a converted copy has no official download to try.
    report = fetch(tmp_path, only=["ascof-1c-2014-15"], console=quiet_console()[0])
    outcome = report.outcome_for("ascof-1c-2014-15")
    assert outcome.status is Status.NO_SOURCE
    assert "only a mirror can supply it: use --mirror" in outcome.message
    assert report.exit_code == 0
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("argv", [["--only", "no-such-id"], ["--mirror", "/no/such/folder"],
                                  ["--mirror", "ftp://example.invalid/"]])
def test_usage_errors_exit_2(tmp_path, argv, capsys):
    assert run_cli("--dest", str(tmp_path), *argv) == 2
    assert "fetch: " in capsys.readouterr().err



# --- publications we do not hold ------------------------------------------------------------

def test_realdata_mirror_fetches_what_we_hold_and_names_what_we_do_not(tmp_path, capsys):
    # What `make run` does here: the mirror lacks every year we hold no copy of, and that is fine.
    destination = tmp_path / "downloaded"
    exit_code = run_cli("--dest", str(destination), "--mirror", str(REALDATA))

    assert exit_code == 0
    entries = load_manifest()
    err = capsys.readouterr().err
    assert f"{len(held(entries))} downloaded" in err
    assert f"{len(not_held(entries))} not held" in err and "0 failed" in err
    salt_2019 = destination / "salt" / "ASCFR and SALT Reference Tables 2019-20.xlsx"
    assert (f"salt-ascfr-2019-20: not held: download https://files.digital.nhs.uk/BF/7AEF16/"
            f"ASCFR%20and%20SALT%20Reference%20Tables%202019-20.xlsx into {salt_2019} and build"
            in err)
    # Without a known file URL the message points at the release page instead.
    assert ("pssex1-activity-2013-14: not held: download it from https://digital.nhs.uk/"
            "data-and-information/publications/statistical/adult-social-care-activity-and-finance-"
            "report/personal-social-services-expenditure-and-unit-costs-england-2013-14-final-"
            "release into ") in err
    assert files_under(destination) == sorted(destination / entry.path for entry in held(entries))


def test_a_held_file_missing_from_the_mirror_still_fails(tmp_path, capsys):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    held_id, missing_id = "pss-expenditure-2014-15", "pssex1-activity-2007-08"
    exit_code = run_cli("--dest", str(tmp_path / "out"), "--mirror", str(mirror),
                        "--only", held_id, missing_id)

    assert exit_code == 1
    err = capsys.readouterr().err
    assert (f"{held_id}: failed: the mirror folder has no "
            f"{mirror / 'pss_expenditure/pss-exp-eng-14-15-fin-coun-lev-exp-data.csv'}") in err
    assert f"{missing_id}: not held: download it from https://digital.nhs.uk/" in err
    assert "1 not held" in err and "1 failed" in err


def loopback_entry(url: str, **fields) -> Entry:
    """An entry whose `url` is the loopback server, standing in for an official host."""
    return Entry(id="loopback", title="t", publisher="p", period="2099-00", landing_page=url,
                 path="salt/loopback.csv", licence="Open Government Licence v3.0",
                 url_seen="test", url=url, **fields)


def test_an_unverifiable_download_is_kept_and_said_to_be_unverified(tmp_path, server, mirror_url,
                                                                    monkeypatch):
    entry = loopback_entry(mirror_url + SMALL_PATH)
    monkeypatch.setattr(etl.fetch, "load_manifest", lambda: [entry])
    destination = tmp_path / "downloaded"

    report = fetch(destination, console=quiet_console()[0])

    outcome = report.outcome_for("loopback")
    assert outcome.status is Status.UNVERIFIED
    assert outcome.bytes_downloaded == (REALDATA / SMALL_PATH).stat().st_size
    assert "unverified: the manifest has no sha256 for 'loopback'" in outcome.message
    assert (destination / entry.path).read_bytes() == (REALDATA / SMALL_PATH).read_bytes()
    assert not list(destination.rglob("*.part"))
    assert report.exit_code == 0


def test_an_unverifiable_download_never_replaces_a_file_in_place(tmp_path, server, mirror_url,
                                                                 monkeypatch):
    entry = loopback_entry(mirror_url + SMALL_PATH)
    monkeypatch.setattr(etl.fetch, "load_manifest", lambda: [entry])
    target = tmp_path / entry.path
    target.parent.mkdir(parents=True)
    target.write_bytes(b"the user's own copy")

    report = fetch(tmp_path, console=quiet_console()[0])

    assert report.outcome_for("loopback").status is Status.UP_TO_DATE
    assert target.read_bytes() == b"the user's own copy"
    assert server.requests == []


def test_an_official_url_that_is_gone_fails_even_for_a_file_we_do_not_hold(tmp_path, server,
                                                                           mirror_url, monkeypatch):
    # A mirror may lack what it was never given; a 404 from the publisher means our url is wrong.
    entry = loopback_entry(mirror_url + "salt/no-such-file.xlsx")
    monkeypatch.setattr(etl.fetch, "load_manifest", lambda: [entry])

    report = fetch(tmp_path, console=quiet_console()[0])

    outcome = report.outcome_for("loopback")
    assert outcome.status is Status.FAILED
    assert outcome.message.startswith("failed: HTTP 404")
    assert report.exit_code == 1


def test_not_held_without_a_url_points_at_the_landing_page(tmp_path):
    # No mirror and no network needed: there is nothing to download from.
    report = fetch(tmp_path, only=["salt-cld-activity-2024-25"], console=quiet_console()[0])
    outcome = report.outcome_for("salt-cld-activity-2024-25")
    assert outcome.status is Status.NOT_HELD
    assert outcome.message == (
        "not held: download it from https://www.gov.uk/government/statistics/adult-social-care-"
        "activity-report-england-2024-to-2025 into "
        f"{tmp_path / 'salt/adult-social-care-activity-report-2024-25-data-tables.ods'} and build")
    assert report.exit_code == 0
    assert files_under(tmp_path) == []
