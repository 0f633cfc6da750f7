from dashboards.routing import query_parameters


def test_query_parameters_last_repeated_value_wins():
    assert query_parameters("?age_band=all&age_band=18-64&x=") == {"age_band": "18-64", "x": ""}
    assert query_parameters(None) == {}
