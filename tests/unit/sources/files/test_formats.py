"""The file kinds' row parsers: typed values, and errors that name row, field and value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ssc_pipeline.sources.files import formats
from ssc_pipeline.sources.files.formats import (
    ALLOCATION_KEYS,
    BASELINES,
    COSTS,
    SURVEY_RESPONSES,
    TICKET_HOLDS,
    TICKETS,
    RowError,
    jsonable,
    kind_for,
    parse_decimal,
    parse_money,
    parse_month,
    parse_timestamp,
)

UTC = dt.timezone.utc


def ticket(**over: str) -> dict[str, str]:
    row = {
        "ticket_id": "T-1",
        "service_code": "Werkplek",
        "priority": "p2",
        "status": "Resolved",
        "opened_at": "2026-11-20T09:15:00+01:00",
        "first_response_at": "",
        "resolved_at": "2026-11-20T10:00:00Z",
        "closed_at": "",
        "updated_at": "2026-11-20T10:00:00+00:00",
    }
    row.update(over)
    return row


def test_timestamps_need_an_offset_and_are_normalised_to_utc() -> None:
    assert parse_timestamp("2026-11-20T09:15:00+01:00") == dt.datetime(2026, 11, 20, 8, 15, tzinfo=UTC)
    assert parse_timestamp("2026-07-01 09:15:00+02:00") == dt.datetime(2026, 7, 1, 7, 15, tzinfo=UTC)
    assert parse_timestamp("2026-11-20T09:15:00Z") == dt.datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    with pytest.raises(ValueError, match="without a UTC offset"):
        parse_timestamp("2026-11-20T09:15:00")
    for bad in ("20-11-2026 09:15", "2026-11-20", "2026-13-20T09:15:00+01:00"):
        with pytest.raises(ValueError, match="ISO-8601"):
            parse_timestamp(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", Decimal("1234.56")),
        ("1234,56", Decimal("1234.56")),
        ("1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("1.234.567", Decimal("1234567")),
        ("12,5", Decimal("12.5")),
        ("-3,25", Decimal("-3.25")),
        ("0", Decimal("0")),
        ("0,125", Decimal("0.125")),
        ("1234.567", Decimal("1234.567")),
        ("119.0000", Decimal("119")),
    ],
)
def test_decimals_accept_a_dot_or_a_dutch_comma(text: str, expected: Decimal) -> None:
    assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("€ 12", "not a number"),
        ("1e5", "not a number"),
        ("12.34.5", "more than once"),
        ("1.23,4.5", "misplaced"),
        ("NaN", "not a number"),
        ("119.000", "ambiguous"),
        ("1,234", "ambiguous"),
    ],
)
def test_decimals_refuse_what_is_not_a_plain_number(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_decimal(text)


def test_money_is_exact_to_the_cent_and_not_negative() -> None:
    assert parse_money("99,9") == Decimal("99.90")
    assert str(parse_money("99,9")) == "99.90"
    with pytest.raises(ValueError, match="more than 2 decimals"):
        parse_money("1234,567")
    with pytest.raises(ValueError, match="ambiguous"):
        parse_money("12,345")  # 12345 to a Dutch reader, 12.345 to an English one: refused
    with pytest.raises(ValueError, match="below the minimum 0"):
        parse_money("-1,00")


def test_months() -> None:
    assert parse_month("2026-03") == dt.date(2026, 3, 1)
    assert parse_month("2026-03-01") == dt.date(2026, 3, 1)  # a spreadsheet date cell
    for bad in ("2026-13", "2026-03-15", "03-2026", "maart 2026"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_month(bad)


def test_a_good_ticket_row_parses_to_typed_canonical_values() -> None:
    record, errors = TICKETS.parse_row(ticket(), 1)
    assert errors == []
    assert record == {
        "ticket_id": "T-1",
        "service_code": "Werkplek",
        "priority": "P2",
        "status": "resolved",
        "opened_at": dt.datetime(2026, 11, 20, 8, 15, tzinfo=UTC),
        "first_response_at": None,
        "resolved_at": dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        "closed_at": None,
        "updated_at": dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    }
    assert jsonable(record)["opened_at"] == "2026-11-20T08:15:00+00:00"


def test_bad_ticket_values_name_row_field_and_value() -> None:
    _, errors = TICKETS.parse_row(ticket(priority="P7", resolved_at="20-11-2026 10:00", status="done", opened_at=""), 3)
    by_field = {e.field: e for e in errors}
    assert set(by_field) == {"priority", "resolved_at", "status", "opened_at"}
    assert by_field["priority"] == RowError(3, "priority", "P7", "expected one of P1, P2, P3, P4")
    assert str(by_field["resolved_at"]).startswith("row 3, field resolved_at, value '20-11-2026 10:00': ")
    assert by_field["opened_at"].message == "a value is required"
    assert "in_progress" in by_field["status"].message


def test_header_missing_unknown_and_repeated_columns() -> None:
    header = [
        "Ticket_ID",
        "service_code",
        "priority",
        "status",
        "opened_at",
        "resolved_at",
        "closed_at",
        "updated_at",
        "caller_name",
        "status",
    ]
    errors = TICKETS.check_header(header)
    assert [(e.row, e.field, e.message.split(";")[0]) for e in errors] == [
        (None, "first_response_at", "column missing from the header"),
        (None, "caller_name", "unknown column"),
        (None, "status", "column appears twice in the header"),
    ]
    assert TICKETS.check_header(list(formats.TICKETS.required_columns)) == []
    assert COSTS.check_header(["month", "cost_category", "amount_eur"]) == []  # note is optional


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("tickets_GM0505_2026-11-20.csv", "tickets"),
        ("ticket_holds_GM0505_2026-11-20.csv", "ticket_holds"),
        ("Costs_2026.XLSX", "costs"),
        ("costs_2026.csv", "costs"),
        ("allocation_keys_2026.xlsx", "allocation_keys"),
        ("baselines_2026.csv", "baselines"),
        ("survey_responses_kto.csv", "survey_responses"),
        ("survey_responses_kto.xlsx", None),
        ("tickets.csv", None),
        ("READY", None),
    ],
)
def test_kind_for_file_names(name: str, kind: str | None) -> None:
    found = kind_for(name)
    assert (found.name if found else None) == kind


def test_a_ticket_twice_in_one_file_is_refused() -> None:
    checks = TICKETS.file_checks()
    record, _ = TICKETS.parse_row(ticket(), 1)
    assert checks[0].add(1, record) == []
    assert checks[0].add(7, record) == [RowError(7, "ticket_id", "T-1", "duplicate of row 1")]


def test_holds_may_still_be_open() -> None:
    record, errors = TICKET_HOLDS.parse_row(
        {"ticket_id": "T-1", "hold_start": "2026-11-20T11:00:00+01:00", "hold_end": ""}, 2
    )
    assert errors == [] and record["hold_end"] is None


def test_allocation_rules_and_fixed_pct_total() -> None:
    row = {"year": "2026", "org_code": "gm0505", "key": "ticket_share", "value": "3"}
    _, errors = ALLOCATION_KEYS.parse_row(row, 2)
    assert [(e.field, e.message.split(":")[0]) for e in errors] == [("value", "leave empty for ticket_share")]
    _, errors = ALLOCATION_KEYS.parse_row({**row, "key": "inhabitants", "value": "1200,5"}, 3)
    assert errors[0].message == "inhabitants is a whole number"
    total = ALLOCATION_KEYS.file_checks()[1]
    for n, (org, pct) in enumerate((("GM0505", "60"), ("GM0642", "25,5"), ("GM0590", "10")), start=2):
        record, errors = ALLOCATION_KEYS.parse_row(
            {"year": "2026", "org_code": org, "key": "fixed_pct", "value": pct}, n
        )
        assert errors == [] and total.add(n, record) == []
    [error] = total.finish()
    assert (error.row, error.field) == (2, "value")
    assert "fixed_pct values for 2026 (rows 2, 3, 4) add up to 95.5, not 100" == error.message


def test_baselines_with_dutch_numbers() -> None:
    record, errors = BASELINES.parse_row(
        {"org_code": "GM0505", "baseline_year": "2018", "yearly_cost_eur": "3.456.789,01", "indexation_pct": "2,5"}, 1
    )
    assert errors == []
    assert record == {
        "org_code": "GM0505",
        "baseline_year": 2018,
        "yearly_cost_eur": Decimal("3456789.01"),
        "indexation_pct": Decimal("2.5"),
    }
    assert jsonable(record)["yearly_cost_eur"] == "3456789.01"


def test_survey_score_within_scale_and_email_never_echoed() -> None:
    row = {
        "survey_id": "KTO-2026",
        "responded_on": "2026-10-05",
        "service_code": "Werkplek",
        "score": "7",
        "scale_max": "5",
        "respondent_email": "Jan.Jansen@GM0505.example.nl",
    }
    record, errors = SURVEY_RESPONSES.parse_row(row, 4)
    assert errors == [RowError(4, "score", "7", "above scale_max 5")]
    assert record["respondent_email"] == "jan.jansen@gm0505.example.nl"
    _, errors = SURVEY_RESPONSES.parse_row({**row, "scale_max": "10", "respondent_email": "jan at home"}, 5)
    assert errors == [RowError(5, "respondent_email", formats.WITHHELD, "not an e-mail address")]
    _, errors = SURVEY_RESPONSES.parse_row({**row, "scale_max": "7"}, 6)
    assert errors == [RowError(6, "scale_max", "7", "expected one of 5, 10")]


def test_indexation_percentage_with_one_separator_is_a_decimal_mark() -> None:
    from decimal import Decimal

    from ssc_pipeline.sources.files.formats import BASELINES

    record, errors = BASELINES.parse_row(
        {"org_code": "GM0505", "baseline_year": "2020", "yearly_cost_eur": "1250000,00", "indexation_pct": "2,125"}, 1
    )
    assert errors == [] and record["indexation_pct"] == Decimal("2.125")


def test_baselines_without_the_optional_indexation_column() -> None:
    from ssc_pipeline.sources.files.formats import BASELINES

    record, errors = BASELINES.parse_row(
        {"org_code": "GM0505", "baseline_year": "2020", "yearly_cost_eur": "1250000.00"}, 1
    )
    assert errors == [] and record["indexation_pct"] is None
