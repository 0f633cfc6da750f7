-- The warehouse contract (../shared/DESIGN.md): extend, never rename.
CREATE TABLE sources (
    source_id     VARCHAR PRIMARY KEY,
    file_name     VARCHAR NOT NULL,
    layout_id     VARCHAR NOT NULL,
    title         VARCHAR,
    publisher     VARCHAR,
    cites         VARCHAR,
    period        VARCHAR,
    licence       VARCHAR,
    transcription VARCHAR,
    sha256        VARCHAR NOT NULL,
    rows_loaded   INTEGER NOT NULL,
    source_kind   VARCHAR NOT NULL,    -- the layout's source_precedence kind
    -- Where a reader can check the figures: the publisher's page for the release (landing_page)
    -- and the file's own URL (file_url; NULL where the publisher's link to it was never seen,
    -- or the file is our transcription of a report). From etl/registry/manifest.toml, matched by
    -- sha256, else by path under the raw folder; a file the manifest does not list gives its
    -- publication's page itself (the `url` of its header block or of its layout's [source]).
    -- link_basis says which: manifest_sha256, manifest_path or source_metadata. The check
    -- source_without_landing_page lists any row left without one.
    landing_page  VARCHAR,
    file_url      VARCHAR,
    link_basis    VARCHAR
);

CREATE TABLE areas (
    area_code     VARCHAR PRIMARY KEY,
    area_name     VARCHAR NOT NULL,
    area_type     VARCHAR NOT NULL,
    council_type  VARCHAR,
    region_code   VARCHAR,
    cassr_code    VARCHAR,
    first_period  VARCHAR,
    last_period   VARCHAR,
    notes         VARCHAR,
    former_cassr_codes VARCHAR   -- ';'-separated codes a recoded council was printed under
);

CREATE TABLE area_aliases (alias VARCHAR NOT NULL, area_code VARCHAR NOT NULL);

CREATE TABLE area_changes (
    effective_date DATE,
    kind           VARCHAR NOT NULL,
    old_codes      VARCHAR,
    new_codes      VARCHAR,
    note           VARCHAR
);

CREATE TABLE measures (
    measure_id  VARCHAR PRIMARY KEY,
    label       VARCHAR NOT NULL,
    unit        VARCHAR NOT NULL,
    polarity    VARCHAR NOT NULL,
    ascof_codes VARCHAR,
    definition  VARCHAR,
    note_must_name VARCHAR,
    aggregate   VARCHAR,     -- 'sum': regions and England are the sum of their councils
    numerator_definition   VARCHAR,   -- who or what is counted above the line
    denominator_definition VARCHAR    -- and below it; empty for a count or money
);

