-- severity: error
-- what: a numerator larger than its denominator
SELECT area_code, period, measure_id, age_band, client_group, numerator, denominator, source_file, source_row
FROM facts
WHERE numerator > denominator;
