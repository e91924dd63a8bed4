"""Shared fixtures: a real PostgreSQL for the whole session, one fresh database per test module.

``SSC_DATABASE_URL`` (if set) names the server to use; otherwise the embedded
PostgreSQL is started under a temporary SSC home and stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ssc_pipeline import warehouse
from ssc_pipeline.warehouse.embedded import EmbeddedPostgres

# Airflow reads its config when first imported: keep tests away from ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="ssc-test-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[warehouse.DbParams]:
    if url := os.environ.get("SSC_DATABASE_URL"):
        yield warehouse.DbParams.from_url(url)
        return
    # Not under pytest's basetemp: a concurrent pytest run prunes old basetemps.
    home = Path(tempfile.mkdtemp(prefix="ssc-test-pg-"))
    server = EmbeddedPostgres(home=home)
    url = server.start()
    try:
        yield warehouse.DbParams.from_url(url)
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def fresh_db(pg_server: warehouse.DbParams) -> Iterator[str]:
    """A new, empty warehouse database with schemas; ``SSC_DATABASE_URL`` points at it."""
    name = f"ssc_test_{uuid.uuid4().hex[:10]}"
    admin = pg_server.url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = pg_server.url(name)
    previous = os.environ.get("SSC_DATABASE_URL")
    os.environ["SSC_DATABASE_URL"] = url
    warehouse.ensure_schema(url)
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("SSC_DATABASE_URL", None)
        else:
            os.environ["SSC_DATABASE_URL"] = previous
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
