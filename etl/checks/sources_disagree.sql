-- severity: warning
-- what: two sources give the same area, period, measure and breakdown, and the one not shown differs from the one shown by more than rounding explains (both are kept; see observations_all)
SELECT * FROM source_differences WHERE beyond_rounding ORDER BY measure_id, period, area_code, other_source;
