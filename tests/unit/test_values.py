import pytest

from etl.errors import SourceError
from etl.extract import Cell
from etl.readers import cell_text
from etl.transform import Assembler
from etl.values import UntrustedCell, ValueParseError, parse_value


@pytest.mark.parametrize("text, expected", [
    ("42.5", (42.5, "published")),
    ("1,407,190", (1407190.0, "published")),
    ("89,025", (89025.0, "published")),
    (" 19 ", (19.0, "published")),
    (7.0, (7.0, "published")),
    ("[c]", (None, "suppressed")),
    ("*", (None, "suppressed")),
    ("[x]", (None, "not_applicable")),
    ("[z]", (None, "not_applicable")),
    ("..", (None, "missing")),
    ("-", (None, "missing")),
    ("", (None, "missing")),
    (None, (None, "missing")),
    (float("nan"), (None, "missing")),
])
def test_parses_numbers_and_markers(text, expected):
    assert parse_value(text) == expected


@pytest.mark.parametrize("text", ["12%", "1,23", "n/a", "10,46O", "1 234"])
def test_rejects_anything_else_with_the_text_in_the_message(text):
    with pytest.raises(ValueParseError, match="is not a number or a known marker") as error:
        parse_value(text)
    assert repr(text.strip()) in str(error.value) or f"'{text}'" in str(error.value)


def test_an_untrusted_cell_reads_as_its_text_but_is_never_parsed():
    cell = UntrustedCell("802", "the cell links to another workbook", "Paste values.")
    assert cell == "802" and cell_text(cell) == "802"    # headers and labels match as before
    with pytest.raises(ValueParseError, match="^the cell links to another workbook$") as error:
        parse_value(cell)
    assert error.value.hint == "Paste values."


def _cell(raw, role="numerator", row=5, measure="sds_users", area="E06000005"):
    return Cell(area, "2017-18", measure, "all", "all", role, raw, "ascof", row, 8, None)


def _assembler():
    return Assembler({"sds_users": "percent", "population": "count", "dp_spend": "gbp_thousands"},
                     markers={}, suppressed_as=None, counts_rounded_to=None)


def test_an_untrusted_cell_equal_to_a_parsed_text_is_still_refused():
    """The parse cache holds '802' once it has been read; a link showing 802 must not hit it."""
    cells = [_cell("802", area="E06000004"), _cell("900", "denominator", 6, area="E06000004"),
             _cell(UntrustedCell("802", "the cell links to another workbook", "Paste values."), row=7)]
    with pytest.raises(SourceError) as error:
        _assembler().rows(cells, source_id="s", file_label="f.xlsx")
    assert str(error.value) == ("f.xlsx, sheet 'ascof', row 7, cell I7: the cell links to another "
                                "workbook (the numerator of sds_users). Paste values.")


@pytest.mark.parametrize("cells, expected", [
    ([_cell("-1"), _cell("10", "denominator", 6)],
     "row 5, cell I5: -1 is below zero, but the numerator of sds_users is a count"),
    ([_cell("1"), _cell(-10.0, "denominator", 6)],
     "row 6, cell I6: -10 is below zero, but the denominator of sds_users is a count"),
    ([_cell("-3", "value", measure="population")],
     "row 5, cell I5: -3 is below zero, but the value of population is a count"),
    ([_cell("11"), _cell("10", "denominator", 6)],
     "row 5, cell I5: the numerator 11 (cell I5) is larger than its denominator 10 (cell I6) for "
     "E06000005 2017-18 sds_users/all/all."),
], ids=["negative-numerator", "negative-denominator", "negative-count", "over-denominator"])
def test_counts_below_zero_and_numerators_over_denominators_are_refused(cells, expected):
    with pytest.raises(SourceError) as error:
        _assembler().rows(cells, source_id="s", file_label="f.csv")
    assert str(error.value).startswith(f"f.csv, sheet 'ascof', {expected}")


def test_money_below_zero_and_a_numerator_equal_to_its_denominator_load():
    rows = _assembler().rows([_cell("-120", "value", measure="dp_spend"), _cell("10", row=8),
                              _cell("10", "denominator", 9)], source_id="s", file_label="f.csv")
    assert sorted((row[2], row[5], row[6], row[7]) for row in rows) == [
        ("dp_spend", None, None, -120.0), ("sds_users", 10.0, 10.0, 100.0)]
