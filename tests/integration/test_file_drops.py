"""File drops end to end against a real PostgreSQL: land once, atomically, or reject with a reason."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from ssc_pipeline import landing, validation, warehouse
from ssc_pipeline.pseudonymisation import pseudonymise
from ssc_pipeline.simulators.file_drop import cost_ledger, ticket_ids_changed, write_service_data, write_ticket_drop
from ssc_pipeline.simulators.incident_generator import (
    CATEGORY_TO_SERVICE_CODE,
    hold_intervals_as_of,
    tickets_modified_between,
)
from ssc_pipeline.steps.inbox import InboxError, process_inbox

KEY = "file-drop-test-key-0123456789"
DAY = dt.date(2026, 11, 18)  # a Wednesday
START_OF_DAY = dt.datetime(2026, 11, 17, 23, 0, tzinfo=dt.timezone.utc)  # local midnight (CET)
END_OF_DAY = dt.datetime(2026, 11, 18, 23, 0, tzinfo=dt.timezone.utc)
ORGS = ["GM0505", "GM0642", "GM0590"]
HEADER = "ticket_id,service_code,priority,status,opened_at,first_response_at,resolved_at,closed_at,updated_at\n"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSC_PSEUDONYMISATION_KEY", KEY)


def query(sql: str, *args: object) -> list[tuple]:
    with warehouse.connect() as conn:
        return conn.execute(sql, args or None).fetchall()


def ticket_line(
    tid: str, service: str = "Werkplek", priority: str = "P3", resolved: str = "2026-11-20T11:00:00+01:00"
) -> str:
    return (
        f"{tid},{service},{priority},resolved,2026-11-20T09:00:00+01:00,2026-11-20T09:30:00+01:00,"
        f"{resolved},,2026-11-20T11:00:00+01:00\n"
    )


def test_the_schema_script_is_idempotent(fresh_db: str) -> None:
    warehouse.ensure_schema(fresh_db)  # a second run (every task start does one) changes nothing
    assert query(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name like 'file%'"
    ) == [(6,)]
    assert query("select indexdef from pg_indexes where indexname = 'files_processed_once'")[0][0].endswith(
        "(org_code, sha256) WHERE (status = 'processed'::text)"
    )


def test_a_good_ticket_drop_lands_once_and_moves_to_processed(fresh_db: str, tmp_path: Path) -> None:
    written = write_ticket_drop("GM0505", tmp_path, DAY)
    assert [p.name for p in written] == [f"tickets_GM0505_{DAY}.csv", f"ticket_holds_GM0505_{DAY}.csv", "READY"]
    expected = ticket_ids_changed("GM0505", DAY)
    assert len(expected) > 10

    tickets, holds = process_inbox("GM0505", root=tmp_path, run_id="t-drop")
    assert (tickets.kind, tickets.status, tickets.rows, tickets.reason, tickets.unmapped) == (
        "tickets",
        "landed",
        len(expected),
        None,
        (),
    )
    assert holds.kind == "ticket_holds" and holds.status == "landed"
    ids = query("select ticket_id from raw.file_tickets where load_id = %s order by source_row", tickets.load_id)
    assert sorted(i for (i,) in ids) == sorted(expected)
    assert query(
        "select status, rows_landed, entity, source_system, run_id from audit.loads where load_id = %s", tickets.load_id
    ) == [("landed", len(expected), "tickets", "files", "t-drop")]
    rows = query(
        "select source_row, payload->>'service_code', payload->>'source_category',"
        " (payload->>'service_mapped')::boolean from raw.file_tickets where load_id = %s"
        " order by source_row",
        tickets.load_id,
    )
    assert [r[0] for r in rows] == list(range(1, len(expected) + 1))
    assert [(code, mapped) for _, code, _, mapped in rows] == [
        (CATEGORY_TO_SERVICE_CODE[category], True) for _, _, category, _ in rows
    ]
    expected_holds = sum(
        len(hold_intervals_as_of(t, END_OF_DAY))
        for t in tickets_modified_between("GM0505", START_OF_DAY, END_OF_DAY, END_OF_DAY)
    )
    assert holds.rows == expected_holds
    assert query("select count(*) from raw.file_ticket_holds where load_id = %s", holds.load_id) == [(expected_holds,)]

    folder = tmp_path / "GM0505"
    assert sorted(p.name for p in (folder / "processed").iterdir()) == sorted(p.name for p in written[:2])
    assert sorted(p.name for p in folder.iterdir()) == ["READY", "processed"]  # the marker is the watcher's
    assert query(
        "select kind, status, load_id::text from audit.files where org_code = 'GM0505'"
        " and file_name like %s order by kind",
        f"%_{DAY}.csv",
    ) == [("ticket_holds", "processed", holds.load_id), ("tickets", "processed", tickets.load_id)]
    assert validation.validate_load(tickets.load_id, "raw_file_tickets").success
    assert validation.validate_load(holds.load_id, "raw_file_ticket_holds").success

    # the same file dropped again: a duplicate, no second load
    loads_before = query("select count(*) from audit.loads")[0][0]
    shutil.copy(folder / "processed" / written[0].name, folder / written[0].name)
    [again] = process_inbox("GM0505", root=tmp_path)
    assert (again.status, again.load_id, again.rows) == ("duplicate", None, 0)
    assert tickets.load_id in (again.reason or "")
    assert query("select count(*) from audit.loads")[0][0] == loads_before
    assert (folder / "processed" / f"tickets_GM0505_{DAY}__2.csv").exists()
    assert query(
        "select status, load_id from audit.files where file_name = %s order by received_at", written[0].name
    ) == [("processed", uuid.UUID(tickets.load_id)), ("duplicate", None)]


def test_a_bad_row_rejects_the_whole_file_with_a_reason(fresh_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "GM0642"
    folder.mkdir()
    name = "tickets_GM0642_2026-11-20.csv"
    (folder / name).write_text(
        HEADER
        + ticket_line("A-1")
        + ticket_line("A-2")
        + ticket_line("A-3", resolved="20-11-2026 11:00")
        + ticket_line("A-4")
        + ticket_line("A-5", priority="P7"),
        encoding="utf-8",
    )
    [result] = process_inbox("GM0642", root=tmp_path)
    assert (result.status, result.load_id, result.rows) == ("rejected", None, 0)
    reason = (folder / "rejected" / f"{name}.reason.txt").read_text(encoding="utf-8")
    assert "row 3, field resolved_at, value '20-11-2026 11:00': not an ISO-8601 timestamp" in reason
    assert "row 5, field priority, value 'P7': expected one of P1, P2, P3, P4" in reason
    assert "2 problem(s)" in reason
    assert (folder / "rejected" / name).exists() and not (folder / name).exists()
    assert query("select count(*) from raw.file_tickets where source_file = %s", name) == [(0,)]
    assert query("select count(*) from audit.loads where org_code = 'GM0642' and entity = 'tickets'") == [(0,)]
    [(status, stored)] = query("select status, reason from audit.files where file_name = %s", name)
    assert status == "rejected" and stored.startswith("2 problem(s): row 3, field resolved_at")


def test_unmapped_service_category_is_reported_not_dropped(fresh_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "GM0590"
    folder.mkdir()
    (folder / "tickets_GM0590_x.csv").write_text(
        HEADER
        + ticket_line("U-1", service="Koffieautomaat")
        + ticket_line("U-2", service="printen")
        + ticket_line("U-3", service="Koffieautomaat"),
        encoding="utf-8",
    )
    [result] = process_inbox("GM0590", root=tmp_path)
    assert (result.status, result.rows, result.unmapped) == ("landed", 3, ("Koffieautomaat",))
    assert query(
        "select ticket_id, payload->>'service_code', (payload->>'service_mapped')::boolean"
        " from raw.file_tickets where load_id = %s order by ticket_id",
        result.load_id,
    ) == [("U-1", "OVERIG", False), ("U-2", "PRINTEN", True), ("U-3", "OVERIG", False)]
    assert query("select reason from audit.files where load_id = %s", result.load_id) == [
        ("unmapped service values loaded as OVERIG: Koffieautomaat",)
    ]
    outcome = validation.validate_load(result.load_id, "raw_file_tickets")  # a warning, not a quarantine
    assert outcome.success and [f.severity for f in outcome.failed] == ["warning"]


def test_inconsistent_tickets_land_but_the_raw_gate_quarantines_them(fresh_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "GM0505"
    folder.mkdir()
    (folder / "tickets_GM0505_gate.csv").write_text(
        HEADER + ticket_line("Q-1") + ticket_line("Q-2", resolved="2026-11-20T08:00:00+01:00"), encoding="utf-8"
    )
    [result] = process_inbox("GM0505", root=tmp_path)
    with pytest.raises(validation.LoadQuarantined, match="resolved_at >= opened_at"):
        validation.validate_load(result.load_id, "raw_file_tickets")
    assert query("select status from audit.loads where load_id = %s", result.load_id) == [("quarantined",)]


def test_service_data_lands_exactly_and_without_e_mail_addresses(fresh_db: str, tmp_path: Path) -> None:
    written = write_service_data(tmp_path, 2026, org_codes=ORGS, months=12, responses_per_org=5)
    assert [p.name for p in written] == [
        "costs_SSC_2026.xlsx",
        "allocation_keys_SSC_2026.csv",
        "baselines_SSC_2026.csv",
        "survey_responses_SSC_2026.csv",
        "READY",
    ]
    results = {r.kind: r for r in process_inbox("SSC", root=tmp_path)}
    assert {k: (r.status, r.rows) for k, r in results.items()} == {
        "costs": ("landed", 48),
        "allocation_keys": ("landed", 12),
        "baselines": ("landed", 3),
        "survey_responses": ("landed", 15),
    }

    ledger = cost_ledger(2026)
    stored = query(
        "select month, cost_category, amount_eur, payload->>'amount_eur' from raw.file_costs"
        " where load_id = %s order by source_row",
        results["costs"].load_id,
    )
    assert [(m, c, a) for m, c, a, _ in stored] == ledger
    assert [p for *_, p in stored] == [str(a) for _, _, a in ledger]  # "412345.60", never a float
    assert query("select sum(amount_eur) from raw.file_costs where load_id = %s", results["costs"].load_id) == [
        (sum(a for _, _, a in ledger),)
    ]

    shares = query(
        "select subject_org_code, value from raw.file_allocation_keys where load_id = %s"
        " and allocation_key = 'fixed_pct'",
        results["allocation_keys"].load_id,
    )
    assert sum(v for _, v in shares) == Decimal(100)
    baseline = query(
        "select subject_org_code, org_code, baseline_year, yearly_cost_eur, indexation_pct"
        " from raw.file_baselines where load_id = %s order by source_row",
        results["baselines"].load_id,
    )
    text = (tmp_path / "SSC" / "processed" / "baselines_SSC_2026.csv").read_text(encoding="utf-8")
    first = text.splitlines()[1].split(";")  # e.g. GM0505;2025;"2.345.678,12";2,5
    assert baseline[0][:3] == (first[0], "SSC", 2025)
    assert baseline[0][3] == Decimal(first[2].replace(".", "").replace(",", "."))
    assert baseline[0][4] == Decimal("2.5")

    email = "medewerker001@gm0505.example.nl"
    assert email in (tmp_path / "SSC" / "processed" / "survey_responses_SSC_2026.csv").read_text()
    pseudonyms = query(
        "select payload->>'respondent_pseudonym' from raw.file_survey_responses"
        " where subject_org_code = 'GM0505' order by source_row"
    )
    assert pseudonyms[0] == (pseudonymise(email, KEY.encode()),)
    tables = [
        t
        for (t,) in query(
            "select table_name from information_schema.tables where table_schema = 'raw' and table_name like 'file_%'"
        )
    ]
    assert len(tables) == 6
    for table in tables:
        assert query(f"select count(*) from raw.{table} where payload::text like '%@%'") == [(0,)], table
    assert query("select count(*) from audit.files where coalesce(reason, '') like '%@%'") == [(0,)]


def test_semicolon_csv_with_dutch_decimal_commas(fresh_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "SSC"
    folder.mkdir()
    (folder / "costs_SSC_correcties.csv").write_text(
        "\ufeffmonth;cost_category;amount_eur;note\n2026-01;licences;1.234,56;jaarlicentie\n"
        "2026-01;housing;99,9;\n2026-02;personnel;1234.5;\n",
        encoding="utf-8",
    )
    [result] = process_inbox("SSC", root=tmp_path)
    assert (result.status, result.rows) == ("landed", 3)
    assert query(
        "select amount_eur, payload->>'amount_eur', payload->>'note' from raw.file_costs"
        " where load_id = %s order by source_row",
        result.load_id,
    ) == [
        (Decimal("1234.56"), "1234.56", "jaarlicentie"),
        (Decimal("99.90"), "99.90", None),
        (Decimal("1234.50"), "1234.50", None),
    ]


def test_files_in_the_wrong_folder_or_for_another_organisation_are_rejected(fresh_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "GM0590"
    folder.mkdir()
    (folder / "baselines_GM0590.csv").write_text(
        "org_code,baseline_year,yearly_cost_eur\nGM0590,2020,100000\nGM0642,2020,200000\n", encoding="utf-8"
    )
    (folder / "costs_GM0590.csv").write_text("month,cost_category,amount_eur\n2026-01,housing,1\n", encoding="utf-8")
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    (folder / "tickets_GM0590_ansi.csv").write_bytes((HEADER + ticket_line("Caf\u00e9-1")).encode("cp1252"))
    (folder / ".tickets_GM0590_x.csv.part").write_text("half", encoding="utf-8")
    results = {r.file_name: r for r in process_inbox("GM0590", root=tmp_path)}
    assert {n: r.status for n, r in results.items()} == {
        "baselines_GM0590.csv": "rejected",
        "costs_GM0590.csv": "rejected",
        "notes.txt": "rejected",
        "tickets_GM0590_ansi.csv": "rejected",
    }
    assert (results["tickets_GM0590_ansi.csv"].reason or "").endswith(
        "tickets_GM0590_ansi.csv is not UTF-8 encoded (invalid bytes on line 2 of the file); "
        "save it as 'CSV UTF-8' and drop it again"
    )
    assert "row 2, field org_code, value 'GM0642': a row for another organisation in the inbox of GM0590" in (
        results["baselines_GM0590.csv"].reason or ""
    )
    assert "SSC-wide: drop them in the SSC/ folder" in (results["costs_GM0590.csv"].reason or "")
    assert "matches no file kind" in (results["notes.txt"].reason or "")
    assert (folder / ".tickets_GM0590_x.csv.part").exists()
    assert query("select count(*) from raw.file_baselines where org_code = 'GM0590'") == [(0,)]


def test_a_survey_in_an_organisations_own_folder_is_about_that_organisation(fresh_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "GM0642"
    folder.mkdir()
    (folder / "survey_responses_GM0642_feedback.csv").write_text(
        "survey_id,responded_on,service_code,score,scale_max,respondent_email\n"
        "FB-2026-11,2026-11-20,Printen,4,5,Piet.Bakker@GM0642.example.nl\n"
        "FB-2026-11,2026-11-21,Koffieautomaat,2,5,\n",
        encoding="utf-8",
    )
    [result] = process_inbox("GM0642", root=tmp_path)
    assert (result.status, result.rows, result.unmapped) == ("landed", 2, ("Koffieautomaat",))
    assert query(
        "select subject_org_code, service_code, score, scale_max, payload->>'respondent_pseudonym'"
        " from raw.file_survey_responses where load_id = %s order by source_row",
        result.load_id,
    ) == [
        ("GM0642", "PRINTEN", 4, 5, pseudonymise("piet.bakker@gm0642.example.nl", KEY.encode())),
        ("GM0642", "OVERIG", 2, 5, None),
    ]


def test_a_database_failure_leaves_the_file_for_the_next_run(
    fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "GM0642"
    folder.mkdir()
    name = "ticket_holds_GM0642_retry.csv"
    (folder / name).write_text("ticket_id,hold_start,hold_end\nR-1,2026-11-20T10:00:00+01:00,\n", encoding="utf-8")

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(landing, "land_records", broken)
    with pytest.raises(InboxError, match=f"{name}: RuntimeError: connection lost"):
        process_inbox("GM0642", root=tmp_path)
    assert (folder / name).exists() and not (folder / "processed").exists()
    assert query("select status from audit.loads where org_code = 'GM0642' and entity = 'ticket_holds'") == [
        ("failed",)
    ]
    assert query("select count(*) from audit.files where file_name = %s", name) == [(0,)]

    monkeypatch.undo()
    monkeypatch.setenv("SSC_PSEUDONYMISATION_KEY", KEY)
    [result] = process_inbox("GM0642", root=tmp_path)
    assert (result.status, result.rows) == ("landed", 1)
    assert query("select hold_end from raw.file_ticket_holds where load_id = %s", result.load_id) == [(None,)]
    assert (folder / "processed" / name).exists()
