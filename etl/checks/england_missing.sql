-- severity: error
-- what: councils have a value for a period, measure and breakdown that England lacks
SELECT DISTINCT f.period, f.measure_id, f.age_band, f.client_group
FROM facts AS f JOIN areas AS a USING (area_code)
WHERE a.area_type = 'council'
  -- A year in which the publisher gave no England figure, and said so (publisher_caveats).
  AND coalesce(f.quality_flag, '') NOT LIKE '%voluntary_survey_year%'
  AND NOT EXISTS (
    SELECT 1 FROM facts AS e
    WHERE e.area_code = 'E92000001' AND e.period = f.period AND e.measure_id = f.measure_id
      AND e.age_band = f.age_band AND e.client_group = f.client_group);
