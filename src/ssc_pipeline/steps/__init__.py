"""Plain task bodies (extract, land, validate, close): one call per Airflow task, callable without Airflow."""
