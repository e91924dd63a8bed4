"""Landing into raw and the GX raw gate, against a real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from ssc_pipeline import landing, validation, warehouse
from ssc_pipeline.nightly import TOPDESK_INCIDENTS

UTC = dt.timezone.utc
W_START = dt.datetime(2026, 11, 19, 23, 0, tzinfo=UTC)
W_END = dt.datetime(2026, 11, 20, 23, 0, tzinfo=UTC)


def incident(iid: str, **over: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "id": iid, "number": f"I 2611 {iid[-4:]}", "callDate": "2026-11-20T08:00:00.000+0000",
        "modificationDate": "2026-11-20T12:00:00.000+0000", "responseDate": "2026-11-20T08:30:00.000+0000",
        "completedDate": "2026-11-20T11:00:00.000+0000", "closedDate": None,
        "priority": {"name": "P3 Normaal"}, "processingStatus": {"name": "Gereed"},
        "category": {"name": "Werkplek"},
    }
    rec.update(over)
    return rec


def rows_of(load_id: str) -> int:
    with warehouse.connect() as conn:
        return conn.execute("select count(*) from raw.topdesk_incidents where load_id = %s", (load_id,)).fetchone()[0]


def load_row(load_id: str) -> tuple[str, int | None, str | None]:
    with warehouse.connect() as conn:
        return conn.execute("select status, rows_landed, message from audit.loads where load_id = %s",
                            (load_id,)).fetchone()


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
            "select success, failed from audit.validations where load_id = %s", (result.load_id,)).fetchone()
    assert (success, failed) == (True, 0)


def test_poisoned_load_is_quarantined_with_a_readable_message(fresh_db: str) -> None:
    recs = [incident("ok-1"), incident("bad-1", completedDate="2026-11-20T07:00:00.000+0000"),
            incident("bad-2", priority={"name": "Spoed"})]
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
    result = landing.run_load("GM0590", TOPDESK_INCIDENTS, W_START, W_END,
                              [incident("w-1", category=None)])
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
            "select load_id, status, message from audit.loads where status = 'failed'").fetchone()
    assert status == "failed" and "remote closed the connection" in message
    assert rows_of(str(load_id)) == 0
