"""Rebuilding the marts never breaks a running BI query: dbt swaps a rebuilt table in by
renaming inside one transaction, so readers see the old table or the new one, never none."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from pathlib import Path

import psycopg

from ssc_pipeline import landing, transform, validation, warehouse
from ssc_pipeline.sources.spec import TOPDESK

TOPDESK_INCIDENTS = TOPDESK.tickets

UTC = dt.timezone.utc


def incident(i: int) -> dict[str, object]:
    return {
        "id": f"bi-{i}",
        "number": f"I 2611 {i:04d}",
        "callDate": "2026-11-16T08:00:00.000+0000",
        "modificationDate": "2026-11-16T12:00:00.000+0000",
        "responseDate": "2026-11-16T08:30:00.000+0000",
        "completedDate": "2026-11-16T11:00:00.000+0000",
        "closedDate": None,
        "priority": {"name": "P3 Normaal"},
        "processingStatus": {"name": "Gereed"},
        "category": {"name": "Werkplek"},
    }


def test_bi_reader_queries_keep_working_while_dbt_rebuilds(
    fresh_db: str, pg_server: warehouse.DbParams, tmp_path: Path
) -> None:
    start = dt.datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    load = landing.run_load(
        "GM0505", TOPDESK_INCIDENTS, start, start + dt.timedelta(days=1), [incident(i) for i in range(40)]
    )
    validation.validate_load(load.load_id, "raw_topdesk_incidents")
    transform.run_dbt(("build",), target_path=tmp_path / "first")

    db = warehouse.DbParams.from_url(fresh_db).dbname
    role, password = f"bi_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with warehouse.connect(autocommit=True) as conn:
        conn.execute(f"create role {role} login password '{password}' in role bi_reader")
        conn.execute(f'grant connect on database "{db}" to {role}')
    bi_url = warehouse.DbParams(pg_server.host, pg_server.port, role, password, db).url()

    errors: list[str] = []
    counts: list[int] = []
    stop = threading.Event()

    def long_report() -> None:  # one long BI transaction spanning the rebuild
        try:
            with psycopg.connect(bi_url) as conn:
                first = conn.execute("select count(*) from marts.fct_tickets").fetchone()[0]
                conn.execute("select pg_sleep(3)")
                counts.extend([first, conn.execute("select count(*) from marts.fct_tickets").fetchone()[0]])
        except psycopg.Error as exc:
            errors.append(f"long: {exc}")

    def dashboard() -> None:  # a dashboard refreshing all the time
        with psycopg.connect(bi_url, autocommit=True) as conn:
            while not stop.is_set():
                try:
                    conn.execute("select count(*) from marts.fct_tickets").fetchone()
                    conn.execute("select count(*) from marts.sla_monthly").fetchone()
                except psycopg.Error as exc:
                    errors.append(f"dashboard: {exc}")
                time.sleep(0.05)

    threads = [threading.Thread(target=long_report), threading.Thread(target=dashboard)]
    for t in threads:
        t.start()
    try:
        transform.run_dbt(("build",), target_path=tmp_path / "second")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
        with warehouse.connect(autocommit=True) as conn:
            conn.execute(f"drop owned by {role}")
            conn.execute(f"drop role {role}")
    assert errors == []
    assert counts == [40, 40]
