-- Which source's value `facts` shows for each grain. Run after loading and again after the
-- derivations. A value computed here (a sum, a ratio, a derivation from SALT's settings, or a
-- sum that came out suppressed) is of kind 'derived' whatever file it came from.
UPDATE facts_all AS f
SET source_kind = CASE WHEN f.value_status = 'derived' OR f.quality_flag = 'derived_from_suppressed'
                       THEN 'derived' ELSE s.source_kind END
FROM sources AS s
WHERE s.source_id = f.source_id AND f.source_kind IS NULL;

UPDATE facts_all AS f SET precedence = p.precedence
FROM source_precedence AS p
WHERE p.source_kind = f.source_kind;

-- Lowest precedence first; among equals, the one with counts (it can carry an interval), then
-- the one with a value, then the source id (stable from build to build).
UPDATE facts_all SET preferred = ranked.position = 1
FROM (
    SELECT rowid AS id,
           row_number() OVER (PARTITION BY area_code, period, measure_id, age_band, client_group
                              ORDER BY precedence, (numerator IS NOT NULL AND denominator IS NOT NULL) DESC,
                                       value IS NULL, source_id) AS position
    FROM facts_all
) AS ranked
WHERE facts_all.rowid = ranked.id;
