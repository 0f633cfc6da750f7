-- severity: warning
-- what: a published regional count differs from the sum of its councils' counts by more than rounding each to the nearest 5 explains (compared only where every council of the region reported)
WITH alive AS (
    SELECT a.region_code, p.period, count(*) AS councils_alive
    FROM areas AS a
    CROSS JOIN (SELECT DISTINCT period FROM facts) AS p
    WHERE a.area_type = 'council'
      AND coalesce(a.first_period, '0000-00') <= p.period
      AND p.period <= coalesce(a.last_period, '9999-99')
    GROUP BY ALL
),
council_sums AS (
    SELECT a.region_code, f.period, f.measure_id, f.age_band, f.client_group,
           count(*) AS councils, sum(f.numerator) AS numerator_sum, sum(f.denominator) AS denominator_sum
    FROM facts AS f JOIN areas AS a USING (area_code)
    WHERE a.area_type = 'council' AND f.numerator IS NOT NULL AND f.denominator IS NOT NULL
    GROUP BY ALL
)
SELECT r.area_code AS region_code, r.period, r.measure_id, r.age_band, r.client_group, s.councils,
       r.numerator, s.numerator_sum, r.denominator, s.denominator_sum
FROM facts AS r
JOIN areas AS a ON a.area_code = r.area_code AND a.area_type = 'region'
JOIN council_sums AS s
  ON s.region_code = r.area_code AND s.period = r.period AND s.measure_id = r.measure_id
 AND s.age_band = r.age_band AND s.client_group = r.client_group
JOIN alive AS l ON l.region_code = r.area_code AND l.period = r.period AND l.councils_alive = s.councils
WHERE abs(r.numerator - s.numerator_sum) > 2.5 * (s.councils + 1)
   OR abs(r.denominator - s.denominator_sum) > 2.5 * (s.councils + 1)
ORDER BY ALL;
