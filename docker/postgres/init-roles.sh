#!/usr/bin/env bash
# Runs once, when PostgreSQL initialises an empty data volume (/docker-entrypoint-initdb.d).
# Passwords come from the environment (.env) and reach roles.sql as psql variables,
# so they are never written into a file or the image.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v airflow_password="$AIRFLOW_DB_PASSWORD" \
  -v metabase_password="$METABASE_WAREHOUSE_PASSWORD" \
  -v metabase_app_password="$METABASE_APP_DB_PASSWORD" \
  -f /ssc-init/roles.sql
