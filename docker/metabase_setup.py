"""One-shot: set up Metabase and connect it to the warehouse as the read-only ``metabase`` role.

Metabase's open-source edition takes its data sources only through its API
(the config file is an Enterprise feature), so this runs once after Metabase
is healthy: the first time it completes the setup wizard (admin user, Dutch
locale) together with the warehouse connection; later it logs in and adds
the connection only if it is missing. It is idempotent, so ``docker compose
up`` may run it any number of times.

The connection uses the login role ``metabase``, which is a member of
``bi_reader`` (docker/postgres/roles.sql): read-only on ``marts`` and
``published``, nothing else. Only those two schemas are synced.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import httpx

WAREHOUSE_NAME = "SSC warehouse"


def warehouse_details(env: dict[str, str]) -> dict[str, Any]:
    """The connection Metabase stores; the password comes from the environment only."""
    return {
        "host": env.get("MB_WAREHOUSE_HOST", "postgres"),
        "port": int(env.get("MB_WAREHOUSE_PORT", "5432")),
        "dbname": env.get("MB_WAREHOUSE_DB", "ssc"),
        "user": env.get("MB_WAREHOUSE_USER", "metabase"),
        "password": env["MB_WAREHOUSE_PASSWORD"],
        "ssl": False,
        "schema-filters-type": "inclusion",
        "schema-filters-patterns": "marts,published",
        "tunnel-enabled": False,
    }


def wait_healthy(client: httpx.Client, timeout: float = 600.0, pause: float = 5.0) -> None:
    """Metabase migrates its application database on first start; that can take minutes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if client.get("/api/health").json().get("status") == "ok":
                return
        except (httpx.HTTPError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"Metabase did not become healthy within {timeout:.0f}s")
        time.sleep(pause)


def setup(client: httpx.Client, env: dict[str, str]) -> str:
    """Complete the wizard or log in; make sure the warehouse connection exists. Returns what it did."""
    database = {"engine": "postgres", "name": WAREHOUSE_NAME, "details": warehouse_details(env)}
    properties = client.get("/api/session/properties").json()
    token = properties.get("setup-token")
    if token and not properties.get("has-user-setup"):
        done = client.post(
            "/api/setup",
            json={
                "token": token,
                "user": {
                    "email": env["MB_ADMIN_EMAIL"],
                    "password": env["MB_ADMIN_PASSWORD"],
                    "first_name": "SSC",
                    "last_name": "Beheer",
                    "site_name": "SSC",
                },
                "prefs": {"site_name": "SSC Shared Service Center", "site_locale": "nl", "allow_tracking": False},
                "database": database,
            },
        )
        done.raise_for_status()
        return "set up Metabase with the warehouse connection"
    session = client.post(
        "/api/session", json={"username": env["MB_ADMIN_EMAIL"], "password": env["MB_ADMIN_PASSWORD"]}
    )
    session.raise_for_status()
    client.headers["X-Metabase-Session"] = session.json()["id"]
    listed = client.get("/api/database").json()
    existing = listed.get("data", listed) if isinstance(listed, dict) else listed
    if any(item.get("name") == WAREHOUSE_NAME for item in existing):
        return "warehouse connection already present"
    client.post("/api/database", json=database).raise_for_status()
    return "added the warehouse connection"


def main() -> int:
    env = dict(os.environ)
    with httpx.Client(base_url=env.get("MB_URL", "http://metabase:3000"), timeout=60) as client:
        wait_healthy(client)
        print(setup(client, env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
