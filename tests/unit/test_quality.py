import pytest

from etl.quality import consistency_note, ratio_range


def test_ratio_range_widens_by_half_the_rounding_base():
    low, high = ratio_range(70, 395, 5)
    assert low == pytest.approx(100 * 67.5 / 397.5)
    assert high == pytest.approx(100 * 72.5 / 392.5)


def test_darlington_mental_health_is_beyond_rounding():
    # Printed 19 (no decimal) against 70/395 = 17.7%: counts allow 17.0-18.5%.
    note = consistency_note(19.0, 70, 395, 5, printed_decimals=0)
    assert note.startswith("Published 19% is further from the counts' ratio (17.7%)")
    assert "17.0% to 18.5%" in note


def test_sunderland_all_adults_is_beyond_rounding():
    note = consistency_note(64.6, 4025, 6320, 5)
    assert "further from the counts' ratio (63.7%)" in note


def test_hartlepool_mental_health_differs_but_rounding_explains_it():
    note = consistency_note(36.9, 150, 400, 5)
    assert note == ("Published 36.9% differs from the counts' ratio (37.5%) by 0.6 points; "
                    "rounding the counts to the nearest 5 can explain this.")


def test_close_values_get_no_note():
    assert consistency_note(42.5, 1495, 3520, 5) is None
    assert consistency_note(14.6, 21050, 144030, 5) is None


def test_no_counts_no_note():
    assert consistency_note(58.8, None, None, 5) is None
