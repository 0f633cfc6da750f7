"""The README's curl and pandas examples, run against a live server on the full dataset."""
from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess

import pytest

from ..conftest import PROJECT

README = (PROJECT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.fixture(scope="module")
def server(full_url):
    return full_url


def test_the_readme_curl_example_returns_the_csv_it_promises(server):
    commands = [b for b in _blocks("sh") if "curl" in b]
    assert len(commands) == 1
    if shutil.which("curl") is None:
        pytest.fail("curl is needed to run the README's example: apt-get install -y curl")
    command = commands[0].strip().replace("http://127.0.0.1:8050", server)
    output = subprocess.run(command, shell=True, capture_output=True, text=True, check=True).stdout
    lines = output.splitlines()
    assert lines[0].startswith("area_code,area_name,area_type,region_code,period,measure_id")
    assert [line.split(",")[:2] for line in lines[1:]] == [["E92000001", "England"], ["E06000005", "Darlington"]]
    assert lines[2].split(",")[10] == "95.8"


def test_the_readme_pandas_example_reads_the_north_east_mental_health_figures(server):
    examples = [b for b in _blocks("python") if "observations.csv?" in b]
    assert len(examples) == 1
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(examples[0].replace("http://127.0.0.1:8050", server), {})
    text = printed.getvalue()
    first = text.splitlines()[1].split()
    assert first[1:4] == ["E08000037", "Gateshead", "41.3"]
    # Buckinghamshire's county code leads to the unitary code that holds its figures.
    assert text.splitlines()[-1] == "E06000060 2020-04-01"


def test_the_readme_reads_the_bundle_from_its_package_descriptor(server):
    examples = [b for b in _blocks("python") if "datapackage.json" in b]
    assert len(examples) == 1
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(examples[0].replace("http://127.0.0.1:8050", server), {})
    lines = printed.getvalue().splitlines()
    assert lines[0].split() == ["value", "source_file", "landing_page"] and len(lines) == 2
    value, file_name, page = lines[1].split(maxsplit=2)
    assert float(value) > 0 and "/" not in file_name
    assert page.startswith("https://digital.nhs.uk/")
