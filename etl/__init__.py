"""ETL for the self-directed support uptake warehouse: raw publications -> DuckDB."""
