"""Property-based tests (hypothesis) for the value parser and the layout detector.

The parser: every number a publication could print reads back as itself, markers map to their
statuses, and any other input either parses or raises ValueParseError quoting the text, never
anything else. The detector: a layout's header row is recognised however it is cased, spaced,
dashed, reordered or padded with other columns, anywhere in the rows searched; whatever the
sheet, every match it reports is backed by the full signature, and it raises nothing.
"""
from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from etl.detect import detect_layouts, normalise_header
from etl.readers import Sheet, cell_text
from etl.registry import load_layouts
from etl.values import MARKER_STATUS, ValueParseError, parse_value

LAYOUTS = load_layouts()
STATUSES = {"published", "suppressed", "not_applicable", "missing"}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WHITESPACE = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", " \n "])


# -- the value parser -----------------------------------------------------------------------
@st.composite
def printed_numbers(draw) -> tuple[str, float]:
    """A number as a publication prints it: sign, optional thousands commas, decimals, padding."""
    whole = draw(st.integers(min_value=0, max_value=10**13))
    digits = f"{whole:,}" if draw(st.booleans()) else str(whole)
    decimals = draw(st.text("0123456789", max_size=4))
    sign = draw(st.sampled_from(["", "-", "+"]))
    text = sign + digits + (f".{decimals}" if decimals else "")
    expected = float(sign + str(whole) + (f".{decimals}" if decimals else ""))
    padded = draw(st.text(" \t\n", max_size=2)) + text + draw(st.text(" \t\n", max_size=2))
    return padded, expected


@SETTINGS
@given(printed_numbers())
def test_any_printed_number_reads_back_as_itself(printed):
    text, expected = printed
    assert parse_value(text) == (expected, "published")


@SETTINGS
@given(printed_numbers(), st.sampled_from(["%", " %"]))
def test_a_percent_sign_is_read_in_a_percentage_and_refused_in_a_count(printed, sign):
    text, expected = printed
    assert parse_value(text + sign, allow_percent=True) == (expected, "published")
    with pytest.raises(ValueParseError) as error:
        parse_value(text + sign)
    cleaned = " ".join((text + sign).split())
    assert str(error.value) == (f"'{cleaned}' is not a number or a known marker: it has a percent "
                                "sign where a count is expected")
    assert error.value.hint.startswith("Write the count itself")


@SETTINGS
@given(st.integers(min_value=1, max_value=999), st.lists(
    st.text("0123456789", min_size=1, max_size=5).filter(lambda group: len(group) != 3),
    min_size=1, max_size=3))
def test_thousands_commas_must_group_threes(head, groups):
    text = ",".join([str(head), *groups])
    with pytest.raises(ValueParseError, match="is not a number or a known marker"):
        parse_value(text)


@SETTINGS
@given(st.sampled_from(sorted(MARKER_STATUS)), st.booleans(), WHITESPACE, WHITESPACE)
def test_markers_map_to_their_statuses_whatever_their_case_and_padding(marker, upper, left, right):
    text = left + (marker.upper() if upper else marker) + right
    assert parse_value(text) == (None, MARKER_STATUS[marker])


@SETTINGS
@given(st.text(st.characters(blacklist_categories=["Nd", "Zs", "Cc"]), min_size=1, max_size=6)
       .filter(lambda m: " ".join(m.split()) == m and m.lower() not in MARKER_STATUS),
       st.sampled_from(sorted(STATUSES - {"published"})))
def test_a_layouts_own_markers_take_their_status(marker, status):
    assert parse_value(f" {marker} ", {marker.lower(): status}) == (None, status)


CELLS = st.one_of(
    st.text(), st.none(), st.booleans(), st.integers(), st.floats(),
    st.integers(min_value=-10**400, max_value=10**400), st.datetimes(), st.dates(),
    st.text("0123456789,.%-+[]cxz* \u00a0", max_size=12))


@SETTINGS
@given(CELLS)
def test_anything_else_parses_or_raises_value_parse_error_quoting_it(cell):
    try:
        number, status = parse_value(cell)
    except ValueParseError as error:
        shown = str(cell) if isinstance(cell, (int, float)) and not isinstance(cell, bool) \
            else " ".join(str(cell).split())
        assert f"'{shown}'" in str(error)
        return
    assert status in STATUSES
    assert (number is None) == (status != "published")
    if number is not None:
        assert isinstance(number, float) and number == number and abs(number) != float("inf")


# -- the layout detector --------------------------------------------------------------------
def _vary_case(text: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c.lower() for c, flip in zip(text, flips + [False] * len(text)))


@st.composite
def disguised(draw, header: str) -> str:
    """A signature header as someone might retype it: case, spacing, line breaks, dashes."""
    text = _vary_case(header, draw(st.lists(st.booleans(), min_size=len(header), max_size=len(header))))
    text = "".join(draw(WHITESPACE) if c == " " else
                   draw(st.sampled_from(["-", "\u2013", "\u2014", "\u2212"])) if c == "-" else c
                   for c in text)
    return draw(st.text(" \n", max_size=2)) + text + draw(st.text(" \n", max_size=2))


