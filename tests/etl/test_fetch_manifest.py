"""The fetch manifest names a source for every year we support, and says where each URL was seen."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from etl.fetch import NOT_SEEN, OFFICIAL_HOSTS, UsageError, load_manifest

ENTRY = '''
[[file]]
id = "x"
title = "t"
publisher = "p"
period = "2019-20"
landing_page = "https://digital.nhs.uk/x"
path = "salt/x.xlsx"
licence = "Open Government Licence v3.0"
'''


def financial_years(first: int, last: int) -> list[str]:
    """financial_years(2014, 2016) -> ["2014-15", "2015-16", "2016-17"]; 2099 -> "2099-00"."""
    return [f"{year}-{(year + 1) % 100:02d}" for year in range(first, last + 1)]


def periods_of(prefix: str) -> set[str]:
    return {entry.period for entry in load_manifest() if entry.id.startswith(prefix)}


@pytest.mark.parametrize("prefix, years", [
    ("ascof-", financial_years(2014, 2024)),
    ("salt-", financial_years(2014, 2024)),
    ("pssex1-activity-", financial_years(2006, 2013)),
])
def test_every_supported_year_has_an_entry(prefix, years):
    assert set(years) <= periods_of(prefix)


def test_the_expenditure_year_after_pssex1_is_listed():
    entry = next(entry for entry in load_manifest() if entry.id == "pss-expenditure-2014-15")
    assert entry.period == "2014-15" and entry.is_held


def test_every_entry_has_an_official_landing_page_and_says_where_its_url_was_seen():
    for entry in load_manifest():
        assert urlsplit(entry.landing_page).hostname in OFFICIAL_HOSTS, entry.id
        assert entry.url_seen, entry.id
        if entry.url is None:
            assert entry.url_seen.startswith(NOT_SEEN), entry.id
        elif not entry.url_seen.startswith(NOT_SEEN):
            # A claimed sighting names a page or a repository file, never just "yes".
            assert entry.url_seen.startswith(("https://", "GitHub ")), entry.id


def test_known_urls_and_their_sightings():
    by_id = {entry.id: entry for entry in load_manifest()}
    salt = by_id["salt-ascfr-2023-24"]
    assert salt.url == ("https://files.digital.nhs.uk/21/38468F/"
                        "ASCFR%20and%20SALT%20Data%20Tables%202023-24.xlsx")
    assert salt.url_seen.startswith("GitHub tompickup23/ukdemographics: ")
    assert not salt.is_held
    ascof = by_id["ascof-2019-20-open-data"]
    assert ascof.url.endswith("/meas-from-asc-of-eng-1920-open-data-csv.csv")
    # The held 2021-22 tables are the publisher's own file, so the official URL can supply them.
    assert by_id["salt-ascfr-2021-22"].is_exact_official_file


def write_manifest(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(text)
    return path


def test_an_entry_without_url_seen_is_refused(tmp_path):
    with pytest.raises(UsageError, match=r"missing keys \['url_seen'\]"):
        load_manifest(write_manifest(tmp_path, ENTRY))


def test_a_sighting_claimed_for_a_url_we_do_not_list_is_refused(tmp_path):
    manifest = write_manifest(tmp_path, ENTRY + 'url_seen = "GitHub someone/somewhere"\n')
    with pytest.raises(UsageError, match="without a url, url_seen must begin 'not seen'"):
        load_manifest(manifest)


def test_the_old_url_checked_key_is_refused(tmp_path):
    manifest = write_manifest(tmp_path, ENTRY + 'url_seen = "not seen: no link"\n'
                                                'url_checked = false\n')
    with pytest.raises(UsageError, match=r"unknown keys \['url_checked'\]"):
        load_manifest(manifest)
