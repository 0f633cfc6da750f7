-- severity: error
-- what: more than one row for the same area, period, measure and breakdown
SELECT area_code, period, measure_id, age_band, client_group, count(*) AS rows,
       string_agg(source_file || ' row ' || source_row, '; ' ORDER BY source_file, source_row) AS found_in
FROM facts
GROUP BY area_code, period, measure_id, age_band, client_group
HAVING count(*) > 1;
