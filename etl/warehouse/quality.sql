-- Quality flags: every caveat a value carries, as codes (quality_flags) and plain sentences,
-- written onto facts_all after the preferred values and derivations are known. Each block
-- adds (row, flag, sentence) pairs; the last statement joins them, most serious first.
CREATE TEMP TABLE row_flags AS
SELECT area_code, period, measure_id, age_band, client_group, source_id, quality_flag, quality_note AS note
FROM facts_all WHERE quality_flag IS NOT NULL;      -- set while reading (derived_from_suppressed)

-- What publishers say about a measure, year, layout or area (etl/reference/publisher_caveats.csv).
INSERT INTO row_flags
SELECT f.area_code, f.period, f.measure_id, f.age_band, f.client_group, f.source_id, c.quality_flag, c.note
FROM facts_all AS f
JOIN sources AS s USING (source_id)
JOIN publisher_caveats AS c
  ON (c.measure_id IS NULL OR c.measure_id = f.measure_id)
 AND (c.period IS NULL OR c.period = f.period)
 AND (c.layout_id IS NULL OR list_contains(string_split(s.layout_id, ', '), c.layout_id))
 AND (c.area_code IS NULL OR c.area_code = f.area_code)
WHERE f.value IS NOT NULL;

-- A council whose source reports self-directed support equal to direct payments: SDS includes
-- DPs and council-managed budgets, so equality means the managed budgets went uncounted.
INSERT INTO row_flags
SELECT s.area_code, s.period, s.measure_id, s.age_band, s.client_group, s.source_id, 'sds_equals_dp',
       'Reported self-directed support (' || round(s.value, 1) || '%) equals direct payments ('
       || round(d.value, 1) || '%) in the same return: people with council-managed personal budgets '
       || 'were almost certainly not counted, so this is a reporting artefact, not a real rate.'
FROM facts_all AS s
JOIN facts_all AS d
  ON d.area_code = s.area_code AND d.period = s.period AND d.age_band = s.age_band
 AND d.client_group = s.client_group AND d.source_id = s.source_id AND d.measure_id = 'dp_users'
JOIN areas AS a ON a.area_code = s.area_code AND a.area_type = 'council'
WHERE s.measure_id = 'sds_users' AND s.value > 0 AND s.value < 100
  AND ((s.numerator IS NOT NULL AND s.numerator = d.numerator)
       OR (s.numerator IS NULL AND s.value = d.value));

-- A published value further from its own counts than rounding explains (the note has figures).
INSERT INTO row_flags
SELECT area_code, period, measure_id, age_band, client_group, source_id, 'beyond_rounding',
       'The published figure is further from its own counts (' || round(100 * numerator / denominator, 1)
       || '%) than rounding can explain; shown as published.'
FROM facts_all WHERE counts_check = 'beyond_rounding';

-- A percentage computed here from rounded counts whose possible range is wider than 5 points.
INSERT INTO row_flags
WITH spans AS (
    SELECT f.*, numerator_error + numerator_imputed AS off_n, denominator_error + denominator_imputed AS off_d
    FROM facts_all AS f JOIN measures AS m USING (measure_id)
    WHERE m.unit = 'percent' AND f.value_status = 'derived' AND f.numerator IS NOT NULL
      AND f.denominator > 0
),
ranges AS (
    SELECT *,
           100 * greatest(numerator - off_n, 0) / (denominator + off_d) AS low,
           CASE WHEN denominator - off_d <= 0 THEN 100
                ELSE least(100 * (numerator + off_n) / (denominator - off_d), 100) END AS high
    FROM spans WHERE off_n > 0 OR off_d > 0
)
SELECT area_code, period, measure_id, age_band, client_group, source_id, 'small_rounded_counts',
       'Computed here from counts the publisher rounded, on a base of about '
       || format('{:,}', CAST(denominator AS BIGINT)) || ': the true figure could be anywhere from '
       || round(low, 1) || '% to ' || round(high, 1) || '%.'
FROM ranges WHERE high - low > 5;

UPDATE facts_all AS f SET quality_flag = flagged.flags, quality_note = flagged.notes
FROM (
    SELECT r.area_code, r.period, r.measure_id, r.age_band, r.client_group, r.source_id,
           string_agg(r.quality_flag, '; ' ORDER BY q.rank) AS flags,
           string_agg(r.note, ' ' ORDER BY q.rank) AS notes
    FROM (SELECT DISTINCT * FROM row_flags) AS r JOIN quality_flags AS q USING (quality_flag)
    GROUP BY ALL
) AS flagged
WHERE f.area_code = flagged.area_code AND f.period = flagged.period AND f.measure_id = flagged.measure_id
  AND f.age_band = flagged.age_band AND f.client_group = flagged.client_group
  AND f.source_id = flagged.source_id;

DROP TABLE row_flags;

-- A value listed without a figure: what the publisher says about it, after the printed cells
-- (written while reading), so the reason travels with the row wherever the gap is shown.
UPDATE facts_all AS f SET note = concat_ws(' ', f.note, said.notes)
FROM (
    SELECT f.area_code, f.period, f.measure_id, f.age_band, f.client_group, f.source_id,
           string_agg(g.note, ' ' ORDER BY g.area_code NULLS LAST, g.note) AS notes
    FROM facts_all AS f
    JOIN sources AS s USING (source_id)
    JOIN gap_notes AS g
      ON (g.area_code IS NULL OR g.area_code = f.area_code)
     AND (g.period IS NULL OR g.period = f.period)
     AND (g.measure_ids IS NULL OR list_contains(string_split(g.measure_ids, ';'), f.measure_id))
     AND (g.layout_id IS NULL OR list_contains(string_split(s.layout_id, ', '), g.layout_id))
     AND (g.value_status IS NULL OR g.value_status = f.value_status)
    WHERE f.value IS NULL AND f.value_status IN ('missing', 'not_applicable')
    GROUP BY ALL
) AS said
WHERE f.area_code = said.area_code AND f.period = said.period AND f.measure_id = said.measure_id
  AND f.age_band = said.age_band AND f.client_group = said.client_group AND f.source_id = said.source_id;
