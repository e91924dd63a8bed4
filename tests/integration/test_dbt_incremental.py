"""Nightly incremental dbt builds give exactly the rows a full refresh gives (docs/incremental.md).

One warehouse goes through four nights. After each night's build (the plain
``dbt build`` the transform DAG runs, incremental), the database is copied and
the copy is built with ``--full-refresh``; every incremental model and every
mart must then hold the same rows in both. The nights bring what makes
increments hard:

* night 1: a quarantined load released (accepted after later loads landed),
  a late re-delivery of an *older* version (the kept, later one must win), a
  ticket whose holds disappear, an open hold closed, a ticket cancelled, a
  file-drop holds file that replaces a ticket's holds, a file ticket re-sent
  unchanged, a new month with activity, and every running clock judged at a
  later data_as_of;
* night 2: a partial run first (``dbt run -s stg_topdesk__incidents``: the
  chain is not complete, so the loads stay unprocessed), then the nightly
  build; an open ticket is resolved, the rest only ages;
* night 3: no new data, but a seed changes (an extra closed day on the default
  calendar): every model downstream of it is fully refreshed by its lineage
  fingerprint, settled tickets included;
* night 4: a withdrawn load (accepted by mistake, set back to quarantined by
  hand): the ledger and everything downstream rebuild by themselves.

Timestamps are UTC; local Europe/Amsterdam time is UTC+1 in November/December 2026.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ssc_pipeline import transform, warehouse

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"

# What a nightly build maintains incrementally, and the marts built from it.
COMPARED = (
    "staging.stg_topdesk__incidents",
    "staging.stg_servicenow__incidents",
    "staging.stg_files__tickets",
    "staging.stg_files__ticket_holds",
    "intermediate.int_topdesk_incidents_mapped",
    "intermediate.int_servicenow_incidents_mapped",
    "intermediate.int_file_tickets_mapped",
    "intermediate.int_tickets_unioned",
    "intermediate.int_ticket_holds_merged",
    "intermediate.int_tickets_targeted",
    "intermediate.int_ticket_holds_indexed",
    "intermediate.int_tickets_timed",
    "intermediate.int_open_tickets_aged",
    "intermediate.int_satisfaction_scores_unioned",
    "marts.fct_tickets",
    "marts.sla_monthly",
    "marts.csat_monthly",
    "marts.cost_savings_monthly",
)
# A ticket whose clocks have both stopped keeps the data_as_of (and the elapsed
# minutes at it) of the night it was last rebuilt; nothing reads them for it.
AS_OF_COLUMNS = {
    "intermediate.int_tickets_targeted": ("data_as_of",),
    "intermediate.int_tickets_timed": ("data_as_of", "elapsed_business_minutes_as_of"),
}

TOPDESK, FILES = "GM0505", "GM9901"
OTHER = "GM0642"


def _ts(value: str | None) -> str | None:
    """'2026-11-20 15:30' (UTC) -> TOPdesk's '2026-11-20T15:30:00.000+0000'."""
    return None if value is None else value.replace(" ", "T") + ":00.000+0000"


def _incident(
    incident_id: str,
    *,
    status: str,
    call: str,
    modified: str,
    priority: str = "P2 Hoog",
    category: str = "Werkplek",
    responded: str | None = None,
    completed: str | None = None,
    closed: str | None = None,
    holds: list[dict[str, str | None]] | None = None,
    rating: int | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": incident_id,
        "number": f"I {incident_id}",
        "callDate": _ts(call),
        "creationDate": _ts(call),
        "modificationDate": _ts(modified),
        "category": {"name": category},
        "subcategory": {"name": "x"},
        "priority": {"name": priority},
        "processingStatus": {"name": status},
        "operatorGroup": {"name": "Servicedesk"},
        "responded": responded is not None,
        "responseDate": _ts(responded),
        "completed": completed is not None,
        "completedDate": _ts(completed),
        "closed": closed is not None,
        "closedDate": _ts(closed),
        "onHold": False,
        "onHoldDate": None,
        "onHoldDuration": 0,
        "feedbackRating": rating,
        "targetDate": None,
    }
    if holds is not None:
        payload["_holds"] = holds
    return payload


