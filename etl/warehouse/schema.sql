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
    rows_loaded   INTEGER NOT NULL
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
    notes         VARCHAR
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
    note_must_name VARCHAR
);

-- One row per area x period x measure x breakdown, with the cell it came from.
CREATE TABLE facts (
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
    denominator_cell VARCHAR
);

-- Breaks that charts must not join across: definition changes (from etl/reference) here;
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
    f.denominator_cell
FROM facts AS f
JOIN areas AS a USING (area_code)
JOIN measures AS m USING (measure_id)
LEFT JOIN intervals AS i USING (area_code, period, measure_id, age_band, client_group);

-- Every break a chart must not join across: definitions (per measure, all areas) and
-- boundary changes (per area, all measures: a merger or split starts a new series).
CREATE VIEW all_series_breaks AS
SELECT measure_id, NULL AS area_code, period, kind, note FROM series_breaks
UNION ALL
SELECT NULL AS measure_id, trim(new_code.code) AS area_code,
       CAST(year(c.effective_date) AS VARCHAR) || '-' ||
       lpad(CAST((year(c.effective_date) + 1) % 100 AS VARCHAR), 2, '0') AS period,
       c.kind, c.note
FROM area_changes AS c, unnest(string_split(c.new_codes, ';')) AS new_code(code)
WHERE c.kind IN ('merger', 'split');
