-- severity: error
-- what: a numerator larger than its denominator, for a share (percent, rate): refused at load time naming the file's cells, so a row here was made in the warehouse (a guard)
SELECT f.area_code, f.period, f.measure_id, f.age_band, f.client_group, f.numerator, f.denominator,
       f.source_file, f.source_row, f.numerator_cell, f.denominator_cell
FROM facts AS f JOIN measures AS m USING (measure_id)
WHERE m.unit IN ('percent', 'rate_per_100000') AND f.numerator > f.denominator;
