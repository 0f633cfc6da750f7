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

-- Regional counts where a publication gives councils but no regions (PSS-EX1): the sum of the
-- region's councils, written only when every council alive that year has a number.
INSERT INTO facts
WITH alive AS (
    SELECT region_code, p.period, count(*) AS councils_alive
    FROM areas, (SELECT DISTINCT period FROM facts) AS p
    WHERE area_type = 'council' AND coalesce(first_period, '0000-00') <= p.period
      AND p.period <= coalesce(last_period, '9999-99')
    GROUP BY ALL
),
sums AS (
    SELECT a.region_code, f.period, f.measure_id, f.age_band, f.client_group,
           count(*) AS councils, sum(f.value) AS total, min(f.source_id) AS source_id,
           min(f.source_file) AS source_file, min(f.source_sheet) AS source_sheet
    FROM facts AS f JOIN areas AS a USING (area_code) JOIN measures AS m USING (measure_id)
    WHERE a.area_type = 'council' AND m.unit = 'count' AND f.value IS NOT NULL
      AND f.measure_id IN ('dp_recipients', 'dp_carer_recipients')
    GROUP BY ALL
)
SELECT s.region_code, s.period, s.measure_id, s.age_band, s.client_group, NULL, NULL, s.total,
       'derived', NULL, 'Sum of the published counts of the region''s ' || s.councils || ' councils.',
       s.source_id, s.source_file, s.source_sheet, 0, NULL, NULL, NULL
FROM sums AS s
JOIN alive AS l ON l.region_code = s.region_code AND l.period = s.period AND l.councils_alive = s.councils
WHERE NOT EXISTS (
    SELECT 1 FROM facts AS r WHERE r.area_code = s.region_code AND r.period = s.period
      AND r.measure_id = s.measure_id AND r.age_band = s.age_band AND r.client_group = s.client_group);
