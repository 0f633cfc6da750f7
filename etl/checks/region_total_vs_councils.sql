-- severity: warning
-- what: a regional figure differs from the sum of its councils' figures by more than rounding the cells summed can explain: the counts behind a percentage, or a count measure's own value (compared only where every council of the region reported). within_suppressed_range says whether suppressed cells, each counted at the middle of its range, could explain the rest
WITH alive AS (
    SELECT a.region_code, p.period, count(*) AS councils_alive
    FROM areas AS a
    CROSS JOIN (SELECT DISTINCT period FROM facts) AS p
    WHERE a.area_type = 'council'
      AND coalesce(a.first_period, '0000-00') <= p.period
      AND p.period <= coalesce(a.last_period, '9999-99')
    GROUP BY ALL
),
-- What adds up: a percentage's numerator and denominator, or a count's value, each with how far
-- rounding may have moved it (2.5 where a file's rounding is unknown) and how much of it is
-- suppressed cells counted at a midpoint.
parts AS (
    SELECT f.*,
           CASE WHEN m.unit = 'count' THEN f.value ELSE f.numerator END AS first_part,
           CASE WHEN m.unit = 'count' THEN NULL ELSE f.denominator END AS second_part,
           coalesce(CASE WHEN m.unit = 'count' THEN f.value_error ELSE f.numerator_error END, 2.5) AS first_error,
           coalesce(f.denominator_error, 2.5) AS second_error,
           coalesce(CASE WHEN m.unit = 'count' THEN f.value_imputed ELSE f.numerator_imputed END, 0) AS first_imputed,
           coalesce(f.denominator_imputed, 0) AS second_imputed
    FROM facts AS f JOIN measures AS m USING (measure_id)
    WHERE (m.unit = 'count' AND f.value IS NOT NULL)
       OR (m.unit = 'percent' AND f.numerator IS NOT NULL AND f.denominator IS NOT NULL)
),
council_sums AS (
    SELECT a.region_code, p.period, p.measure_id, p.age_band, p.client_group,
           count(*) AS councils, sum(p.first_part) AS first_sum, sum(p.second_part) AS second_sum,
           sum(p.first_error) AS first_error, sum(p.second_error) AS second_error,
           sum(p.first_imputed) AS first_imputed, sum(p.second_imputed) AS second_imputed
    FROM parts AS p JOIN areas AS a USING (area_code)
    WHERE a.area_type = 'council'
    GROUP BY ALL
)
SELECT r.area_code AS region_code, r.period, r.measure_id, r.age_band, r.client_group, s.councils,
       r.first_part AS published, s.first_sum AS councils_sum,
       r.second_part AS published_denominator, s.second_sum AS councils_denominator_sum,
       r.first_error + s.first_error AS rounding_allows,
       r.first_imputed + s.first_imputed AS suppressed_counted,
       abs(r.first_part - s.first_sum) <= r.first_error + s.first_error + 2 * (r.first_imputed + s.first_imputed)
         AND coalesce(abs(r.second_part - s.second_sum)
                      <= r.second_error + s.second_error + 2 * (r.second_imputed + s.second_imputed), true)
         AS within_suppressed_range,
       r.source_file
FROM parts AS r
JOIN areas AS a ON a.area_code = r.area_code AND a.area_type = 'region'
JOIN council_sums AS s
  ON s.region_code = r.area_code AND s.period = r.period AND s.measure_id = r.measure_id
 AND s.age_band = r.age_band AND s.client_group = r.client_group
JOIN alive AS l ON l.region_code = r.area_code AND l.period = r.period AND l.councils_alive = s.councils
WHERE abs(r.first_part - s.first_sum) > r.first_error + s.first_error
   OR abs(r.second_part - s.second_sum) > r.second_error + s.second_error
ORDER BY ALL;