-- Every value every source gives, one row per area x period x measure x breakdown x source,
-- with the cell it came from. Several sources may give the same grain (an official file with
-- counts, an analyst's stack of published values, a derivation from SALT): all are kept here;
-- `preferred` marks the one `facts` (and so `observations`) shows, chosen by
-- source_precedence (data), then by having counts, then by source id.
CREATE TABLE facts_all (
    area_code        VARCHAR NOT NULL,
    period           VARCHAR NOT NULL,
    measure_id       VARCHAR NOT NULL,
    age_band         VARCHAR NOT NULL,
    client_group     VARCHAR NOT NULL,
    numerator        DOUBLE,
    denominator      DOUBLE,
    value            DOUBLE,
    value_status     VARCHAR NOT NULL,
    counts_check     VARCHAR,
    note             VARCHAR,
    source_id        VARCHAR NOT NULL,
    source_file      VARCHAR NOT NULL,
    source_sheet     VARCHAR,
    source_row       INTEGER NOT NULL,
    value_cell       VARCHAR,
    numerator_cell   VARCHAR,
    denominator_cell VARCHAR,
    -- How far rounding may have moved each count from the true one: half the publisher's
    -- rounding unit for each rounded cell summed into it (0 when unrounded); and how much of it
    -- is suppressed cells counted at the middle of their range (each off by up to as much).
    numerator_error   DOUBLE,
    denominator_error DOUBLE,
    value_error       DOUBLE,
    numerator_imputed   DOUBLE,
    denominator_imputed DOUBLE,
    value_imputed       DOUBLE,
    quality_flag     VARCHAR,      -- '; '-separated codes from quality_flags, most serious first
    quality_note     VARCHAR,      -- one plain-English sentence per flag
    source_kind      VARCHAR,      -- a source_precedence kind
    precedence       INTEGER,
    preferred        BOOLEAN NOT NULL DEFAULT false
);

CREATE VIEW facts AS SELECT * EXCLUDE (preferred) FROM facts_all WHERE preferred;

-- Which kind of source wins when several give the same grain (lowest precedence first).
CREATE TABLE source_precedence (
    source_kind VARCHAR PRIMARY KEY,
    precedence  INTEGER NOT NULL,
    label       VARCHAR NOT NULL,
    description VARCHAR NOT NULL
);

-- The caveats a value can carry; `suppresses_comparison` ones are never ranked against England.
CREATE TABLE quality_flags (
    quality_flag          VARCHAR PRIMARY KEY,
    rank                  INTEGER NOT NULL,
    label                 VARCHAR NOT NULL,
    suppresses_comparison BOOLEAN NOT NULL,
    explanation           VARCHAR NOT NULL
);

-- Caveats a publisher states for a measure, year, layout or area (blank = any).
CREATE TABLE publisher_caveats (
    quality_flag VARCHAR NOT NULL,
    measure_id   VARCHAR,
    period       VARCHAR,
    layout_id    VARCHAR,
    area_code    VARCHAR,
    note         VARCHAR NOT NULL
);

-- What a publisher says about values it lists without a figure: a council's reason (Hackney
-- submitted no SALT data in 2020-21 and 2021-22) or a table's key for its markers (blank = any;
-- measure_ids ';'-separated). Added to the note of each matching row that has no value.
CREATE TABLE gap_notes (
    area_code    VARCHAR,
    period       VARCHAR,
    measure_ids  VARCHAR,
    layout_id    VARCHAR,
    value_status VARCHAR,
    note         VARCHAR NOT NULL
);

-- Breaks that charts must not join across: definition changes (from etl/reference) here, with
-- code renames that are not breaks (kind 'rename': kept to explain the code, never drawn);
-- area mergers and splits come from area_changes through the view all_series_breaks.
CREATE TABLE series_breaks (
    measure_id VARCHAR NOT NULL,
    period     VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,
    note       VARCHAR NOT NULL
);

-- Source labels (RAP client groups, SALT primary support reasons) -> contract client groups.
CREATE TABLE client_groups (
    source_label       VARCHAR NOT NULL,
    client_group       VARCHAR NOT NULL,
    scheme             VARCHAR NOT NULL,
    applies_from       VARCHAR,
    applies_to         VARCHAR,
    comparability_note VARCHAR
);

CREATE TABLE build_info (key VARCHAR PRIMARY KEY, value VARCHAR);

-- Every raw file the build looked at and what became of it: loaded, refused (with the reason
-- and where), not recognised (with the closest layout) or skipped as a byte-for-byte duplicate.
CREATE TABLE build_files (file_name VARCHAR NOT NULL, outcome VARCHAR NOT NULL, reason VARCHAR);

-- Confidence limits on the value's own scale: Wilson for percentages, exact Poisson for rates.
CREATE TABLE intervals (
    area_code VARCHAR NOT NULL, period VARCHAR NOT NULL, measure_id VARCHAR NOT NULL,
    age_band VARCHAR NOT NULL, client_group VARCHAR NOT NULL,
    lower_95 DOUBLE, upper_95 DOUBLE, lower_998 DOUBLE, upper_998 DOUBLE,
    interval_method VARCHAR NOT NULL
);

