-- severity: error
-- what: a count below zero (any numerator or denominator, or the value of a count or rate; money may be negative): refused at load time naming the file's cells, so a row here was made in the warehouse (a guard)
SELECT f.area_code, f.period, f.measure_id, f.age_band, f.client_group, f.numerator, f.denominator,
       f.value, f.source_file, f.source_row, f.value_cell
FROM facts AS f JOIN measures AS m USING (measure_id)
WHERE f.numerator < 0 OR f.denominator < 0
   OR (m.unit IN ('count', 'rate_per_100000') AND f.value < 0);
