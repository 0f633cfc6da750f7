-- severity: error
-- what: one source gives the same area, period, measure and breakdown twice (two sources may; the precedence picks one)
SELECT area_code, period, measure_id, age_band, client_group, source_id, count(*) AS rows,
       string_agg(source_file || ' row ' || source_row, '; ' ORDER BY source_file, source_row) AS found_in
FROM facts_all
GROUP BY area_code, period, measure_id, age_band, client_group, source_id
HAVING count(*) > 1;
