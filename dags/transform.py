"""Airflow DAG file: dbt build on every accepted raw load."""

from ssc_pipeline.orchestration.dag_builders import build_transform_dag

transform = build_transform_dag()
