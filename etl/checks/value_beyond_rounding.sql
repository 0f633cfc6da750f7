-- severity: warning
-- what: a published percentage further from its counts' ratio than rounding explains (kept as published, with a note)
SELECT area_code, period, measure_id, age_band, client_group, value, numerator, denominator, source_file, value_cell
FROM facts
WHERE counts_check = 'beyond_rounding';
