-- severity: error
-- what: one source gives the same area, period, measure and breakdown twice (two sources may; the precedence picks one)
-- The repeated grains are found first and only they are described: describing every grain
-- (string_agg over 40,000 groups) took most of the build's checks.
WITH repeated AS (
    SELECT area_code, period, measure_id, age_band, client_group, source_id
    FROM facts_all
    GROUP BY area_code, period, measure_id, age_band, client_group, source_id
    HAVING count(*) > 1
)
SELECT f.area_code, f.period, f.measure_id, f.age_band, f.client_group, f.source_id, count(*) AS rows,
       string_agg(f.source_file || ' row ' || f.source_row, '; ' ORDER BY f.source_file, f.source_row) AS found_in
FROM facts_all AS f
JOIN repeated USING (area_code, period, measure_id, age_band, client_group, source_id)
GROUP BY f.area_code, f.period, f.measure_id, f.age_band, f.client_group, f.source_id;
