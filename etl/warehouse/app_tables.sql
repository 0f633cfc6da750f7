-- What the dashboard reads, materialised once per build: the observations view joins five
-- tables, which costs ~25 ms a query; this table answers the same filters in ~1 ms. Sorted by
-- the columns pages filter on, so DuckDB's min-max indexes skip most row groups. The
-- `observations` view stays the contract for everyone else.
CREATE TABLE app_observations AS
SELECT o.*, g.england_value, g.gap, g.gap_lower_95, g.gap_upper_95, g.gap_method,
       g.compared_with_england
FROM observations AS o
LEFT JOIN gaps AS g USING (area_code, period, measure_id, age_band, client_group)
ORDER BY o.measure_id, o.period, o.age_band, o.client_group, o.area_code;
