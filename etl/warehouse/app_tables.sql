-- What the dashboard reads: the observations view joined with each row's gap from England.
-- A view, not a table: the app loads it once per build into memory, indexed by measure and
-- period (dashboards/db.py), so materialising it here would only add ~0.1 s to every build.
-- The `observations` view stays the contract for everyone else.
CREATE VIEW app_observations AS
SELECT o.*, g.england_value, g.gap, g.gap_lower_95, g.gap_upper_95, g.gap_method,
       g.compared_with_england
FROM observations AS o
LEFT JOIN gaps AS g USING (area_code, period, measure_id, age_band, client_group);
