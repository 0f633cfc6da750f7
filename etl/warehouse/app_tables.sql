-- What the app reads, written as tables at the end of the build (after the facts, their
-- intervals and gaps from England are final, before the checks): the app's first answer after a
-- start or a rebuild then reads rows instead of computing joins (issue 16: a count(*) of the
-- view took 11-18 ms, a full read 150-300 ms on the shared 2-core machine). The `observations`
-- view stays the contract for everyone else (../shared/DESIGN.md); these hold the same rows.

-- Each observation with its gap from England. Ordered by measure and period, the key every page
-- reads by, so DuckDB's per-row-group min/max skips most of the table for one measure and year.
CREATE TABLE app_observations AS
SELECT o.*, g.england_value, g.gap, g.gap_lower_95, g.gap_upper_95, g.gap_method,
       g.compared_with_england
FROM observations AS o
LEFT JOIN gaps AS g USING (area_code, period, measure_id, age_band, client_group)
ORDER BY o.measure_id, o.period, o.area_code, o.age_band, o.client_group;

-- Where sources overlap: each value not shown beside the one shown for the same grain, and
-- whether they differ by more than rounding explains. A value derived here from rounded counts
-- may lie anywhere its counts allow; a printed value within half its last decimal (0.05).
CREATE TABLE source_differences AS
WITH ranged AS (
    SELECT f.*,
           CASE WHEN f.value_status = 'derived' AND m.unit = 'percent' AND f.numerator IS NOT NULL
                     AND f.denominator > 0
                THEN 100 * greatest(f.numerator - coalesce(f.numerator_error + f.numerator_imputed, 0), 0)
                     / (f.denominator + coalesce(f.denominator_error + f.denominator_imputed, 0))
                ELSE f.value - 0.05 END AS low,
           CASE WHEN f.value_status = 'derived' AND m.unit = 'percent' AND f.numerator IS NOT NULL
                     AND f.denominator > 0
                THEN CASE WHEN f.denominator - coalesce(f.denominator_error + f.denominator_imputed, 0) <= 0 THEN 100
                          ELSE least(100 * (f.numerator + coalesce(f.numerator_error + f.numerator_imputed, 0))
                                     / (f.denominator - coalesce(f.denominator_error + f.denominator_imputed, 0)), 100) END
                ELSE f.value + 0.05 END AS high
    FROM facts_all AS f JOIN measures AS m USING (measure_id)
    WHERE f.value IS NOT NULL
)
SELECT o.area_code, a.area_name, a.area_type, o.period, o.measure_id, o.age_band, o.client_group,
       p.source_id AS shown_source, p.source_kind AS shown_kind, p.value AS shown_value,
       o.source_id AS other_source, o.source_kind AS other_kind, o.value AS other_value,
       o.value - p.value AS difference, o.low AS other_low, o.high AS other_high,
       (o.high < p.low OR o.low > p.high) AS beyond_rounding, o.note AS other_note
FROM ranged AS o
JOIN ranged AS p
  ON p.area_code = o.area_code AND p.period = o.period AND p.measure_id = o.measure_id
 AND p.age_band = o.age_band AND p.client_group = o.client_group AND p.preferred
JOIN areas AS a ON a.area_code = o.area_code
WHERE NOT o.preferred
ORDER BY o.measure_id, o.period, o.area_code, o.age_band, o.client_group, o.source_id;