-- Each council's and region's gap from England for the same period, measure and breakdown,
-- in percentage points, with Newcombe's interval of the difference where both have counts.
CREATE TABLE gaps (
    area_code VARCHAR NOT NULL, period VARCHAR NOT NULL, measure_id VARCHAR NOT NULL,
    age_band VARCHAR NOT NULL, client_group VARCHAR NOT NULL,
    value DOUBLE, england_value DOUBLE, gap DOUBLE, gap_lower_95 DOUBLE, gap_upper_95 DOUBLE,
    gap_method VARCHAR, compared_with_england VARCHAR
);

CREATE VIEW observations AS
SELECT
    f.area_code,
    a.area_name,
    a.area_type,
    CASE WHEN a.area_type = 'region' THEN a.area_code ELSE NULLIF(a.region_code, '') END AS region_code,
    f.period,
    f.measure_id,
    f.age_band,
    f.client_group,
    f.numerator,
    f.denominator,
    f.value,
    f.value_status,
    f.source_id,
    f.note,
    f.quality_flag,
    f.quality_note,
    m.unit,
    i.lower_95,
    i.upper_95,
    i.lower_998,
    i.upper_998,
    i.interval_method,
    f.counts_check,
    f.source_file,
    f.source_sheet,
    f.source_row,
    f.value_cell,
    f.numerator_cell,
    f.denominator_cell,
    f.source_kind
FROM facts AS f
JOIN areas AS a USING (area_code)
JOIN measures AS m USING (measure_id)
LEFT JOIN intervals AS i USING (area_code, period, measure_id, age_band, client_group);

-- Every source's value for every grain, preferred or not, with how it compares.
CREATE VIEW observations_all AS
SELECT f.area_code, a.area_name, a.area_type, f.period, f.measure_id, f.age_band, f.client_group,
       f.numerator, f.denominator, f.value, f.value_status, f.source_id, f.note, f.quality_flag,
       f.quality_note, f.source_kind, f.precedence, f.preferred, f.source_file, f.source_sheet,
       f.source_row, f.value_cell, f.numerator_cell, f.denominator_cell
FROM facts_all AS f JOIN areas AS a USING (area_code);

-- Every value a source lists without a figure, with its status and what the publication says
-- there (the note): the gaps in the data, as distinct from `gaps`, each area's gap from England.
CREATE VIEW value_gaps AS
SELECT o.area_code, o.area_name, o.area_type, o.period, o.measure_id, o.age_band, o.client_group,
       o.value_status, o.note, o.source_id, o.source_file, o.source_sheet, o.source_row
FROM observations AS o
WHERE o.value IS NULL;

-- Each code change as a link from an old code to a new one, one row per pair (a merger or split
-- names several): what areas.json turns into predecessors and successors. A recoded council's
-- old code is in no other table, since its series continues under the new one.
CREATE VIEW area_links AS
SELECT trim(old_code.code) AS predecessor_code, trim(new_code.code) AS successor_code,
       c.effective_date, c.kind, c.note
FROM area_changes AS c,
     unnest(string_split(c.old_codes, ';')) AS old_code(code),
     unnest(string_split(c.new_codes, ';')) AS new_code(code);

-- Every break a chart must not join across: definitions (per measure, all areas) and
-- boundary changes (per area, all measures: a merger or split starts a new series).
CREATE VIEW all_series_breaks AS
SELECT measure_id, NULL AS area_code, period, kind, note FROM series_breaks WHERE kind <> 'rename'
UNION ALL
SELECT NULL AS measure_id, trim(new_code.code) AS area_code,
       CAST(year(c.effective_date) AS VARCHAR) || '-' ||
       lpad(CAST((year(c.effective_date) + 1) % 100 AS VARCHAR), 2, '0') AS period,
       c.kind, c.note
FROM area_changes AS c, unnest(string_split(c.new_codes, ';')) AS new_code(code)
WHERE c.kind IN ('merger', 'split');

-- source_differences (where sources overlap) is a table written at the end of the build, from
-- the facts: etl/warehouse/app_tables.sql.
