"""Monthly close: completeness gate, write-audit-publish, versions with lineage, overrides, RLS."""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg
import pytest

from ssc_pipeline import publishing, warehouse
from ssc_pipeline.registry import active_organisations
from ssc_pipeline.sources.spec import spec_for

OCT = dt.date(2026, 10, 1)
COLUMNS = """month date, org_code text, service_code text, priority text, tickets_resolved bigint,
  resolution_met bigint, resolution_breached bigint, resolution_attainment_pct numeric(5,2),
  responses bigint, response_met bigint, response_attainment_pct numeric(5,2), target_pct numeric(5,2),
  target_achieved boolean, p50_resolution_business_minutes numeric, p90_resolution_business_minutes numeric,
  open_breached bigint"""


def sla_row(org: str, service: str = "WERKPLEK", priority: str = "P3", met: int = 9, breached: int = 1):
    pct = round(100 * met / (met + breached), 2)
    return (
        OCT,
        org,
        service,
        priority,
        met + breached,
        met,
        breached,
        pct,
        10,
        10,
        100.0,
        90.0,
        pct >= 90,
        120,
        900,
        0,
    )


@pytest.fixture()
def month_ready(fresh_db: str):
    orgs = active_organisations()
    with warehouse.connect(autocommit=True) as conn:
        conn.execute("drop schema if exists published cascade; create schema published")
        conn.execute("drop schema if exists published_wap cascade")
        conn.execute("delete from audit.publications; delete from audit.validations; delete from audit.loads")
        conn.execute(f"drop table if exists marts.sla_monthly; create table marts.sla_monthly ({COLUMNS})")
        for org in orgs:
            conn.execute("insert into marts.sla_monthly values (" + ",".join(["%s"] * 16) + ")", sla_row(org.code))
            # two accepted loads that together cover October (local time), one failed load
            for start, end, status in (
                ("2026-09-30 22:00+00", "2026-10-15 22:00+00", "accepted"),
                ("2026-10-15 22:00+00", "2026-10-31 23:00+00", "accepted"),
                ("2026-10-20 22:00+00", "2026-10-21 22:00+00", "failed"),
            ):
                conn.execute(
                    "insert into audit.loads (load_id, org_code, source_system, entity, window_start,"
                    " window_end, status) values (%s, %s, %s, %s, %s, %s, %s)",
                    (str(uuid.uuid4()), org.code, org.source, spec_for(org.source).ticket_entity, start, end, status),
                )
        conn.execute("insert into audit.dbt_runs values ('inv-1', 'build', true, 10, now()) on conflict do nothing")
    return orgs


def versions() -> list[tuple]:
    with warehouse.connect() as conn:
        return conn.execute(
            "select version, count(*), min(dbt_invocation_id), bool_and(validation_run_id is not null),"
            " min(source_row_count), count(distinct checksum) from published.sla_monthly"
            " where month = %s group by version order by version",
            (OCT,),
        ).fetchall()


def test_close_reclose_correct_reclose_gives_versions_1_1_2(month_ready) -> None:
    n = len(month_ready)
    first = publishing.close_month(OCT)
    assert [(p.mart, p.version, p.created, p.rows) for p in first.published] == [("sla_monthly", 1, True, n)]
    assert versions() == [(1, n, "inv-1", True, n, 1)]

    again = publishing.close_month(OCT)
    assert [(p.version, p.created) for p in again.published] == [(1, False)]
    assert versions() == [(1, n, "inv-1", True, n, 1)]  # nothing new

    with warehouse.connect(autocommit=True) as conn:
        conn.execute(
            "update marts.sla_monthly set resolution_met = 8, resolution_breached = 2,"
            " resolution_attainment_pct = 80.00, target_achieved = false where org_code = 'GM0505'"
        )
    corrected = publishing.close_month(OCT)
    assert [(p.version, p.created) for p in corrected.published] == [(2, True)]
    assert [v[0] for v in versions()] == [1, 2]  # version 1 kept
    with warehouse.connect() as conn:
        kept = conn.execute(
            "select version, resolution_attainment_pct from published.sla_monthly"
            " where org_code = 'GM0505' order by version"
        ).fetchall()
        pubs = conn.execute(
            "select version, row_count from audit.publications where month = %s order by version", (OCT,)
        ).fetchall()
    assert [(v, float(p)) for v, p in kept] == [(1, 90.0), (2, 80.0)]
    assert pubs == [(1, n), (2, n)]


