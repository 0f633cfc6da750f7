-- Measures computed from other loaded measures, after every source is in and the preferred
-- value of each grain is known (they read `facts`). Each derived row names its inputs' sources
-- in its note; none is written where an input is missing. No source gives these grains, so
-- each is the one shown: kind 'derived', precedence from source_precedence, preferred.

-- People receiving direct payments per 100,000 population of the same age band and period.
INSERT INTO facts_all BY NAME
SELECT d.area_code, d.period, 'dp_recipients_rate' AS measure_id, d.age_band, d.client_group,
       d.value AS numerator, p.value AS denominator, 100000 * d.value / p.value AS value,
       'derived' AS value_status,
       'Direct payment recipients (' || d.source_id || ') per 100,000 population (' || p.source_id || ').' AS note,
       d.source_id, d.source_file, d.source_sheet, d.source_row, d.value_cell,
       d.value_cell AS numerator_cell, p.value_cell AS denominator_cell,
       d.value_error AS numerator_error, 0 AS denominator_error, d.value_imputed AS numerator_imputed,
       0 AS denominator_imputed, true AS preferred, 'derived' AS source_kind,
       (SELECT precedence FROM source_precedence WHERE source_kind = 'derived') AS precedence
FROM facts AS d
JOIN facts AS p
  ON p.area_code = d.area_code AND p.period = d.period AND p.age_band = d.age_band
 AND p.measure_id = 'population' AND p.client_group = 'all' AND p.value > 0
WHERE d.measure_id = 'dp_recipients' AND d.value IS NOT NULL;

-- Regional and England totals where a publication gives councils but not them (PSS-EX1
-- activity and expenditure): the sum of the councils, written only when every council alive
-- that year has a number. Which measures add up this way is data (measures.aggregate = 'sum').
INSERT INTO facts_all BY NAME
WITH alive AS (
    SELECT target.area_code AS aggregate_code, p.period, count(*) AS councils_alive
    FROM areas AS a, (SELECT DISTINCT period FROM facts) AS p,
         (SELECT area_code FROM areas WHERE area_type IN ('region', 'country')) AS target
    WHERE a.area_type = 'council' AND coalesce(a.first_period, '0000-00') <= p.period
      AND p.period <= coalesce(a.last_period, '9999-99')
      AND (target.area_code = a.region_code OR target.area_code = 'E92000001')
    GROUP BY ALL
),
sums AS (
    SELECT target.area_code AS aggregate_code, f.period, f.measure_id, f.age_band, f.client_group,
           count(*) AS councils, sum(f.value) AS total, sum(f.value_error) AS total_error,
           sum(f.value_imputed) AS total_imputed,
           min(f.source_id) AS source_id, min(f.source_file) AS source_file,
           min(f.source_sheet) AS source_sheet
    FROM facts AS f JOIN areas AS a USING (area_code) JOIN measures AS m USING (measure_id),
         (SELECT area_code FROM areas WHERE area_type IN ('region', 'country')) AS target
    WHERE a.area_type = 'council' AND m.aggregate = 'sum' AND f.value IS NOT NULL
      AND (target.area_code = a.region_code OR target.area_code = 'E92000001')
    GROUP BY ALL
)
SELECT s.aggregate_code AS area_code, s.period, s.measure_id, s.age_band, s.client_group,
       s.total AS value, 'derived' AS value_status,
       'Sum of the published figures of the ' || s.councils || ' councils.' AS note,
       s.source_id, s.source_file, s.source_sheet, 0 AS source_row, s.total_error AS value_error,
       s.total_imputed AS value_imputed,
       true AS preferred, 'derived' AS source_kind,
       (SELECT precedence FROM source_precedence WHERE source_kind = 'derived') AS precedence
FROM sums AS s
JOIN alive AS l ON l.aggregate_code = s.aggregate_code AND l.period = s.period AND l.councils_alive = s.councils
WHERE NOT EXISTS (
    SELECT 1 FROM facts_all AS r WHERE r.area_code = s.aggregate_code AND r.period = s.period
      AND r.measure_id = s.measure_id AND r.age_band = s.age_band AND r.client_group = s.client_group);

-- Direct payments' share of long-term community spending (PSS-EX1 expenditure): money, not
-- people, so no counts are kept on the row (a Wilson interval would be meaningless). Where a
-- council reported negative spending on another community service, so that direct payments
-- exceed the total, no share is given and the note says why.
INSERT INTO facts_all BY NAME
SELECT d.area_code, d.period, 'dp_spend_share' AS measure_id, d.age_band, d.client_group,
       CASE WHEN d.value <= c.value THEN 100 * d.value / c.value END AS value,
       CASE WHEN d.value <= c.value THEN 'derived' ELSE 'not_applicable' END AS value_status,
       'Direct payments ' || format('{:,.0f}', d.value) || ' of ' || format('{:,.0f}', c.value)
       || ' (GBP thousands) spent on long-term community support.'
       || CASE WHEN d.value <= c.value THEN ''
               ELSE ' Direct payments exceed the total because the council reported negative spending '
                    || 'on another community service, so no share can be given.' END AS note,
       d.source_id, d.source_file, d.source_sheet, d.source_row, d.value_cell,
       d.value_cell AS numerator_cell, c.value_cell AS denominator_cell, true AS preferred, 'derived' AS source_kind,
       (SELECT precedence FROM source_precedence WHERE source_kind = 'derived') AS precedence
FROM facts AS d
JOIN facts AS c
  ON c.area_code = d.area_code AND c.period = d.period AND c.age_band = d.age_band
 AND c.client_group = d.client_group AND c.measure_id = 'community_spend' AND c.value > 0
WHERE d.measure_id = 'dp_spend' AND d.value IS NOT NULL AND d.value >= 0;
