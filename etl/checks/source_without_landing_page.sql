-- severity: warning
-- what: a loaded file with no publisher's page to check it against: list it in etl/registry/manifest.toml (with its sha256), or give its header block or layout a `url`
SELECT source_id, file_name, layout_id FROM sources WHERE landing_page IS NULL ORDER BY source_id;
