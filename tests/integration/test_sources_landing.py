"""Every source kind, incrementally, nothing lost under faults (issue: source systems).

30 nightly windows per organisation through ``extract_load`` /
``validate_loads`` — the exact task bodies Airflow runs — against the TOPdesk
and ServiceNow simulators with 20 % faults, and a file-drop organisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ssc_pipeline import transform, warehouse
from ssc_pipeline.connections import connection_json, env_var_name
from ssc_pipeline.simulators.faults import FaultPlan
from ssc_pipeline.simulators.file_drop import ticket_ids_changed, write_ticket_drop
from ssc_pipeline.simulators.incident_generator import tickets_modified_between
from ssc_pipeline.simulators.servicenow import ServiceNowSimulator, ServiceNowTenant
from ssc_pipeline.simulators.servicenow_render import servicenow_incidents_modified_between
from ssc_pipeline.simulators.topdesk import TopdeskSimulator, TopdeskTenant
from ssc_pipeline.simulators.topdesk_render import incidents_modified_between, parse_topdesk_ts
from ssc_pipeline.steps.extract import ExtractError, extract_load
from ssc_pipeline.steps.validate import validate_loads

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
DAYS = [dt.date(2026, 10, 28) + dt.timedelta(days=i) for i in range(30)]
TPW = 6  # tickets per weekday: small, so 30 windows x 3 organisations stay quick
INJECTED: dict[str, int] = {}
FAULTS = FaultPlan(rate=0.2, seed=11, retry_after_s=0.01, timeout_s=0.2)


def window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=AMS)
    return start, start + dt.timedelta(days=1)


def span() -> tuple[dt.datetime, dt.datetime]:
    return window(DAYS[0])[0], window(DAYS[-1])[1]


@pytest.fixture(scope="module")
def sources(fresh_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    inbox = tmp_path_factory.mktemp("inbox")
    topdesk = TopdeskSimulator(
        {
            "GM0505": TopdeskTenant("GM0505", "ssc_api", "td-secret", tickets_per_weekday=TPW),
            "GM0642": TopdeskTenant("GM0642", "ssc_api", "old-secret", tickets_per_weekday=TPW, password_expired=True),
        },
        now=lambda: NOW,
        faults=FAULTS,
    )
    servicenow = ServiceNowSimulator(
        {"GM0531": ServiceNowTenant("GM0531", "ssc_api", "sn-secret", tickets_per_weekday=TPW)},
        now=lambda: NOW,
        faults=FAULTS,
    )
    mp = pytest.MonkeyPatch()
    with topdesk, servicenow:
        for code, conn_id, sim, pw in (
            ("GM0505", "topdesk_gm0505", topdesk, "td-secret"),
            ("GM0642", "topdesk_gm0642", topdesk, "old-secret"),
            ("GM0531", "servicenow_gm0531", servicenow, "sn-secret"),
        ):
            mp.setenv(
                env_var_name(conn_id),
                connection_json(conn_id, conn_type="http", host=sim.tenant_url(code), login="ssc_api", password=pw),
            )
        mp.setenv("SSC_PSEUDONYMISATION_KEY", "integration-test-key-0123456789")
        mp.setenv("SSC_HTTP_BACKOFF_BASE_SECONDS", "0.01")
        mp.setenv("SSC_INBOX", str(inbox))
        for day in DAYS:
            write_ticket_drop("GM0610", inbox, day, tickets_per_weekday=TPW, now=NOW)
        for day in DAYS:
            start, end = window(day)
            for code in ("GM0505", "GM0531", "GM0610"):
                extracted = extract_load(code, start, end, run_id=f"nightly__{day}")
                validate_loads(code, extracted)
        INJECTED.update(topdesk.injected_faults + servicenow.injected_faults)
        yield inbox
    mp.undo()


def landed(table: str, org: str, key: str = "incident_id") -> dict[str, dt.datetime]:
    version = "modified_at" if key == "incident_id" else "(payload->>'updated_at')::timestamptz"
    with warehouse.connect() as conn:
        rows = conn.execute(
            f"select {key}, max({version}) from {table} where org_code = %s and load_id in"
            " (select load_id from audit.loads where status = 'accepted') group by 1",
            (org,),
        ).fetchall()
    return dict(rows)


def truth(org: str) -> dict[str, dt.datetime]:
    """Ids and last-change moments of the simulator's tickets changed in the 30 days, as of NOW."""
    return {
        inc["id"]: parse_topdesk_ts(inc["modificationDate"])
        for inc in incidents_modified_between(org, *span(), NOW, tickets_per_weekday=TPW)
    }


