"""Runs inside Airflow only: the DAG builders, Assets, failure notifications and task glue."""
