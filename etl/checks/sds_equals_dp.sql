-- severity: warning
-- what: a council reports as many people with self-directed support as with direct payments (a known reporting artefact: kept, and flagged here)
SELECT s.area_code, s.period, s.age_band, s.client_group, s.numerator AS sds_numerator,
       d.numerator AS dp_numerator, s.denominator, s.value AS sds_value, d.value AS dp_value
FROM facts AS s
JOIN facts AS d
  ON d.area_code = s.area_code AND d.period = s.period AND d.age_band = s.age_band
 AND d.client_group = s.client_group AND d.measure_id = 'dp_users'
JOIN areas AS a ON a.area_code = s.area_code AND a.area_type = 'council'
WHERE s.measure_id = 'sds_users' AND s.numerator = d.numerator AND s.numerator > 0
ORDER BY ALL;