def test_topdesk_lands_exactly_the_simulators_records_under_faults(sources: Path) -> None:
    assert sum(INJECTED.values()) > 30 and len(INJECTED) >= 6  # the faults really happened
    expected = truth("GM0505")
    assert len(expected) > 100
    assert landed("raw.topdesk_incidents", "GM0505") == expected


def test_servicenow_lands_exactly_the_simulators_records_under_faults(sources: Path) -> None:
    got = landed("raw.servicenow_incidents", "GM0531")
    expected = {
        row["sys_id"]: dt.datetime.fromisoformat(row["sys_updated_on"]).replace(tzinfo=UTC)
        for row in servicenow_incidents_modified_between("GM0531", *span(), NOW, tickets_per_weekday=TPW)
    }
    assert len(expected) > 100
    assert got == expected


def test_file_drops_land_every_ticket_once(sources: Path) -> None:
    got = landed("raw.file_tickets", "GM0610", key="ticket_id")
    dropped = {tid for day in DAYS for tid in ticket_ids_changed("GM0610", day, tickets_per_weekday=TPW, now=NOW)}
    assert len(dropped) > 100
    assert set(got) == dropped
    assert not any((sources / "GM0610").glob("tickets_*.csv"))  # all moved to processed/
    assert len(list((sources / "GM0610" / "processed").glob("tickets_*.csv"))) == 30


def test_holds_from_history_are_embedded(sources: Path) -> None:
    with warehouse.connect() as conn:
        with_holds = conn.execute(
            "select count(*) from raw.topdesk_incidents where jsonb_array_length(payload->'_holds') > 0"
        ).fetchone()[0]
        sn_holds = conn.execute(
            "select count(*) from raw.servicenow_incidents where jsonb_array_length(payload->'_holds') > 0"
        ).fetchone()[0]
    expected = sum(
        1
        for t in tickets_modified_between("GM0505", *span(), NOW, tickets_per_weekday=TPW)
        if t.holds and t.holds[0][0] <= NOW
    )
    assert with_holds >= expected > 0
    assert sn_holds > 0


def test_expired_password_stops_only_that_organisation(sources: Path) -> None:
    start, end = window(DAYS[-1])
    with pytest.raises(ExtractError) as err:
        extract_load("GM0642", start, end)
    message = str(err.value)
    assert "GM0642" in message and "topdesk_gm0642" in message and "401" in message
    with warehouse.connect() as conn:
        status = conn.execute("select status from audit.loads where org_code = 'GM0642'").fetchall()
    assert status == [("failed",)]
    # another organisation still loads the same window
    extracted = extract_load("GM0505", start, end)
    assert validate_loads("GM0505", extracted)["accepted"]


def test_no_caller_name_or_email_anywhere_in_the_database(sources: Path) -> None:
    people = set()
    for org in ("GM0505", "GM0531", "GM0610"):
        for t in tickets_modified_between(org, *span(), NOW, tickets_per_weekday=TPW):
            people |= {t.caller_name, t.caller_email.lower()}
    with warehouse.connect() as conn:
        tables = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('raw', 'audit', 'staging', 'intermediate', 'marts')"
            " and table_type = 'BASE TABLE'"
        ).fetchall()
        dump = "\n".join(
            text for (table,) in tables for (text,) in conn.execute(f"select t::text from {table} t").fetchall()
        ).lower()
    assert len(dump) > 100_000
    leaked = sorted(p for p in people if p.lower() in dump)
    assert leaked == []


def test_running_a_window_twice_leaves_the_marts_unchanged(sources: Path, tmp_path: Path) -> None:
    def marts() -> list[tuple]:
        with warehouse.connect() as conn:
            return (
                conn.execute("select * from marts.fct_tickets order by org_code, ticket_id").fetchall()
                + conn.execute("select * from marts.sla_monthly order by 1, 2, 3, 4").fetchall()
            )

    transform.run_dbt(("build",), target_path=tmp_path / "first")
    before = marts()
    assert before
    for day in DAYS[5:8]:
        start, end = window(day)
        for code in ("GM0505", "GM0531"):
            validate_loads(code, extract_load(code, start, end, run_id=f"rerun__{day}"))
    transform.run_dbt(("build",), target_path=tmp_path / "second")
    assert marts() == before
