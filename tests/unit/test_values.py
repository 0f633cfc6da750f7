import pytest

from etl.values import ValueParseError, parse_value


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
