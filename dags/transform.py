"""Airflow DAG file: one dbt build on every accepted raw load."""

from ssc_pipeline.orchestration.transform_dag import build_transform_dag

transform = build_transform_dag()
