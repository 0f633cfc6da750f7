import pytest

from etl.periods import normalise_period


@pytest.mark.parametrize("text, expected", [
    ("2011-12", "2011-12"), ("2011/12", "2011-12"), ("2011-2012", "2011-12"),
    ("2024 to 2025 - numerator", "2024-25"), ("201112", "2011-12"), ("1999-00", "1999-00"),
    ("ascof_1C_2014_15.csv", "2014-15"), ("Final_Council_Level_Activity_Data_2011_12.csv", "2011-12"),
])
def test_financial_years(text, expected):
    assert normalise_period(text) == expected


@pytest.mark.parametrize("text", ["2011", "2011-13", "", None, "mid-2015"])
def test_not_a_financial_year(text):
    assert normalise_period(text) is None
