"""The dbt project against a real PostgreSQL, on hand-made TOPdesk incidents.

(The SLA cases through a file-drop organisation live in test_sla_cases.py.)

Each run creates its own database ``ssc_test_dbt_<random>`` on the warehouse
server (the session fixture ``pg_server`` in tests/conftest.py, which honours
``SSC_DATABASE_URL``), applies the pipeline DDL (src/ssc_pipeline/sql/*.sql), runs ``dbt build``
once on the empty raw table and once on a handful of incidents whose SLA
clocks were counted by hand, and drops the database afterwards. dbt's target
and log folders live in a temporary directory, so parallel runs do not clash.

All times below are UTC in TOPdesk's format; local Europe/Amsterdam time is
UTC+1 in November and December 2026. Default calendar: Mon-Fri 08:00-17:00,
closed on Dutch public holidays. Default targets (response/resolution, business
minutes): P1 30/240 at 95 %, P2 60/960 at 90 %, P3 240/2700 at 90 %, P4 480/5400 at 85 %.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import uuid
import zlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from ssc_pipeline.warehouse import DbParams, ensure_schema  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = ROOT / "dbt_project"
UTC = dt.timezone.utc

L_NOV = uuid.UUID("00000000-0000-0000-0000-000000000001")  # accepted, GM0505
L_DEC = uuid.UUID("00000000-0000-0000-0000-000000000002")  # accepted, GM0505
L_QUARANTINED = uuid.UUID("00000000-0000-0000-0000-000000000003")  # quarantined, GM0505
L_RUNNING = uuid.UUID("00000000-0000-0000-0000-000000000004")  # still running, GM0505
L_OTHER_ORG = uuid.UUID("00000000-0000-0000-0000-000000000005")  # accepted, GM0642


def _ts(value: str) -> str:
    """'2026-11-20 15:30' (UTC) -> TOPdesk's '2026-11-20T15:30:00.000+0000'."""
    parsed = dt.datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    return f"{parsed:%Y-%m-%dT%H:%M:%S}.000+0000"


def _incident(
    incident_id: str,
    *,
    category: str,
    priority: str,
    status: str,
    call: str,
    modified: str,
    responded: str | None = None,
    completed: str | None = None,
    closed: str | None = None,
    on_hold: bool = False,
    holds: list[dict[str, str | None]] | None = None,
) -> dict[str, Any]:
    """A TOPdesk incident payload as the (pseudonymising) connector lands it.

    ``holds`` become the top-level ``_holds`` list the connector derives from the
    progress trail (absent = no known holds).
    """
    payload: dict[str, Any] = {
        "id": incident_id,
        "number": f"I 2611 {zlib.crc32(incident_id.encode()) % 1000:03d}",
        "briefDescription": "test",
        "caller": {"dynamicName": "pseudo-1", "email": "pseudo-1@example.invalid", "branch": {"name": "Stadskantoor"}},
        "callDate": _ts(call),
        "creationDate": _ts(call),
        "modificationDate": _ts(modified),
        "category": {"name": category},
        "subcategory": {"name": "test"},
        "priority": {"name": priority},
        "processingStatus": {"name": status},
        "operatorGroup": {"name": "Servicedesk"},
        "responded": responded is not None,
        "responseDate": _ts(responded) if responded else None,
        "completed": completed is not None,
        "completedDate": _ts(completed) if completed else None,
        "closed": closed is not None,
        "closedDate": _ts(closed) if closed else None,
        "onHold": on_hold,
        "onHoldDate": None,
        "onHoldDuration": 0,
        "feedbackRating": None,
        "targetDate": None,
    }
    if holds is not None:
        payload["_holds"] = holds
    return payload


