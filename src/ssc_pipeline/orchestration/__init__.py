"""Airflow side of the pipeline: DAG builders, Assets, and running a local Airflow."""