def test_incomplete_month_is_blocked_naming_the_organisation(month_ready) -> None:
    with warehouse.connect(autocommit=True) as conn:
        conn.execute("delete from audit.loads where org_code = 'GM0642' and window_start > '2026-10-10'")
    with pytest.raises(publishing.MonthBlocked) as err:
        publishing.close_month(OCT)
    assert "GM0642" in str(err.value) and "2026-10" in str(err.value)
    assert "GM0505" not in str(err.value)
    with warehouse.connect() as conn:
        assert conn.execute("select count(*) from audit.publications").fetchone()[0] == 0


def test_override_publishes_without_a_late_organisation_and_marks_the_rows(month_ready) -> None:
    with warehouse.connect(autocommit=True) as conn:
        conn.execute("delete from audit.loads where org_code = 'GM0642'")
    with pytest.raises(ValueError, match="reason"):
        publishing.close_month(OCT, override=("GM0642",))
    result = publishing.close_month(OCT, override=("GM0642",), reason="TOPdesk migratie", actor="ssc-dataloket")
    assert result.published[0].version == 1
    with warehouse.connect() as conn:
        notes = conn.execute("select distinct completeness_override from published.sla_monthly").fetchall()
        audit_note = conn.execute("select note from audit.publications").fetchone()[0]
    assert notes == [("published without GM0642: TOPdesk migratie (by ssc-dataloket)",)]
    assert "GM0642" in audit_note


def test_failing_mart_suite_blocks_the_close(month_ready) -> None:
    with warehouse.connect(autocommit=True) as conn:
        conn.execute("update marts.sla_monthly set resolution_attainment_pct = 120 where org_code = 'GM0590'")
    with pytest.raises(publishing.MonthBlocked, match="mart_sla_monthly.*resolution_attainment_pct"):
        publishing.close_month(OCT)


def _login(pg: warehouse.DbParams, db: str, role: str, grant: str) -> str:
    password = uuid.uuid4().hex
    with warehouse.connect(autocommit=True) as conn:
        conn.execute(f"drop role if exists {role}")
        conn.execute(f"create role {role} login password '{password}' in role {grant}")
        conn.execute(f'grant connect on database "{db}" to {role}')
    return warehouse.DbParams(pg.host, pg.port, role, password, db).url()


def test_row_level_security_each_organisation_sees_only_its_own_rows(month_ready, pg_server) -> None:
    publishing.close_month(OCT)
    db = warehouse.DbParams.from_url(warehouse.database_url()).dbname
    alice = _login(pg_server, db, "alice_dordrecht", "org_gm0505")
    bob = _login(pg_server, db, "bob_zwijndrecht", "org_gm0642")
    carol = _login(pg_server, db, "carol_bi", "bi_reader")
    try:
        for url, expected in ((alice, {"GM0505"}), (bob, {"GM0642"}), (carol, {o.code for o in month_ready})):
            with psycopg.connect(url) as conn:
                seen = {r[0] for r in conn.execute("select org_code from published.sla_monthly")}
                assert seen == expected
        for url in (alice, bob, carol):
            with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("insert into published.sla_monthly (month, org_code) values ('2026-10-01', 'GM0505')")
            with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("delete from published.sla_monthly")
            with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(
                    "insert into raw.topdesk_incidents (load_id, org_code, incident_id, modified_at,"
                    " payload) values (gen_random_uuid(), 'GM0505', 'x', now(), '{}')"
                )
    finally:
        with warehouse.connect(autocommit=True) as conn:
            for role in ("alice_dordrecht", "bob_zwijndrecht", "carol_bi"):
                conn.execute(f"drop owned by {role}")
                conn.execute(f"drop role if exists {role}")
