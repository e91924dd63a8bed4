"""Landing into raw and the GX raw gate, against a real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from ssc_pipeline import landing, validation, warehouse
from ssc_pipeline.sources.spec import TOPDESK

TOPDESK_INCIDENTS = TOPDESK.tickets

UTC = dt.timezone.utc
W_START = dt.datetime(2026, 11, 19, 23, 0, tzinfo=UTC)
W_END = dt.datetime(2026, 11, 20, 23, 0, tzinfo=UTC)


def incident(iid: str, **over: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "id": iid,
        "number": f"I 2611 {iid[-4:]}",
        "callDate": "2026-11-20T08:00:00.000+0000",
        "modificationDate": "2026-11-20T12:00:00.000+0000",
        "responseDate": "2026-11-20T08:30:00.000+0000",
        "completedDate": "2026-11-20T11:00:00.000+0000",
        "closedDate": None,
        "priority": {"name": "P3 Normaal"},
        "processingStatus": {"name": "Gereed"},
        "category": {"name": "Werkplek"},
    }
    rec.update(over)
    return rec


def rows_of(load_id: str) -> int:
    with warehouse.connect() as conn:
        return conn.execute("select count(*) from raw.topdesk_incidents where load_id = %s", (load_id,)).fetchone()[0]


def load_row(load_id: str) -> tuple[str, int | None, str | None]:
    with warehouse.connect() as conn:
        return conn.execute(
            "select status, rows_landed, message from audit.loads where load_id = %s", (load_id,)
        ).fetchone()


def test_clean_load_lands_and_is_accepted(fresh_db: str) -> None:
    recs = [incident(f"id-{i:04d}") for i in range(25)]
    result = landing.run_load("GM0505", TOPDESK_INCIDENTS, W_START, W_END, recs, run_id="t1")
    assert result.rows == 25
    assert rows_of(result.load_id) == 25
    assert load_row(result.load_id)[:2] == ("landed", 25)
    outcome = validation.validate_load(result.load_id, "raw_topdesk_incidents")
    assert outcome.success
    assert outcome.expectations == 13
    assert load_row(result.load_id)[0] == "accepted"
    with warehouse.connect() as conn:
        success, failed = conn.execute(
            "select success, failed from audit.validations where load_id = %s", (result.load_id,)
        ).fetchone()
    assert (success, failed) == (True, 0)


def test_poisoned_load_is_quarantined_with_a_readable_message(fresh_db: str) -> None:
    recs = [
        incident("ok-1"),
        incident("bad-1", completedDate="2026-11-20T07:00:00.000+0000"),
        incident("bad-2", priority={"name": "Spoed"}),
    ]
    result = landing.run_load("GM0642", TOPDESK_INCIDENTS, W_START, W_END, recs)
    with pytest.raises(validation.LoadQuarantined) as err:
        validation.validate_load(result.load_id, "raw_topdesk_incidents")
    message = str(err.value)
    assert "GM0642" in message and "raw_topdesk_incidents" in message
    assert "resolved_at >= opened_at" in message and "2026-11-20T07:00:00+00:00" in message
    assert "priority" in message and "'Sp'" in message
    status, rows, stored = load_row(result.load_id)
    assert status == "quarantined" and rows == 3
    assert rows_of(result.load_id) == 3  # nothing lost: rows stay inspectable in raw
    assert "resolved_at >= opened_at" in stored


def test_warning_is_recorded_but_passes(fresh_db: str) -> None:
    result = landing.run_load("GM0590", TOPDESK_INCIDENTS, W_START, W_END, [incident("w-1", category=None)])
    outcome = validation.validate_load(result.load_id, "raw_topdesk_incidents")
    assert outcome.success
    rules = {f.rule: f.severity for f in outcome.failed}
    assert rules["a category to map onto an SSC service"] == "warning"
    assert set(rules.values()) == {"warning"}
    assert load_row(result.load_id)[0] == "accepted"


def test_failure_mid_stream_lands_nothing_and_marks_the_load_failed(fresh_db: str) -> None:
    def records():
        yield incident("x-1")
        yield incident("x-2")
        raise ConnectionError("remote closed the connection")

    with pytest.raises(ConnectionError):
        landing.run_load("GM0505", TOPDESK_INCIDENTS, W_START, W_END, records())
    with warehouse.connect() as conn:
        load_id, status, message = conn.execute(
            "select load_id, status, message from audit.loads where status = 'failed'"
        ).fetchone()
    assert status == "failed" and "remote closed the connection" in message
    assert rows_of(str(load_id)) == 0


def test_payload_round_trips_exactly(fresh_db: str) -> None:
    """msgspec's JSON through COPY's text format: escapes, tabs, newlines and non-ASCII survive."""
    tricky = incident(
        "rt-1",
        briefDescription='Printer "3e" verdieping\tkapot\nzie C:\\temp\\log — één €',
        onHoldDuration=0,
        feedbackRating=None,
        _holds=[{"start": "2026-11-20T09:00:00+00:00", "end": None}],
    )
    result = landing.run_load("GM0505", TOPDESK_INCIDENTS, W_START, W_END, [tricky])
    with warehouse.connect() as conn:
        payload, incident_id, modified_at = conn.execute(
            "select payload, incident_id, modified_at from raw.topdesk_incidents where load_id = %s", (result.load_id,)
        ).fetchone()
    assert payload == tricky
    assert (incident_id, modified_at) == ("rt-1", dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC))


def test_rows_land_only_in_a_running_load(fresh_db: str) -> None:
    load_id = landing.begin_load("GM0505", TOPDESK_INCIDENTS, W_START, W_END)
    landing.fail_load(load_id, "given up")
    with pytest.raises(landing.LoadNotRunning, match="failed"):
        landing.land_records(load_id, "GM0505", TOPDESK_INCIDENTS, [incident("late-1")])
    with pytest.raises(landing.LoadNotRunning, match="not in audit.loads"):
        landing.land_records("00000000-0000-0000-0000-000000000000", "GM0505", TOPDESK_INCIDENTS, [incident("late-2")])
    assert rows_of(load_id) == 0
    assert load_row(load_id)[0] == "failed"


def test_a_load_with_raw_rows_cannot_be_deleted_rekeyed_or_truncated(fresh_db: str) -> None:
    """What the per-row foreign key used to guard, now guarded once per load (sql/00_core.sql)."""
    import psycopg

    kept = landing.run_load("GM0505", TOPDESK_INCIDENTS, W_START, W_END, [incident("keep-1")])
    empty = landing.begin_load("GM0505", TOPDESK_INCIDENTS, W_START, W_END)
    with warehouse.connect(autocommit=True) as conn:
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="raw.topdesk_incidents"):
            conn.execute("delete from audit.loads where load_id = %s", (kept.load_id,))
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("update audit.loads set load_id = gen_random_uuid() where load_id = %s", (kept.load_id,))
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="truncate"):
            conn.execute("truncate audit.loads cascade")
        conn.execute("update audit.loads set status = 'failed' where load_id = %s", (empty,))  # not a key change
        conn.execute("delete from audit.loads where load_id = %s", (empty,))  # no rows: may go
    assert load_row(kept.load_id)[0] == "landed" and rows_of(kept.load_id) == 1


def test_schema_upgrade_drops_the_per_row_foreign_key_and_the_key_index(fresh_db: str) -> None:
    """A warehouse made by the earlier DDL (foreign key + key index on raw) is upgraded in place."""
    with warehouse.connect(autocommit=True) as conn:
        conn.execute(
            "alter table raw.topdesk_incidents add constraint topdesk_incidents_load_id_fkey"
            " foreign key (load_id) references audit.loads (load_id)"
        )
        conn.execute(
            "create index topdesk_incidents_key on raw.topdesk_incidents (org_code, incident_id, modified_at desc)"
        )
        conn.execute("delete from audit.schema_versions")
    warehouse.ensure_schema()
    warehouse.ensure_schema()  # a second run changes nothing
    with warehouse.connect() as conn:
        fks = conn.execute(
            "select conrelid::regclass::text from pg_constraint where contype = 'f'"
            " and conrelid::regclass::text like 'raw.%'"
        ).fetchall()
        indexes = conn.execute(
            "select indexname from pg_indexes where schemaname = 'raw'"
            " and tablename in ('topdesk_incidents', 'servicenow_incidents',"
            " 'file_tickets', 'file_ticket_holds') order by 1"
        ).fetchall()
    assert fks == []
    assert [name for (name,) in indexes] == [
        "file_ticket_holds_load",
        "file_tickets_load",
        "servicenow_incidents_load",
        "topdesk_incidents_load",
    ]
