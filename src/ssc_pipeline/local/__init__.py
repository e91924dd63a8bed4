"""Drives Airflow and the demo stack from outside: start/stop, REST client, runs, the demo."""