class Warehouse:
    """Loads land as the pipeline lands them: an audit.loads row, then raw rows."""

    def __init__(self, url: str) -> None:
        self.url = url

    def load(self, org: str, source: str, entity: str, window: tuple[str, str], status: str = "accepted") -> str:
        load_id = str(uuid.uuid4())
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                "insert into audit.loads (load_id, org_code, source_system, entity, window_start,"
                " window_end, status, finished_at) values (%s, %s, %s, %s, %s, %s, %s, now())",
                (load_id, org, source, entity, window[0] + "+00", window[1] + "+00", status),
            )
        return load_id

    def incidents(self, load_id: str, org: str, *payloads: dict[str, Any], landed_at: str | None = None) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            for payload in payloads:
                conn.execute(
                    "insert into raw.topdesk_incidents (load_id, org_code, incident_id, modified_at,"
                    " payload, landed_at) values (%s, %s, %s, %s, %s, coalesce(%s::timestamptz, now()))",
                    (load_id, org, payload["id"], payload["modificationDate"], json.dumps(payload), landed_at),
                )

    def file_tickets(self, load_id: str, *rows: tuple[str, str, str, str, str, str | None, str | None]) -> None:
        """rows: ticket_id, updated_at, status, priority, opened_at, first_response_at, resolved_at (ISO, UTC)."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            for n, (ticket_id, updated, status, priority, opened, responded, resolved) in enumerate(rows, 1):
                payload = {
                    "ticket_id": ticket_id,
                    "service_code": "NETWERK",
                    "source_category": "Netwerk",
                    "service_mapped": True,
                    "priority": priority,
                    "status": status,
                    "opened_at": opened,
                    "first_response_at": responded or "",
                    "resolved_at": resolved or "",
                    "closed_at": "",
                    "updated_at": updated,
                }
                conn.execute(
                    "insert into raw.file_tickets (load_id, org_code, source_file, source_row, ticket_id,"
                    " updated_at, payload) values (%s, %s, 'tickets.csv', %s, %s, %s, %s)",
                    (load_id, FILES, n, ticket_id, updated, json.dumps(payload)),
                )

    def file_holds(self, load_id: str, *rows: tuple[str, str, str | None]) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            for n, (ticket_id, start, end) in enumerate(rows, 1):
                conn.execute(
                    "insert into raw.file_ticket_holds (load_id, org_code, source_file, source_row,"
                    " ticket_id, hold_start, hold_end, payload) values (%s, %s, 'holds.csv', %s, %s, %s,"
                    " %s, %s)",
                    (
                        load_id,
                        FILES,
                        n,
                        ticket_id,
                        start,
                        end,
                        json.dumps({"ticket_id": ticket_id, "hold_start": start, "hold_end": end or ""}),
                    ),
                )

    def set_status(self, load_id: str, status: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("update audit.loads set status = %s where load_id = %s", (status, load_id))

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, args or None).fetchall()


def _digest(url: str, relation: str) -> tuple[int, str]:
    """Row count and md5 of the relation's rows in a stable order (as-of columns of settled tickets blanked)."""
    row = "to_jsonb(t)"
    for column in AS_OF_COLUMNS.get(relation, ()):
        row = (
            f"(case when t.first_response_at is not null and t.resolved_at is not null"
            f" then {row} - '{column}' else {row} end)"
        )
    with psycopg.connect(url) as conn:
        count, digest = conn.execute(
            f"select count(*), md5(coalesce(string_agg({row}::text, ',' order by {row}::text), ''))"
            f" from {relation} as t"
        ).fetchone()
    return count, digest


@pytest.fixture(scope="module")
def nights(
    fresh_db: str, pg_server: warehouse.DbParams, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("dbt-incremental")
    db = Warehouse(fresh_db)
    state: dict[str, Any] = {"db": db, "work": work, "pg": pg_server, "url": fresh_db}
    yield state


def _copy_and_full_refresh(
    state: dict[str, Any], name: str, args: tuple[str, ...] = ("run", "--full-refresh"), project: Path | None = None
) -> str:
    """A copy of the warehouse as it is now, rebuilt from scratch: what the increments must equal."""
    pg: warehouse.DbParams = state["pg"]
    source = warehouse.DbParams.from_url(state["url"]).dbname
    copy = f"{source}_{name}"
    with psycopg.connect(pg.url("postgres"), autocommit=True) as admin:
        admin.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (source,),
        )
        admin.execute(f'drop database if exists "{copy}"')
        admin.execute(f'create database "{copy}" template "{source}"')
    _dbt(state, args, url=pg.url(copy), project=project, target=f"full-{name}")
    return pg.url(copy)