JUNK_CELL = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                      st.text(max_size=20), st.booleans(), st.datetimes())


def _fits(layout, name: str, title: str | None) -> bool:
    """Whether a sheet name and title let the layout's signature count (for the assumptions)."""
    return (layout.sheet_pattern is None or bool(layout.sheet_pattern.search(name))) and \
        (layout.title_pattern is None or bool(layout.title_pattern.search(cell_text(title))))


@st.composite
def layout_sheets(draw, beyond_window: bool = False):
    """(layout, sheet, header index): a sheet holding one layout's header row, disguised."""
    layout = draw(st.sampled_from(LAYOUTS))
    name = draw(st.from_regex(layout.sheet_pattern, fullmatch=True)) if layout.sheet_pattern \
        else draw(st.text(min_size=1, max_size=31))
    title = draw(st.from_regex(layout.title_pattern, fullmatch=True)) if layout.title_pattern else None
    # The detector matches the title after collapsing its spacing: keep titles that survive that.
    assume(_fits(layout, name, title))
    headers = [draw(disguised(h)) for h in layout.signature]
    extras = draw(st.lists(st.one_of(st.none(), st.text(max_size=15), st.integers()), max_size=6))
    row = draw(st.permutations(headers + extras))
    window = layout.header_search_rows
    above = draw(st.integers(window, window + 15) if beyond_window else st.integers(0, window - 2))
    junk = draw(st.lists(st.lists(JUNK_CELL, max_size=8), min_size=above, max_size=above))
    rows = ([[title]] if title else [[]]) + junk + [row] + \
        draw(st.lists(st.lists(JUNK_CELL, max_size=8), max_size=5))
    return layout, Sheet(name, rows), 1 + above


def _junk_clean(sheet: Sheet, header_index: int) -> bool:
    """No junk cell happens to be a signature header (which could make another row match)."""
    signature_text = {normalise_header(h) for layout in LAYOUTS for h in layout.signature}
    return not any(normalise_header(cell) in signature_text
                   for i, row in enumerate(sheet.rows) if i != header_index for cell in row)


@SETTINGS
@given(layout_sheets())
def test_a_disguised_header_row_is_still_recognised_where_it_is(case):
    layout, sheet, header_index = case
    assume(_junk_clean(sheet, header_index))
    matches, _ = detect_layouts([sheet], LAYOUTS)
    assert [(m.layout.layout_id, m.header_index) for m in matches] == [(layout.layout_id, header_index)]


@SETTINGS
@given(layout_sheets(beyond_window=True))
def test_a_header_row_below_the_rows_searched_is_not_matched_but_is_located(case):
    layout, sheet, header_index = case
    assume(_junk_clean(sheet, header_index))
    matches, closest = detect_layouts([sheet], LAYOUTS)
    assert matches == []
    assert closest.closest.layout_id == layout.layout_id
    assert closest.row_number == header_index + 1
    assert closest.describe().endswith(
        f"missing: its headers within the first {layout.header_search_rows} rows (they are at row "
        f"{header_index + 1}: delete the rows above them, or raise header_search_rows in "
        f"{layout.path.name})")


VOCABULARY = sorted({h for layout in LAYOUTS for h in layout.signature})
ANY_CELL = st.one_of(JUNK_CELL, st.sampled_from(VOCABULARY), st.dates(), st.times(),
                     st.timedeltas(), st.floats(allow_infinity=True, allow_nan=True))


@SETTINGS
@given(st.lists(st.tuples(st.text(max_size=31), st.lists(st.lists(ANY_CELL, max_size=12), max_size=40)),
                min_size=1, max_size=3))
def test_any_sheet_is_matched_only_where_a_full_signature_is(named_grids):
    sheets = [Sheet(name, rows) for name, rows in named_grids]
    matches, closest = detect_layouts(sheets, LAYOUTS)   # raises nothing, whatever the cells
    for match in matches:
        present = {normalise_header(cell) for cell in match.sheet.rows[match.header_index]}
        assert {normalise_header(h) for h in match.layout.signature} <= present
        assert match.header_index < match.layout.header_search_rows
        assert match.layout.sheet_pattern is None or match.layout.sheet_pattern.search(match.sheet.name)
    if not matches:
        reason = closest.describe()
        assert closest.closest is None and reason == "no known layout's headers appear in it" \
            or closest.missing and reason.startswith(f"closest layout '{closest.closest.layout_id}' (")


def test_cell_types_a_reader_returns_normalise_without_error():
    cells = [None, 1.0, 2, True, float("nan"), datetime.datetime(2021, 3, 31), datetime.date(2021, 3, 31),
             datetime.time(12, 0), datetime.timedelta(days=1), " Community\nDirect \u2013 Payment "]
    assert [normalise_header(c) for c in cells] == [
        "", "1", "2", "true", "", "2021-03-31 00:00:00", "2021-03-31", "12:00:00", "1 day, 0:00:00",
        "community direct - payment"]
