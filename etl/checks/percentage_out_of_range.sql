-- severity: error
-- what: a percentage outside 0-100
SELECT f.area_code, f.period, f.measure_id, f.age_band, f.client_group, f.value, f.source_file, f.value_cell
FROM facts AS f JOIN measures AS m USING (measure_id)
WHERE m.unit = 'percent' AND (f.value < 0 OR f.value > 100);
