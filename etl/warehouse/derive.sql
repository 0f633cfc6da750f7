-- Measures computed from other loaded measures, after every source is in. Each derived row
-- names its inputs' sources in its note; none is written where an input is missing.

-- People receiving direct payments per 100,000 population of the same age band and period.
INSERT INTO facts
SELECT d.area_code, d.period, 'dp_recipients_rate', d.age_band, d.client_group,
       d.value, p.value, 100000 * d.value / p.value, 'derived', NULL,
       'Direct payment recipients (' || d.source_id || ') per 100,000 population (' || p.source_id || ').',
       d.source_id, d.source_file, d.source_sheet, d.source_row, d.value_cell, d.value_cell, p.value_cell
FROM facts AS d
JOIN facts AS p
  ON p.area_code = d.area_code AND p.period = d.period AND p.age_band = d.age_band
 AND p.measure_id = 'population' AND p.client_group = 'all' AND p.value > 0
WHERE d.measure_id = 'dp_recipients' AND d.value IS NOT NULL;