# (load, org, incident) -- versions of one incident in several loads on purpose.
ROWS: list[tuple[uuid.UUID, str, dict[str, Any]]] = [
    # Fri 16:30 local -> response Mon 09:15 = 30 + 75 = 105 (> 30: breached);
    # resolved Mon 10:00 = 150 (<= 240: met). First delivered still open.
    (
        L_NOV,
        "GM0505",
        _incident(
            "inc-weekend",
            category="Werkplek",
            priority="P1 Kritiek",
            status="Aangemeld",
            call="2026-11-20 15:30",
            modified="2026-11-20 15:31",
        ),
    ),
    (
        L_DEC,
        "GM0505",
        _incident(
            "inc-weekend",
            category="Werkplek",
            priority="P1 Kritiek",
            status="Afgemeld",
            call="2026-11-20 15:30",
            modified="2026-11-23 12:00",
            responded="2026-11-23 08:15",
            completed="2026-11-23 09:00",
            closed="2026-11-23 12:00",
        ),
    ),
    # A later version in a quarantined load must not win, nor its holds count.
    (
        L_QUARANTINED,
        "GM0505",
        _incident(
            "inc-weekend",
            category="Werkplek",
            priority="P1 Kritiek",
            status="Geannuleerd",
            call="2026-11-20 15:30",
            modified="2026-12-10 12:00",
            holds=[{"start": "2026-11-23T08:00:00+01:00", "end": None}],
        ),
    ),
    # Holds from the connector's "_holds": Mon 09:00 local -> Tue 15:00 = 480 + 420 = 900 business
    # minutes, less Mon 16:00 -> Tue 10:00 (60 + 120) and Tue 11:00-11:30 (30) on hold = 690 (P2: met).
    # The earlier version (still on hold, no end) is replaced by the latest version's list.
    (
        L_NOV,
        "GM0505",
        _incident(
            "inc-hold",
            category="Werkplek",
            priority="P2 Hoog",
            status="In behandeling",
            call="2026-11-23 08:00",
            modified="2026-11-23 15:05",
            responded="2026-11-23 08:30",
            holds=[{"start": "2026-11-23T16:00:00+01:00", "end": None}],
        ),
    ),
    (
        L_DEC,
        "GM0505",
        _incident(
            "inc-hold",
            category="Werkplek",
            priority="P2 Hoog",
            status="Gereed",
            call="2026-11-23 08:00",
            modified="2026-11-24 14:00",
            responded="2026-11-23 08:30",
            completed="2026-11-24 14:00",
            holds=[
                {"start": "2026-11-23T16:00:00+01:00", "end": "2026-11-24T10:00:00+01:00"},
                {"start": "2026-11-24T11:00:00+01:00", "end": "2026-11-24T11:30:00+01:00"},
            ],
        ),
    ),
    # Mon 09:00 local, response 09:10 = 10 (met); resolved Tue 10:00 = 480 + 120 = 600 (> 240).
    (
        L_DEC,
        "GM0505",
        _incident(
            "inc-p1-slow",
            category="Werkplek",
            priority="P1 Kritiek",
            status="Gereed",
            call="2026-11-23 08:00",
            modified="2026-11-24 09:00",
            responded="2026-11-23 08:10",
            completed="2026-11-24 09:00",
        ),
    ),
    # Opened Saturday 10:00 local: the clock starts Monday 08:00; response Mon 08:45 = 45,
    # resolved Tue 16:00 = 540 + 480 = 1020 (P3: both met).
    (
        L_NOV,
        "GM0505",
        _incident(
            "inc-saturday",
            category="Netwerk",
            priority="P3 Normaal",
            status="In behandeling",
            call="2026-11-21 09:00",
            modified="2026-11-23 07:45",
            responded="2026-11-23 07:45",
        ),
    ),
    (
        L_DEC,
        "GM0505",
        _incident(
            "inc-saturday",
            category="Netwerk",
            priority="P3 Normaal",
            status="Gereed",
            call="2026-11-21 09:00",
            modified="2026-11-24 15:00",
            responded="2026-11-23 07:45",
            completed="2026-11-24 15:00",
        ),
    ),
    # Across Christmas: Thu 24 Dec 16:00 local -> response Mon 28 Dec 09:00 = 60 + 60 = 120
    # (P2 target 60: breached); resolved Mon 13:00 = 60 + 300 = 360 (met).
    (
        L_DEC,
        "GM0505",
        _incident(
            "inc-xmas",
            category="Accounts en toegang",
            priority="P2 Hoog",
            status="Gereed",
            call="2026-12-24 15:00",
            modified="2026-12-28 12:00",
            responded="2026-12-28 08:00",
            completed="2026-12-28 12:00",
        ),
    ),
    # Cancelled: stays in fct_tickets without met flags, counts nowhere in sla_monthly.
    (
        L_NOV,
        "GM0505",
        _incident(
            "inc-cancelled",
            category="Printen",
            priority="P4 Laag",
            status="Geannuleerd",
            call="2026-11-20 08:00",
            modified="2026-11-20 08:20",
            completed="2026-11-20 08:20",
        ),
    ),
    # Still open, no response: Thu 26 Nov 09:00 local. At November's end 480 + 540 + 540
    # = 1560 business minutes (> 240): open_breached in November and December.
    (
        L_DEC,
        "GM0505",
        _incident(
            "inc-open",
            category="Telefonie",
            priority="P1 Kritiek",
            status="Aangemeld",
            call="2026-11-26 08:00",
            modified="2026-11-26 08:00",
        ),
    ),
    # Unknown category and status: OVERIG (flagged), status from TOPdesk's onHold flag.
    (
        L_DEC,
        "GM0505",
        _incident(
            "inc-unknown",
            category="Kantoorartikelen",
            priority="P4 Laag",
            status="Wacht op leverancier",
            call="2026-11-24 09:00",
            modified="2026-11-24 10:00",
            on_hold=True,
        ),
    ),
    # Only in a quarantined or a running load: never reaches staging.
    (
        L_QUARANTINED,
        "GM0505",
        _incident(
            "inc-quarantined",
            category="Werkplek",
            priority="P2 Hoog",
            status="Aangemeld",
            call="2026-11-25 09:00",
            modified="2026-11-25 09:00",
        ),
    ),
    (
        L_RUNNING,
        "GM0505",
        _incident(
            "inc-running-load",
            category="Werkplek",
            priority="P2 Hoog",
            status="Aangemeld",
            call="2026-11-25 09:00",
            modified="2026-11-25 09:00",
        ),
    ),
    # Another organisation: Mon 09:00 local, response 09:30 = 30, resolved 15:00 = 360 (P2: met).
    (
        L_OTHER_ORG,
        "GM0642",
        _incident(
            "inc-other-org",
            category="Werkplek",
            priority="P2 Hoog",
            status="Gereed",
            call="2026-11-23 08:00",
            modified="2026-11-23 14:00",
            responded="2026-11-23 08:30",
            completed="2026-11-23 14:00",
        ),
    ),
]

