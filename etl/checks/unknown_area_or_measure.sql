-- severity: error
-- what: a row whose area code or measure is not in the reference tables
SELECT f.area_code, f.measure_id, f.source_file, f.source_row
FROM facts AS f
LEFT JOIN areas AS a USING (area_code)
LEFT JOIN measures AS m USING (measure_id)
WHERE a.area_code IS NULL OR m.measure_id IS NULL;
