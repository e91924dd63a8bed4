#!/usr/bin/env bash
# One-shot before the Airflow components start (docker-compose.yml: airflow-init).
# Idempotent: every step can run again on the next `docker compose up`.
set -euo pipefail

# Warehouse schemas, roles and raw/audit tables (src/ssc_pipeline/warehouse/sql/*.sql).
python -c 'from ssc_pipeline import warehouse; warehouse.ensure_schema()'

# Airflow's metadata database (the `airflow` database, created by docker/postgres/roles.sql).
airflow db migrate

# The API user's password file (simple auth manager) and the pools,
# exactly as ssc_pipeline.local.airflow_runtime prepares them for the local stack.
python - <<'PY'
import json
import os
from pathlib import Path

from ssc_pipeline.local.airflow_runtime import API_USER, POOLS

passwords = Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
passwords.write_text(json.dumps({API_USER: os.environ["AIRFLOW_API_PASSWORD"]}))
passwords.chmod(0o600)
Path(os.environ["AIRFLOW_HOME"], "pools.json").write_text(json.dumps(POOLS))
PY
airflow pools import "${AIRFLOW_HOME}/pools.json"
mkdir -p "${SSC_INBOX}"
echo "airflow-init: done"