LOADS = [
    # load_id, org, status, window_start, window_end
    (L_NOV, "GM0505", "accepted", "2026-11-01 00:00", "2026-11-25 00:00"),
    (L_DEC, "GM0505", "accepted", "2026-11-25 00:00", "2026-12-31 00:00"),
    (L_QUARANTINED, "GM0505", "quarantined", "2026-12-31 00:00", "2027-01-01 00:00"),
    (L_RUNNING, "GM0505", "running", "2027-01-01 00:00", "2027-01-02 00:00"),
    (L_OTHER_ORG, "GM0642", "accepted", "2026-11-01 00:00", "2026-12-31 00:00"),
]


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        pytest.skip("dbt is not installed")
    return found


def _dbt_build(params: DbParams, dbname: str, work: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SSC_DB_HOST": params.host,
        "SSC_DB_PORT": str(params.port),
        "SSC_DB_USER": params.user,
        "SSC_DB_PASSWORD": params.password,
        "SSC_DB_NAME": dbname,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    done = subprocess.run(
        [
            _dbt_executable(),
            "build",
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"dbt build failed:\n{done.stdout[-8000:]}\n{done.stderr[-2000:]}"
    return done


def _land(conn: psycopg.Connection) -> None:
    for load_id, org, status, start, end in LOADS:
        conn.execute(
            "insert into audit.loads (load_id, org_code, source_system, entity, window_start, window_end, status)"
            " values (%s, %s, 'topdesk', 'incidents', %s, %s, %s)",
            (load_id, org, f"{start}+00", f"{end}+00", status),
        )
    for load_id, org, payload in ROWS:
        conn.execute(
            "insert into raw.topdesk_incidents (load_id, org_code, incident_id, modified_at, payload)"
            " values (%s, %s, %s, %s::timestamptz, %s::jsonb)",
            (load_id, org, payload["id"], payload["modificationDate"], json.dumps(payload)),
        )


@pytest.fixture(scope="module")
def warehouse(pg_server: DbParams, tmp_path_factory: pytest.TempPathFactory) -> Iterator[psycopg.Connection]:
    """A fresh database, built once empty and once with the incidents above."""
    params = pg_server  # the session's real PostgreSQL (tests/conftest.py): never skipped
    dbname = f"ssc_test_dbt_{uuid.uuid4().hex[:12]}"
    work = tmp_path_factory.mktemp("dbt")
    with psycopg.connect(params.url("postgres"), autocommit=True) as admin:
        admin.execute(f'create database "{dbname}"')
    try:
        ensure_schema(params.url(dbname))
        _dbt_build(params, dbname, work)  # an empty raw table builds and passes every test
        with psycopg.connect(params.url(dbname), autocommit=True) as conn:
            empty = conn.execute(
                "select (select count(*) from marts.fct_tickets), (select count(*) from marts.sla_monthly)"
            ).fetchone()
            assert empty == (0, 0)
            _land(conn)
        _dbt_build(params, dbname, work)
        with psycopg.connect(params.url(dbname), autocommit=True) as conn:
            yield conn
    finally:
        with psycopg.connect(params.url("postgres"), autocommit=True) as admin:
            admin.execute(f'drop database if exists "{dbname}" with (force)')


def _ticket(conn: psycopg.Connection, ticket_id: str) -> dict[str, Any]:
    cur = conn.execute("select * from marts.fct_tickets where ticket_id = %s", (ticket_id,))
    row = cur.fetchone()
    assert row is not None, f"{ticket_id} missing from marts.fct_tickets"
    return dict(zip([c.name for c in cur.description or ()], row))


def _monthly(conn: psycopg.Connection, month: str, org: str, service: str, priority: str) -> dict[str, Any]:
    cur = conn.execute(
        "select * from marts.sla_monthly where month = %s and org_code = %s and service_code = %s and priority = %s",
        (dt.date.fromisoformat(month), org, service, priority),
    )
    row = cur.fetchone()
    assert row is not None, f"no sla_monthly row for {month} {org} {service} {priority}"
    return dict(zip([c.name for c in cur.description or ()], row))


def test_fct_tickets_has_exactly_the_contract_columns(warehouse: psycopg.Connection) -> None:
    columns = [
        r[0]
        for r in warehouse.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'fct_tickets' order by ordinal_position"
        )
    ]
    assert columns == [
        "org_code",
        "ticket_id",
        "source_system",
        "service_code",
        "priority",
        "status",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "on_hold_business_minutes",
        "response_business_minutes",
        "resolution_business_minutes",
        "response_target_minutes",
        "resolution_target_minutes",
        "response_met",
        "resolution_met",
    ]


def test_sla_monthly_has_exactly_the_contract_columns(warehouse: psycopg.Connection) -> None:
    columns = [
        r[0]
        for r in warehouse.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'sla_monthly' order by ordinal_position"
        )
    ]
    assert columns == [
        "month",
        "org_code",
        "service_code",
        "priority",
        "tickets_resolved",
        "resolution_met",
        "resolution_breached",
        "resolution_attainment_pct",
        "responses",
        "response_met",
        "response_attainment_pct",
        "target_pct",
        "target_achieved",
        "p50_resolution_business_minutes",
        "p90_resolution_business_minutes",
        "open_breached",
    ]


def test_only_accepted_loads_reach_the_marts_latest_version_wins(warehouse: psycopg.Connection) -> None:
    ids = {r[0] for r in warehouse.execute("select ticket_id from marts.fct_tickets")}
    assert ids == {
        "inc-weekend",
        "inc-p1-slow",
        "inc-saturday",
        "inc-xmas",
        "inc-cancelled",
        "inc-open",
        "inc-unknown",
        "inc-other-org",
        "inc-hold",
    }
    weekend = _ticket(warehouse, "inc-weekend")
    assert weekend["status"] == "closed"  # not the quarantined 'Geannuleerd' version
    assert weekend["closed_at"] == dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_business_minutes_across_a_weekend(warehouse: psycopg.Connection) -> None:
    t = _ticket(warehouse, "inc-weekend")
    assert (t["source_system"], t["service_code"], t["priority"]) == ("topdesk", "WERKPLEK", "P1")
    assert t["opened_at"] == dt.datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert t["response_business_minutes"] == 105
    assert t["resolution_business_minutes"] == 150
    assert (t["response_target_minutes"], t["resolution_target_minutes"]) == (30, 240)
    assert (t["response_met"], t["resolution_met"]) == (False, True)
    assert t["on_hold_business_minutes"] == 0


def test_holds_from_the_payload_are_subtracted(warehouse: psycopg.Connection) -> None:
    t = _ticket(warehouse, "inc-hold")
    assert (t["status"], t["service_code"], t["priority"]) == ("resolved", "WERKPLEK", "P2")
    assert t["on_hold_business_minutes"] == 210
    assert (t["response_business_minutes"], t["resolution_business_minutes"]) == (30, 690)
    assert (t["response_met"], t["resolution_met"]) == (True, True)
    periods = warehouse.execute(
        "select count(*) from intermediate.int_ticket_holds_merged where ticket_id = 'inc-hold'"
    ).fetchone()
    assert periods == (2,)


def test_ticket_opened_on_saturday_starts_at_monday_opening(warehouse: psycopg.Connection) -> None:
    t = _ticket(warehouse, "inc-saturday")
    assert (t["status"], t["service_code"], t["priority"]) == ("resolved", "NETWERK", "P3")
    assert (t["response_business_minutes"], t["resolution_business_minutes"]) == (45, 1020)
    assert (t["response_met"], t["resolution_met"]) == (True, True)


def test_public_holidays_do_not_count(warehouse: psycopg.Connection) -> None:
    t = _ticket(warehouse, "inc-xmas")
    assert (t["service_code"], t["priority"]) == ("ACCOUNTS", "P2")
    assert (t["response_business_minutes"], t["resolution_business_minutes"]) == (120, 360)
    assert (t["response_met"], t["resolution_met"]) == (False, True)


def test_running_clock_past_its_target_is_breached(warehouse: psycopg.Connection) -> None:
    t = _ticket(warehouse, "inc-open")
    assert t["status"] == "open"
    assert t["first_response_at"] is None and t["resolved_at"] is None
    assert t["response_business_minutes"] is None and t["resolution_business_minutes"] is None
    assert (t["response_met"], t["resolution_met"]) == (False, False)


def test_cancelled_ticket_keeps_no_met_flags(warehouse: psycopg.Connection) -> None:
    t = _ticket(warehouse, "inc-cancelled")
    assert t["status"] == "cancelled"
    assert (t["response_met"], t["resolution_met"]) == (None, None)
    # TOPdesk completes a ticket when it is cancelled; that is no resolution and no response
    assert (t["first_response_at"], t["resolved_at"]) == (None, None)


def test_unknown_category_and_status_fall_back(warehouse: psycopg.Connection) -> None:
    t = _ticket(warehouse, "inc-unknown")
    assert (t["service_code"], t["status"], t["priority"]) == ("OVERIG", "on_hold", "P4")
    flagged = warehouse.execute(
        "select service_mapped, status_mapped from intermediate.int_tickets_timed where ticket_id = 'inc-unknown'"
    ).fetchone()
    assert flagged == (False, False)


def test_monthly_attainment(warehouse: psycopg.Connection) -> None:
    row = _monthly(warehouse, "2026-11-01", "GM0505", "WERKPLEK", "P1")
    assert (row["tickets_resolved"], row["resolution_met"], row["resolution_breached"]) == (2, 1, 1)
    assert row["resolution_attainment_pct"] == Decimal("50.00")
    assert (row["responses"], row["response_met"]) == (2, 1)
    assert row["response_attainment_pct"] == Decimal("50.00")
    assert row["target_pct"] == Decimal("95")
    assert row["target_achieved"] is False
    assert row["p50_resolution_business_minutes"] == Decimal("375.00")  # (150 + 600) / 2
    assert row["p90_resolution_business_minutes"] == Decimal("555.00")  # 150 + 0.9 * 450
    assert row["open_breached"] == 0


def test_monthly_response_and_resolution_count_in_their_own_months(warehouse: psycopg.Connection) -> None:
    saturday = _monthly(warehouse, "2026-11-01", "GM0505", "NETWERK", "P3")
    assert (saturday["tickets_resolved"], saturday["responses"]) == (1, 1)
    assert saturday["target_achieved"] is True
    xmas = _monthly(warehouse, "2026-12-01", "GM0505", "ACCOUNTS", "P2")
    assert (xmas["tickets_resolved"], xmas["resolution_attainment_pct"]) == (1, Decimal("100.00"))
    assert (xmas["responses"], xmas["response_met"], xmas["response_attainment_pct"]) == (1, 0, Decimal("0.00"))
    assert xmas["target_achieved"] is False  # the response attainment falls short


def test_open_breached_at_month_end(warehouse: psycopg.Connection) -> None:
    for month in ("2026-11-01", "2026-12-01"):
        row = _monthly(warehouse, month, "GM0505", "TELEFONIE", "P1")
        assert row["open_breached"] == 1
        assert (row["tickets_resolved"], row["responses"]) == (0, 0)
        assert row["resolution_attainment_pct"] is None and row["target_achieved"] is None
    aged = warehouse.execute(
        "select elapsed_business_minutes from intermediate.int_open_tickets_aged"
        " where ticket_id = 'inc-open' and month = date '2026-11-01'"
    ).fetchone()
    assert aged == (1560,)  # Thu 26 09:00-17:00 + Fri 27 + Mon 30, judged at local midnight 1 Dec


def test_cancelled_and_other_orgs_stay_out_of_each_others_rows(warehouse: psycopg.Connection) -> None:
    printen = warehouse.execute("select count(*) from marts.sla_monthly where service_code = 'PRINTEN'").fetchone()
    assert printen == (0,)
    other = _monthly(warehouse, "2026-11-01", "GM0642", "WERKPLEK", "P2")
    assert (other["tickets_resolved"], other["resolution_met"], other["responses"]) == (1, 1, 1)
    assert other["target_achieved"] is True
    keys = warehouse.execute(
        "select month, org_code, service_code, priority from marts.sla_monthly order by 1, 2, 3, 4"
    ).fetchall()
    assert keys == [
        (dt.date(2026, 11, 1), "GM0505", "NETWERK", "P3"),
        (dt.date(2026, 11, 1), "GM0505", "TELEFONIE", "P1"),
        (dt.date(2026, 11, 1), "GM0505", "WERKPLEK", "P1"),
        (dt.date(2026, 11, 1), "GM0505", "WERKPLEK", "P2"),
        (dt.date(2026, 11, 1), "GM0642", "WERKPLEK", "P2"),
        (dt.date(2026, 12, 1), "GM0505", "ACCOUNTS", "P2"),
        # inc-unknown (P4, 5400): 2580 minutes at November's end, past 5400 in December
        (dt.date(2026, 12, 1), "GM0505", "OVERIG", "P4"),
        (dt.date(2026, 12, 1), "GM0505", "TELEFONIE", "P1"),
    ]
