-- severity: error
-- what: a value for a council in a year it did not exist (before its first or after its last year as a council with social services)
SELECT f.area_code, a.area_name, f.period, f.measure_id, a.first_period, a.last_period,
       count(*) AS rows, min(f.source_file) AS source_file
FROM facts_all AS f JOIN areas AS a USING (area_code)
WHERE a.area_type = 'council'
  AND (f.period < coalesce(a.first_period, '0000-00') OR f.period > coalesce(a.last_period, '9999-99'))
GROUP BY ALL
ORDER BY ALL;