def _dbt(
    state: dict[str, Any],
    args: tuple[str, ...],
    url: str | None = None,
    project: Path | None = None,
    target: str = "nightly",
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        if project is not None:
            patch.setattr(transform, "dbt_project_dir", lambda: project)
            target += "-" + project.name
        transform.run_dbt(args, url=url or state["url"], target_path=state["work"] / target)


def _assert_same_as_full_refresh(
    state: dict[str, Any], name: str, args: tuple[str, ...] = ("run", "--full-refresh"), project: Path | None = None
) -> None:
    """A full refresh of a copy of the warehouse (_copy_and_full_refresh) holds the same rows; the copy goes."""
    full_url = _copy_and_full_refresh(state, name, args=args, project=project)
    try:
        different = {relation: (_digest(state["url"], relation), _digest(full_url, relation)) for relation in COMPARED}
        different = {relation: pair for relation, pair in different.items() if pair[0] != pair[1]}
        assert not different, f"incremental build differs from a full refresh: {different}"
    finally:
        _drop(state, full_url)


def _drop(state: dict[str, Any], url: str) -> None:
    name = warehouse.DbParams.from_url(url).dbname
    with psycopg.connect(state["pg"].url("postgres"), autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def _fingerprints(state: dict[str, Any]) -> dict[str, str]:
    return dict(state["db"].rows("select model_name, lineage_fingerprint from intermediate.incremental_lineage"))


def _rebuilt(state: dict[str, Any]) -> dict[str, tuple[bool, bool]]:
    return {
        ticket: (touched, running)
        for ticket, touched, running in state["db"].rows(
            "select ticket_id, is_touched, is_running from intermediate.int_tickets_rebuilt"
        )
    }


def test_night_0_first_build(nights: dict[str, Any]) -> None:
    db: Warehouse = nights["db"]
    nov = ("2026-11-01 00:00", "2026-11-25 00:00")
    first = db.load(TOPDESK, "topdesk", "incidents", nov)
    db.incidents(
        first,
        TOPDESK,
        _incident("inc-a", status="Aangemeld", call="2026-11-20 08:00", modified="2026-11-20 08:00"),
        _incident(
            "inc-b",
            status="Gereed",
            call="2026-11-09 08:00",
            modified="2026-11-11 12:00",
            responded="2026-11-09 09:00",
            completed="2026-11-11 12:00",
            priority="P3 Normaal",
            holds=[
                {"start": "2026-11-09T10:00:00+01:00", "end": "2026-11-09T12:00:00+01:00"},
                {"start": "2026-11-10T09:00:00+01:00", "end": "2026-11-10T10:00:00+01:00"},
            ],
            rating=4,
        ),
        _incident(
            "inc-c",
            status="In behandeling",
            call="2026-11-19 08:00",
            modified="2026-11-23 08:00",
            responded="2026-11-19 08:30",
            holds=[{"start": "2026-11-23T09:00:00+01:00", "end": None}],
        ),
        _incident(
            "inc-d",
            status="Gereed",
            call="2026-11-02 08:00",
            modified="2026-11-10 12:00",
            responded="2026-11-02 08:10",
            completed="2026-11-10 12:00",
            rating=2,
        ),
        _incident(
            "inc-e", status="Aangemeld", call="2026-11-24 08:00", modified="2026-11-24 08:00", priority="P4 Laag"
        ),
        landed_at="2026-11-25 01:00",
    )
    # landed the night after, but quarantined: its version of inc-a (answered) does not count yet
    nights["quarantined"] = db.load(
        TOPDESK, "topdesk", "incidents", ("2026-11-25 00:00", "2026-11-26 00:00"), status="quarantined"
    )
    db.incidents(
        nights["quarantined"],
        TOPDESK,
        _incident(
            "inc-a",
            status="In behandeling",
            call="2026-11-20 08:00",
            modified="2026-11-25 10:00",
            responded="2026-11-25 10:00",
        ),
        landed_at="2026-11-26 01:00",
    )
    other = db.load(OTHER, "topdesk", "incidents", nov)
    db.incidents(
        other,
        OTHER,
        _incident(
            "inc-x",
            status="Gereed",
            call="2026-11-23 08:00",
            modified="2026-11-23 14:00",
            responded="2026-11-23 08:30",
            completed="2026-11-23 14:00",
        ),
    )
    tickets = db.load(FILES, "files", "tickets", nov)
    db.file_tickets(
        tickets,
        (
            "f-1",
            "2026-11-23T12:00:00+00:00",
            "on_hold",
            "P2",
            "2026-11-23T08:00:00+00:00",
            "2026-11-23T08:30:00+00:00",
            None,
        ),
        (
            "f-2",
            "2026-11-20T12:00:00+00:00",
            "resolved",
            "P3",
            "2026-11-19T08:00:00+00:00",
            "2026-11-19T09:00:00+00:00",
            "2026-11-20T12:00:00+00:00",
        ),
    )
    holds = db.load(FILES, "files", "ticket_holds", nov)
    db.file_holds(
        holds,
        ("f-1", "2026-11-23T09:00:00+00:00", "2026-11-23T10:00:00+00:00"),
        ("f-1", "2026-11-23T13:00:00+00:00", None),
    )

    _dbt(nights, ("build",))

    registered = db.rows("select count(*), count(processed_at) from intermediate.int_loads_registered")
    assert registered == [(4, 4)]  # the quarantined load is not registered
    _assert_same_as_full_refresh(nights, "n0")


def test_night_1_release_late_versions_vanishing_holds_and_a_new_month(nights: dict[str, Any]) -> None:
    db: Warehouse = nights["db"]
    db.set_status(nights["quarantined"], "accepted")  # `ssc release`: accepted after later loads landed
    week = ("2026-11-26 00:00", "2026-12-03 00:00")
    load = db.load(TOPDESK, "topdesk", "incidents", week)
    db.incidents(
        load,
        TOPDESK,
        # holds gone from the latest version, priority changed
        _incident(
            "inc-b",
            status="Gereed",
            call="2026-11-09 08:00",
            modified="2026-11-27 09:00",
            responded="2026-11-09 09:00",
            completed="2026-11-11 12:00",
            holds=[],
            rating=5,
        ),
        # resolved; the open hold closed
        _incident(
            "inc-c",
            status="Gereed",
            call="2026-11-19 08:00",
            modified="2026-12-01 10:00",
            responded="2026-11-19 08:30",
            completed="2026-12-01 10:00",
            holds=[{"start": "2026-11-23T09:00:00+01:00", "end": "2026-11-30T09:00:00+01:00"}],
        ),
        # an older version delivered late: the kept version (modified 10 Nov) stays
        _incident(
            "inc-d",
            status="In behandeling",
            call="2026-11-02 08:00",
            modified="2026-11-05 12:00",
            responded="2026-11-02 08:10",
        ),
        _incident(
            "inc-e",
            status="Geannuleerd",
            call="2026-11-24 08:00",
            modified="2026-11-27 08:00",
            priority="P4 Laag",
            completed="2026-11-27 08:00",
        ),
        # December gets its first activity
        _incident("inc-f", status="Aangemeld", call="2026-12-02 08:00", modified="2026-12-02 08:00"),
    )
    files = db.load(FILES, "files", "tickets", week)
    db.file_tickets(
        files,
        # re-sent unchanged (same updated_at): nothing changes
        (
            "f-2",
            "2026-11-20T12:00:00+00:00",
            "resolved",
            "P3",
            "2026-11-19T08:00:00+00:00",
            "2026-11-19T09:00:00+00:00",
            "2026-11-20T12:00:00+00:00",
        ),
        ("f-3", "2026-12-01T09:00:00+00:00", "open", "P1", "2026-12-01T08:00:00+00:00", None, None),
    )
    holds = db.load(FILES, "files", "ticket_holds", week)
    db.file_holds(holds, ("f-1", "2026-11-23T09:00:00+00:00", "2026-11-24T10:00:00+00:00"))
    before = _fingerprints(nights)

    _dbt(nights, ("build",))

    after = _fingerprints(nights)  # incremental, but for the month set of int_open_tickets_aged (December)
    assert {model for model in after if after[model] != before[model]} == {"int_open_tickets_aged"}

    rebuilt = _rebuilt(nights)
    assert rebuilt["inc-a"] == (True, True)  # the released load's version
    assert "inc-d" not in rebuilt  # an older version touches nothing
    assert rebuilt["f-1"] == (True, True) and rebuilt["inc-b"] == (True, False)
    assert rebuilt["f-2"] == (True, False)  # re-sent unchanged: the later landing is kept, as a full refresh keeps it
    assert "inc-x" not in rebuilt  # settled, and its organisation sent nothing
    assert db.rows(
        "select ticket_id, status, first_response_at is not null from intermediate.int_tickets_unioned"
        " where ticket_id in ('inc-a', 'inc-d') order by 1"
    ) == [("inc-a", "in_progress", True), ("inc-d", "resolved", True)]
    assert db.rows("select count(*) from intermediate.int_ticket_holds_merged where ticket_id = 'inc-b'") == [(0,)]
    _assert_same_as_full_refresh(nights, "n1")


def test_night_2_a_partial_run_leaves_the_loads_for_the_nightly_build(nights: dict[str, Any]) -> None:
    db: Warehouse = nights["db"]
    load = db.load(TOPDESK, "topdesk", "incidents", ("2026-12-03 00:00", "2026-12-10 00:00"))
    db.incidents(
        load,
        TOPDESK,
        _incident(
            "inc-a",
            status="Gereed",
            call="2026-11-20 08:00",
            modified="2026-12-08 10:00",
            responded="2026-11-25 10:00",
            completed="2026-12-08 10:00",
        ),
    )

    before = _fingerprints(nights)

    _dbt(nights, ("run", "--select", "int_loads_registered", "stg_topdesk__incidents"))
    assert db.rows("select count(*) from intermediate.int_loads_registered where processed_at is null") == [(1,)]
    _dbt(nights, ("build",))

    assert _fingerprints(nights) == before  # every model incremental

    assert db.rows("select count(*) from intermediate.int_loads_registered where processed_at is null") == [(0,)]
    rebuilt = _rebuilt(nights)
    assert rebuilt["inc-a"] == (True, True)  # resolved after the data_as_of it was last judged at
    assert rebuilt["inc-f"] == (False, True)  # still open: its clocks run on
    assert "inc-c" not in rebuilt  # resolved inside last night's data_as_of: final
    assert "f-1" not in rebuilt  # running, but its organisation sent nothing: same data_as_of, same clocks
    _assert_same_as_full_refresh(nights, "n2")


def test_night_3_a_changed_seed_rebuilds_what_depends_on_it(nights: dict[str, Any]) -> None:
    db: Warehouse = nights["db"]
    project = nights["work"] / "project-with-closed-day"
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    closed_days = project / "seeds" / "business_calendar_closed_days.csv"
    closed_days.write_text(
        closed_days.read_text(encoding="utf-8").rstrip("\n") + "\nSTANDAARD,2026-11-10,test: closed for the move\n",
        encoding="utf-8",
    )
    before = _fingerprints(nights)
    settled_before = db.rows("select resolution_business_minutes from marts.fct_tickets where ticket_id = 'inc-b'")

    _dbt(nights, ("build",), project=project)

    assert _rebuilt(nights) == {}  # no new load: nothing touched, no data_as_of moved
    after = _fingerprints(nights)
    changed = {model for model in after if after[model] != before.get(model)}
    assert changed == {"int_ticket_holds_indexed", "int_tickets_timed", "int_open_tickets_aged", "fct_tickets"}
    # inc-b (settled long ago, not in int_tickets_rebuilt) lost the business minutes of 10 November
    assert (
        db.rows("select resolution_business_minutes from marts.fct_tickets where ticket_id = 'inc-b'") != settled_before
    )
    _assert_same_as_full_refresh(nights, "n3", args=("build", "--full-refresh"), project=project)
    nights["project"] = project


def test_night_4_a_withdrawn_load_rebuilds_the_ledger_and_the_chain(nights: dict[str, Any]) -> None:
    db: Warehouse = nights["db"]
    db.set_status(nights["quarantined"], "quarantined")  # by hand: the release was a mistake
    epoch = db.rows("select min(registered_at) from intermediate.int_loads_registered")

    _dbt(nights, ("build",), project=nights["project"])

    assert db.rows("select min(registered_at) from intermediate.int_loads_registered") != epoch
    assert db.rows(
        "select count(*) from intermediate.int_loads_registered where load_id = %s", nights["quarantined"]
    ) == [(0,)]
    _assert_same_as_full_refresh(nights, "n4", project=nights["project"])
