"""One poisoned load per raw-gate rule: quarantined, message clear, marts unchanged (issue: quality gates)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ssc_pipeline import landing, transform, validation, warehouse
from ssc_pipeline.sources.spec import TOPDESK

TOPDESK_INCIDENTS = TOPDESK.tickets

UTC = dt.timezone.utc
W_START = dt.datetime(2026, 11, 19, 23, 0, tzinfo=UTC)
W_END = dt.datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
SUITE = "raw_topdesk_incidents"


def incident(iid: str, **over: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "id": iid,
        "number": "I 2611 0001",
        "callDate": "2026-11-20T08:00:00.000+0000",
        "modificationDate": "2026-11-20T12:00:00.000+0000",
        "responseDate": "2026-11-20T08:30:00.000+0000",
        "completedDate": "2026-11-20T11:00:00.000+0000",
        "closedDate": "2026-11-20T11:30:00.000+0000",
        "priority": {"name": "P2 Hoog"},
        "processingStatus": {"name": "Afgemeld"},
        "category": {"name": "Werkplek"},
        "_holds": [{"start": "2026-11-20T09:00:00+00:00", "end": "2026-11-20T09:30:00+00:00"}],
    }
    rec.update(over)
    return rec


POISONS = {
    "one version of an incident per load": [incident("dup-1"), incident("dup-1")],
    "every ticket has an opening time (callDate)": [incident("p-open", callDate=None)],
    "priority maps onto P1-P4": [incident("p-prio", priority={"name": "Spoed"})],
    "status maps onto the canonical statuses": [incident("p-stat", processingStatus={"name": "Zoekgeraakt"})],
    "resolved_at >= opened_at": [
        incident("p-res", completedDate="2026-11-20T07:00:00.000+0000", closedDate=None, responseDate=None)
    ],
    "closed_at >= resolved_at": [incident("p-clo", closedDate="2026-11-20T10:00:00.000+0000")],
    "last change not before opening": [
        incident(
            "p-mod",
            modificationDate="2026-11-20T07:00:00.000+0000",
            responseDate=None,
            completedDate=None,
            closedDate=None,
            _holds=[],
        )
    ],
    "no timestamps in the future": [
        incident("p-fut", closedDate="2099-01-01T00:00:00.000+0000", modificationDate="2099-01-01T00:00:00.000+0000")
    ],
    "holds inside the ticket's life": [
        incident("p-hold", _holds=[{"start": "2026-11-20T06:00:00+00:00", "end": "2026-11-20T09:30:00+00:00"}])
    ],
    "first_response_at >= opened_at": [incident("p-resp", responseDate="2026-11-20T07:59:00.000+0000")],
}


def marts() -> list[tuple]:
    with warehouse.connect() as conn:
        return (
            conn.execute("select * from marts.fct_tickets order by org_code, ticket_id").fetchall()
            + conn.execute("select * from marts.sla_monthly order by 1, 2, 3, 4").fetchall()
        )


@pytest.fixture(scope="module")
def baseline(fresh_db: str, tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    clean = landing.run_load("GM0505", TOPDESK_INCIDENTS, W_START, W_END, [incident(f"ok-{i}") for i in range(5)])
    validation.validate_load(clean.load_id, SUITE)
    transform.run_dbt(("build",), target_path=tmp_path_factory.mktemp("dbt-before"))
    rows = marts()
    assert len([r for r in rows if r[0] == "GM0505"]) == 5  # the five clean tickets in fct_tickets
    return rows


@pytest.mark.parametrize("rule", sorted(POISONS))
def test_poisoned_load_is_quarantined(baseline: list[tuple], rule: str) -> None:
    load = landing.run_load("GM0642", TOPDESK_INCIDENTS, W_START, W_END, POISONS[rule])
    with pytest.raises(validation.LoadQuarantined) as err:
        validation.validate_load(load.load_id, SUITE)
    message = str(err.value)
    assert "GM0642" in message and SUITE in message and f"[{rule}]" in message
    with warehouse.connect() as conn:
        status, stored, rows = conn.execute(
            "select l.status, l.message, (select count(*) from raw.topdesk_incidents r where r.load_id = l.load_id)"
            " from audit.loads l where l.load_id = %s",
            (load.load_id,),
        ).fetchone()
    assert status == "quarantined" and rule in stored
    assert rows == len(POISONS[rule])  # nothing lost: inspectable in raw


def test_bad_organisation_code_is_quarantined(baseline: list[tuple]) -> None:
    load = landing.run_load("GM64", TOPDESK_INCIDENTS, W_START, W_END, [incident("p-org")])
    with pytest.raises(validation.LoadQuarantined, match="organisation code valid"):
        validation.validate_load(load.load_id, SUITE)


def test_missing_id_fails_the_load_before_the_gate(baseline: list[tuple]) -> None:
    with pytest.raises(Exception, match="incident_id"):
        landing.run_load("GM0642", TOPDESK_INCIDENTS, W_START, W_END, [incident("x"), incident(None)])  # type: ignore[arg-type]
    with warehouse.connect() as conn:
        assert conn.execute("select count(*) from raw.topdesk_incidents where incident_id = 'x'").fetchone()[0] == 0


def test_marts_unchanged_after_every_poisoned_load(baseline: list[tuple], tmp_path: Path) -> None:
    with warehouse.connect() as conn:
        quarantined = conn.execute("select count(*) from audit.loads where status = 'quarantined'").fetchone()[0]
    assert quarantined >= len(POISONS)
    transform.run_dbt(("build",), target_path=tmp_path / "dbt-after")
    assert marts() == baseline


def test_release_is_recorded_with_who_and_why(baseline: list[tuple]) -> None:
    load = landing.run_load(
        "GM0590", TOPDESK_INCIDENTS, W_START, W_END, [incident("rel-1", priority={"name": "Spoed"})]
    )
    with pytest.raises(validation.LoadQuarantined):
        validation.validate_load(load.load_id, SUITE)
    with pytest.raises(ValueError, match="who"):
        validation.release_load(load.load_id, "", "")
    validation.release_load(load.load_id, "j.jansen (SSC dataloket)", "Spoed is P1 volgens de SLA, mapping volgt")
    with warehouse.connect() as conn:
        status = conn.execute("select status from audit.loads where load_id = %s", (load.load_id,)).fetchone()[0]
        who, why = conn.execute(
            "select released_by, reason from audit.releases where load_id = %s", (load.load_id,)
        ).fetchone()
    assert status == "accepted"
    assert (who, why) == ("j.jansen (SSC dataloket)", "Spoed is P1 volgens de SLA, mapping volgt")


FILE_POISONS = {
    # kind: (rows as (key values..., payload), rule)
    "costs": ([(dt.date(2026, 10, 1), "personnel", -5)], "costs are not negative"),
    "allocation_keys": (
        [(2026, "GM0505", "fixed_pct", 60), (2026, "GM0642", "fixed_pct", 30)],
        "allocation shares sum to 100 %",
    ),
    "baselines": ([("GM0505", 2018, 100, None), ("GM0505", 2019, 100, None)], "one baseline per organisation"),
    "survey_responses": ([("KTO-2026", "GM0505", dt.date(2026, 10, 5), "WERKPLEK", 9, 5)], "scores inside their scale"),
}


@pytest.mark.parametrize("kind", sorted(FILE_POISONS))
def test_poisoned_service_data_load_is_quarantined(baseline: list[tuple], kind: str) -> None:
    """The file parsers reject these before landing; the gate catches them even when landed."""
    from ssc_pipeline.sources.spec import FILES, RawEntity

    rows, rule = FILE_POISONS[kind]
    entity = FILES.entity(kind)
    poisoned = RawEntity(
        entity.source_system, entity.entity, entity.table, entity.key_columns, lambda r: tuple(r["keys"]), entity.suite
    )
    records = [
        {"keys": [f"{kind}_SSC_2026.csv", i + 1, *(None if v is None else str(v) for v in row)]}
        for i, row in enumerate(rows)
    ]
    load = landing.run_load("SSC", poisoned, W_START, W_END, records)
    with pytest.raises(validation.LoadQuarantined) as err:
        validation.validate_load(load.load_id, entity.suite)
    assert f"[{rule}]" in str(err.value)
