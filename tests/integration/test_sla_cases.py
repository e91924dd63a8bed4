"""The SLA rules an auditor checks (DESIGN §5, docs/sla.md), end to end through a file drop.

Tickets and hold periods are written as CSV files into an inbox, landed with
``process_inbox``, validated with the raw gate (``validate_load``), and
transformed by ``dbt build`` (``run_dbt``) into ``marts.fct_tickets`` and
``marts.sla_monthly``. Every expected number below was counted by hand; the
comment beside a case shows the sum.

Organisations (not in organisations.yml; the test builds a copy of the dbt
project whose seeds add their agreements, so the real seeds stay clean):

* GM9901 -- office hours (calendar STANDAARD: Mon-Fri 08:00-17:00
  Europe/Amsterdam, closed on Dutch public holidays), default agreement
  SSC-STANDAARD until 14 June 2026, then its own agreement GM9901-EIGEN, which
  sets only P2 WERKPLEK (response 120, resolution 1200 business minutes, 80 %);
  every other service and priority falls back on the default targets.
* GM9902 -- agreement SSC-P1-24X7: P1 counts round the clock (calendar 24X7),
  other priorities fall back on the default targets (office hours).

Default targets (response/resolution, business minutes): P1 30/240 at 95 %,
P2 60/960 at 90 %, P3 240/2700 at 90 %, P4 480/5400 at 85 %. All loads carry
the window 2026-01-01 .. 2027-01-04 00:00 local, so a clock still running is
judged at 4 January 2027 00:00 (data_as_of).

This module also holds two checks that need no database: the holidays seed
matches the ``holidays`` package, and organisations.yml agrees with the
agreement history in seed organisation_agreements.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from ssc_pipeline import transform, validation  # noqa: E402
from ssc_pipeline.registry import load_registry  # noqa: E402
from ssc_pipeline.steps.inbox import process_inbox  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = ROOT / "dbt_project"
CET = dt.timezone(dt.timedelta(hours=1))
WINDOW = (dt.datetime(2026, 1, 1, tzinfo=CET), dt.datetime(2027, 1, 4, tzinfo=CET))
HEADER = "ticket_id,service_code,priority,status,opened_at,first_response_at,resolved_at,closed_at,updated_at"

# ---------------------------------------------------------------- the drops
# ticket_id, service, priority, status, opened_at, first_response_at, resolved_at (local ISO-8601 with offset)
GM9901_TICKETS = [
    # Fri 16:30 -> Mon 09:15: 30 (Fri 16:30-17:00) + 75 (Mon 08:00-09:15) = 105; response Fri 16:40 = 10
    (
        "C01-weekend",
        "WERKPLEK",
        "P1",
        "resolved",
        "2026-11-20T16:30:00+01:00",
        "2026-11-20T16:40:00+01:00",
        "2026-11-23T09:15:00+01:00",
    ),
    # opened Sat 10:00: the clock starts Mon 08:00; response Mon 08:45 = 45;
    # resolved Tue 16:00 = 540 (Mon) + 480 (Tue 08-16) = 1020
    (
        "C02-saturday",
        "NETWERK",
        "P3",
        "resolved",
        "2026-11-21T10:00:00+01:00",
        "2026-11-23T08:45:00+01:00",
        "2026-11-24T16:00:00+01:00",
    ),
    # Koningsdag (Mon 27 Apr 2026) closed: Fri 16:00 -> Tue 09:00 = 60 + 60 = 120 (response, > 60);
    # resolved Tue 12:00 = 60 + 240 = 300
    (
        "C03-koningsdag",
        "ACCOUNTS",
        "P2",
        "resolved",
        "2026-04-24T16:00:00+02:00",
        "2026-04-28T09:00:00+02:00",
        "2026-04-28T12:00:00+02:00",
    ),
    # Hemelvaartsdag (Thu 14 May 2026) closed: Wed 16:00 -> Fri 09:00 = 60 + 60 = 120;
    # no response given: the resolution is the first response (120 > 60)
    ("C04-hemelvaart", "ACCOUNTS", "P2", "resolved", "2026-05-13T16:00:00+02:00", "", "2026-05-15T09:00:00+02:00"),
    # Christmas (Fri 25, Sat 26 Dec) and Sunday closed: Thu 16:00 -> Mon 28 Dec 09:00 = 60 + 60 = 120
    (
        "C05-christmas",
        "NETWERK",
        "P3",
        "resolved",
        "2026-12-24T16:00:00+01:00",
        "2026-12-24T16:30:00+01:00",
        "2026-12-28T09:00:00+01:00",
    ),
    # hold over the night Mon 16:00 -> Tue 10:00 = 60 + 120 = 180 business minutes on hold;
    # Mon 09:00 -> Tue 15:00 = 480 + 420 = 900 - 180 = 720
    (
        "C06-hold-over-night",
        "TELEFONIE",
        "P3",
        "resolved",
        "2026-11-23T09:00:00+01:00",
        "2026-11-23T09:30:00+01:00",
        "2026-11-24T15:00:00+01:00",
    ),
    # two holds: Mon 09:00-10:00 (60) and Tue 09:00-10:40 (100; a third, Tue 09:30-10:00, lies inside
    # it and is merged, not counted twice): Mon 08:00 -> Tue 17:00 = 1080 - 160 = 920 (<= 960);
    # response Mon 11:00 = 180 - 60 (the hold before it) = 120 (> 60)
    (
        "C07-two-holds",
        "NETWERK",
        "P2",
        "resolved",
        "2026-11-23T08:00:00+01:00",
        "2026-11-23T11:00:00+01:00",
        "2026-11-24T17:00:00+01:00",
    ),
    # holds outside opening hours (Fri 18:00 -> Mon 07:30, Sat 10:00 -> Sun 12:00): nothing on hold;
    # Fri 09:00 -> Mon 10:00 = 480 + 120 = 600
    (
        "C08-hold-outside-hours",
        "ACCOUNTS",
        "P2",
        "resolved",
        "2026-11-20T09:00:00+01:00",
        "2026-11-20T09:30:00+01:00",
        "2026-11-23T10:00:00+01:00",
    ),
    # DST weekends do not touch office hours: Fri 16:00 -> Mon 09:00 = 60 + 60 = 120, both ways
    (
        "C09-dst-spring",
        "OVERIG",
        "P3",
        "resolved",
        "2026-03-27T16:00:00+01:00",
        "2026-03-27T16:10:00+01:00",
        "2026-03-30T09:00:00+02:00",
    ),
    (
        "C09-dst-autumn",
        "OVERIG",
        "P3",
        "resolved",
        "2026-10-23T16:00:00+02:00",
        "2026-10-23T16:10:00+02:00",
        "2026-10-26T09:00:00+01:00",
    ),
    # agreement changed on 15 June 2026. Before: default P2 (60/960). Wed 10 Jun 09:00 -> response
    # 10:30 = 90 (> 60), resolved Thu 12:00 = 480 + 240 = 720 (<= 960)
    (
        "C11-before-change",
        "WERKPLEK",
        "P2",
        "resolved",
        "2026-06-10T09:00:00+02:00",
        "2026-06-10T10:30:00+02:00",
        "2026-06-11T12:00:00+02:00",
    ),
    # after: GM9901-EIGEN P2 WERKPLEK (120/1200). Wed 17 Jun 09:00 -> response 10:30 = 90 (<= 120),
    # resolved Fri 10:00 = 480 + 540 + 120 = 1140 (<= 1200; the default 960 would be breached)
    (
        "C11-after-change",
        "WERKPLEK",
        "P2",
        "resolved",
        "2026-06-17T09:00:00+02:00",
        "2026-06-17T10:30:00+02:00",
        "2026-06-19T10:00:00+02:00",
    ),
    # cancelled: no resolution, no response, no met flags, in no monthly figure
    ("C12-cancelled", "PRINTEN", "P4", "cancelled", "2026-11-25T09:00:00+01:00", "", "2026-11-25T10:00:00+01:00"),
    # resolved 30 Nov 23:30 UTC = 1 Dec 00:30 local: counts in December; Mon 09:00 -> 17:00 = 480;
    # the response (Mon 10:00 = 60) counts in November
    (
        "C13-month-end-utc",
        "FACILITAIR",
        "P4",
        "resolved",
        "2026-11-30T09:00:00+01:00",
        "2026-11-30T10:00:00+01:00",
        "2026-11-30T23:30:00+00:00",
    ),
    # still open, on hold since Mon 7 Dec 10:00 (no end): judged at data_as_of (4 Jan 2027 00:00):
    # 60 business minutes ran (Mon 09:00-10:00), the rest is on hold: Dec 7 420 + Dec 8-11 2160 +
    # Dec 14-18 2700 + Dec 21-24 2160 + Dec 28-31 2160 (25, 26 Dec and 1 Jan closed) = 9600.
    # Response clock 60 > 30: breached; resolution 60 <= 240: not yet (null).
    ("C15-open-on-hold", "TELEFONIE", "P1", "on_hold", "2026-12-07T09:00:00+01:00", "", ""),
    # holds corrected by a later file: the first says 10:00-12:00, the second 10:00-11:00; only the
    # latest accepted load counts: Mon 09:00 -> 15:00 = 360 - 60 = 300
    (
        "C16-holds-replaced",
        "TELEFONIE",
        "P3",
        "resolved",
        "2026-11-23T09:00:00+01:00",
        "2026-11-23T09:10:00+01:00",
        "2026-11-23T15:00:00+01:00",
    ),
]

GM9901_HOLDS_FIRST = [
    ("C06-hold-over-night", "2026-11-23T16:00:00+01:00", "2026-11-24T10:00:00+01:00"),
    ("C07-two-holds", "2026-11-23T09:00:00+01:00", "2026-11-23T10:00:00+01:00"),
    ("C07-two-holds", "2026-11-24T09:00:00+01:00", "2026-11-24T10:40:00+01:00"),
    ("C07-two-holds", "2026-11-24T09:30:00+01:00", "2026-11-24T10:00:00+01:00"),
    ("C08-hold-outside-hours", "2026-11-20T18:00:00+01:00", "2026-11-23T07:30:00+01:00"),
    ("C08-hold-outside-hours", "2026-11-21T10:00:00+01:00", "2026-11-22T12:00:00+01:00"),
    ("C15-open-on-hold", "2026-12-07T10:00:00+01:00", ""),
    ("C16-holds-replaced", "2026-11-23T10:00:00+01:00", "2026-11-23T12:00:00+01:00"),
]
GM9901_HOLDS_SECOND = [
    ("C16-holds-replaced", "2026-11-23T10:00:00+01:00", "2026-11-23T11:00:00+01:00"),
]

# resolved before opened: the raw_file_tickets suite quarantines the whole file, so neither ticket counts
GM9901_BAD_TICKETS = [
    (
        "C14-resolved-before-opened",
        "APPLICATIES",
        "P2",
        "resolved",
        "2026-11-26T10:00:00+01:00",
        "",
        "2026-11-26T09:00:00+01:00",
    ),
    ("C14-same-file", "APPLICATIES", "P2", "resolved", "2026-11-26T10:00:00+01:00", "", "2026-11-26T11:00:00+01:00"),
]

GM9902_TICKETS = [
    # 24X7 over the spring DST night: Sat 22:00 CET -> Sun 06:00 CEST = 7 real hours = 420 (<= 480);
    # response 22:20 = 20
    (
        "C10-24x7-spring",
        "WERKPLEK",
        "P1",
        "resolved",
        "2026-03-28T22:00:00+01:00",
        "2026-03-28T22:20:00+01:00",
        "2026-03-29T06:00:00+02:00",
    ),
    # 24X7 over the autumn DST night: Sat 22:00 CEST -> Sun 06:00 CET = 9 real hours = 540 (> 480)
    (
        "C10-24x7-autumn",
        "WERKPLEK",
        "P1",
        "resolved",
        "2026-10-24T22:00:00+02:00",
        "2026-10-24T22:10:00+02:00",
        "2026-10-25T06:00:00+01:00",
    ),
    # P2 is not in SSC-P1-24X7: the default P2 row applies, on office hours: Sat 22:00 -> Mon 09:00 = 60
    ("C10-fallback-p2", "WERKPLEK", "P2", "resolved", "2026-03-28T22:00:00+01:00", "", "2026-03-30T09:00:00+02:00"),
]

# ---------------------------------------------------------------- expected (hand-counted)
# ticket_id: (response minutes, resolution minutes, on hold, response_met, resolution_met,
#             response target, resolution target)
EXPECTED: dict[str, tuple[Any, ...]] = {
    "C01-weekend": (10, 105, 0, True, True, 30, 240),
    "C02-saturday": (45, 1020, 0, True, True, 240, 2700),
    "C03-koningsdag": (120, 300, 0, False, True, 60, 960),
    "C04-hemelvaart": (120, 120, 0, False, True, 60, 960),
    "C05-christmas": (30, 120, 0, True, True, 240, 2700),
    "C06-hold-over-night": (30, 720, 180, True, True, 240, 2700),
    "C07-two-holds": (120, 920, 160, False, True, 60, 960),
    "C08-hold-outside-hours": (30, 600, 0, True, True, 60, 960),
    "C09-dst-spring": (10, 120, 0, True, True, 240, 2700),
    "C09-dst-autumn": (10, 120, 0, True, True, 240, 2700),
    "C10-24x7-spring": (20, 420, 0, True, True, 30, 480),
    "C10-24x7-autumn": (10, 540, 0, True, False, 30, 480),
    "C10-fallback-p2": (60, 60, 0, True, True, 60, 960),
    "C11-before-change": (90, 720, 0, False, True, 60, 960),
    "C11-after-change": (90, 1140, 0, True, True, 120, 1200),
    "C12-cancelled": (None, None, 0, None, None, 480, 5400),
    "C13-month-end-utc": (60, 480, 0, True, True, 480, 5400),
    "C15-open-on-hold": (None, None, 9600, False, None, 30, 240),
    "C16-holds-replaced": (10, 300, 60, True, True, 240, 2700),
}

# Test-only agreement rows, appended to a copy of the project's seeds.
EXTRA_SEED_ROWS = {
    "sla_agreements.csv": ["GM9901-EIGEN,Testafspraak GM9901,STANDAARD,false,Eigen P2-normen vanaf 15 juni 2026"],
    "sla_targets.csv": ["GM9901-EIGEN,WERKPLEK,P2,,120,1200,80,2026-06-15,"],
    "organisation_agreements.csv": [
        "GM9901,SSC-STANDAARD,2026-01-01,2026-06-14",
        "GM9901,GM9901-EIGEN,2026-06-15,",
        "GM9902,SSC-P1-24X7,2026-01-01,",
    ],
}

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def _write_tickets(path: Path, rows: list[tuple[str, ...]]) -> None:
    lines = [HEADER]
    for ticket_id, service, priority, status, opened, responded, resolved in rows:
        updated = resolved or opened
        lines.append(f"{ticket_id},{service},{priority},{status},{opened},{responded},{resolved},,{updated}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_holds(path: Path, rows: list[tuple[str, str, str]]) -> None:
    lines = ["ticket_id,hold_start,hold_end", *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _project_copy(tmp: Path) -> Path:
    """The real dbt project with the test organisations' agreements added to its seeds."""
    copy = tmp / "dbt_project"
    shutil.copytree(DBT_PROJECT, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    for seed, rows in EXTRA_SEED_ROWS.items():
        path = copy / "seeds" / seed
        text = path.read_text(encoding="utf-8")
        path.write_text(text.rstrip("\n") + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def landed(fresh_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Drop, land, validate and build once; yield a connection and what happened to each file."""
    tmp = tmp_path_factory.mktemp("sla-cases")
    inbox = tmp / "inbox"
    for org in ("GM9901", "GM9902"):
        (inbox / org).mkdir(parents=True)
    _write_tickets(inbox / "GM9901" / "tickets_GM9901_a.csv", GM9901_TICKETS)
    _write_tickets(inbox / "GM9901" / "tickets_GM9901_bad.csv", GM9901_BAD_TICKETS)
    _write_holds(inbox / "GM9901" / "ticket_holds_GM9901_1.csv", GM9901_HOLDS_FIRST)
    _write_holds(inbox / "GM9901" / "ticket_holds_GM9901_2.csv", GM9901_HOLDS_SECOND)
    _write_tickets(inbox / "GM9902" / "tickets_GM9902_a.csv", GM9902_TICKETS)

    outcomes: dict[str, str] = {}
    for org in ("GM9901", "GM9902"):
        for load in process_inbox(org, root=inbox, run_id="sla-cases", window_start=WINDOW[0], window_end=WINDOW[1]):
            assert load.status == "landed", load.describe()
            suite = "raw_file_tickets" if load.kind == "tickets" else "raw_file_ticket_holds"
            try:
                validation.validate_load(str(load.load_id), suite)
                outcomes[load.file_name] = "accepted"
            except validation.LoadQuarantined:
                outcomes[load.file_name] = "quarantined"

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transform, "dbt_project_dir", lambda: _project_copy(tmp))
        transform.run_dbt(("build",), target_path=tmp / "target")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        yield {"conn": conn, "outcomes": outcomes}


def _ticket(conn: psycopg.Connection, ticket_id: str) -> dict[str, Any] | None:
    cur = conn.execute("select * from marts.fct_tickets where ticket_id = %s", (ticket_id,))
    row = cur.fetchone()
    return None if row is None else dict(zip([c.name for c in cur.description or ()], row))


def _monthly(conn: psycopg.Connection, month: str, org: str, service: str, priority: str) -> dict[str, Any] | None:
    cur = conn.execute(
        "select * from marts.sla_monthly where month = %s and org_code = %s and service_code = %s and priority = %s",
        (dt.date.fromisoformat(month), org, service, priority),
    )
    row = cur.fetchone()
    return None if row is None else dict(zip([c.name for c in cur.description or ()], row))


def test_every_drop_landed_and_only_the_bad_file_was_quarantined(landed: dict[str, Any]) -> None:
    assert landed["outcomes"] == {
        "tickets_GM9901_a.csv": "accepted",
        "tickets_GM9901_bad.csv": "quarantined",
        "ticket_holds_GM9901_1.csv": "accepted",
        "ticket_holds_GM9901_2.csv": "accepted",
        "tickets_GM9902_a.csv": "accepted",
    }


@pytest.mark.parametrize("ticket_id", sorted(EXPECTED))
def test_hand_computed_clocks(landed: dict[str, Any], ticket_id: str) -> None:
    ticket = _ticket(landed["conn"], ticket_id)
    assert ticket is not None, f"{ticket_id} missing from marts.fct_tickets"
    got = (
        ticket["response_business_minutes"],
        ticket["resolution_business_minutes"],
        ticket["on_hold_business_minutes"],
        ticket["response_met"],
        ticket["resolution_met"],
        ticket["response_target_minutes"],
        ticket["resolution_target_minutes"],
    )
    assert got == EXPECTED[ticket_id]
    assert ticket["source_system"] == "files"


def test_cancelled_ticket_is_not_resolved(landed: dict[str, Any]) -> None:
    ticket = _ticket(landed["conn"], "C12-cancelled")
    assert ticket is not None
    assert (ticket["status"], ticket["first_response_at"], ticket["resolved_at"]) == ("cancelled", None, None)
    assert _monthly(landed["conn"], "2026-11-01", "GM9901", "PRINTEN", "P4") is None


def test_quarantined_file_counts_nowhere(landed: dict[str, Any]) -> None:
    conn = landed["conn"]
    assert _ticket(conn, "C14-resolved-before-opened") is None
    assert _ticket(conn, "C14-same-file") is None
    assert conn.execute("select count(*) from marts.sla_monthly where service_code = 'APPLICATIES'").fetchone() == (0,)
    reason = conn.execute("select message from audit.loads where status = 'quarantined'").fetchone()
    assert reason is not None and "resolved_at >= opened_at" in reason[0]


def test_resolution_at_2330_utc_on_the_last_day_counts_in_the_next_local_month(landed: dict[str, Any]) -> None:
    conn = landed["conn"]
    december = _monthly(conn, "2026-12-01", "GM9901", "FACILITAIR", "P4")
    november = _monthly(conn, "2026-11-01", "GM9901", "FACILITAIR", "P4")
    assert december is not None and november is not None
    assert (december["tickets_resolved"], december["resolution_met"], december["responses"]) == (1, 1, 0)
    assert december["p50_resolution_business_minutes"] == Decimal("480.00")
    assert (november["tickets_resolved"], november["responses"], november["response_met"]) == (0, 1, 1)


def test_agreement_changed_mid_month(landed: dict[str, Any]) -> None:
    june = _monthly(landed["conn"], "2026-06-01", "GM9901", "WERKPLEK", "P2")
    assert june is not None
    # each ticket is judged on the agreement in force when it was opened: both resolutions met
    # (720 <= 960 and 1140 <= 1200), one response of two (90 > 60; 90 <= 120)
    assert (june["tickets_resolved"], june["resolution_met"], june["resolution_breached"]) == (2, 2, 0)
    assert june["resolution_attainment_pct"] == Decimal("100.00")
    assert (june["responses"], june["response_met"], june["response_attainment_pct"]) == (2, 1, Decimal("50.00"))
    # the month's target percentage is that of the agreement in force on its first day (default: 90)
    assert june["target_pct"] == Decimal("90")
    assert june["target_achieved"] is False
    assert june["p50_resolution_business_minutes"] == Decimal("930.00")  # (720 + 1140) / 2
    assert june["p90_resolution_business_minutes"] == Decimal("1098.00")  # 720 + 0.9 * 420


def test_24x7_agreement_months_and_fallback(landed: dict[str, Any]) -> None:
    conn = landed["conn"]
    march = _monthly(conn, "2026-03-01", "GM9902", "WERKPLEK", "P1")
    october = _monthly(conn, "2026-10-01", "GM9902", "WERKPLEK", "P1")
    assert march is not None and october is not None
    assert (march["resolution_attainment_pct"], march["target_achieved"]) == (Decimal("100.00"), True)
    assert (october["resolution_breached"], october["target_achieved"]) == (1, False)
    fallback = _monthly(conn, "2026-03-01", "GM9902", "WERKPLEK", "P2")
    assert fallback is not None and fallback["target_pct"] == Decimal("90")
    calendars = dict(
        conn.execute(
            "select ticket_id, calendar_id from intermediate.int_tickets_timed where org_code = 'GM9902'"
        ).fetchall()
    )
    assert calendars == {"C10-24x7-spring": "24X7", "C10-24x7-autumn": "24X7", "C10-fallback-p2": "STANDAARD"}


def test_open_ticket_on_hold_is_not_breached_at_month_end(landed: dict[str, Any]) -> None:
    conn = landed["conn"]
    aged = conn.execute(
        "select elapsed_business_minutes, is_breached from intermediate.int_open_tickets_aged"
        " where ticket_id = 'C15-open-on-hold' and month = date '2026-12-01'"
    ).fetchone()
    # Mon 7 Dec 09:00-10:00 ran; from 10:00 on hold up to the month's end
    assert aged == (60, False)
    assert _monthly(conn, "2026-12-01", "GM9901", "TELEFONIE", "P1") is None


def test_monthly_rows_of_the_resolved_cases(landed: dict[str, Any]) -> None:
    conn = landed["conn"]
    november_p3 = _monthly(conn, "2026-11-01", "GM9901", "TELEFONIE", "P3")
    assert november_p3 is not None
    assert (november_p3["tickets_resolved"], november_p3["resolution_met"]) == (2, 2)  # C06 720, C16 300
    assert november_p3["p50_resolution_business_minutes"] == Decimal("510.00")
    weekend = _monthly(conn, "2026-11-01", "GM9901", "WERKPLEK", "P1")
    assert weekend is not None and (weekend["tickets_resolved"], weekend["target_achieved"]) == (1, True)
    koningsdag = _monthly(conn, "2026-04-01", "GM9901", "ACCOUNTS", "P2")
    assert koningsdag is not None
    assert (koningsdag["response_met"], koningsdag["response_attainment_pct"]) == (0, Decimal("0.00"))


# ---------------------------------------------------------------- checks without a database


def test_holidays_seed_matches_the_holidays_package() -> None:
    """The seed is generated by scripts/generate_holidays.py; a stale seed means a wrong calendar."""
    spec = importlib.util.spec_from_file_location("generate_holidays", ROOT / "scripts" / "generate_holidays.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seed = DBT_PROJECT / "seeds" / "dutch_public_holidays.csv"
    assert seed.read_text(encoding="utf-8") == module.render(), (
        "dutch_public_holidays.csv is stale: run scripts/generate_holidays.py"
    )
    assert module.main(["--check"]) == 0


def test_organisations_yml_agrees_with_the_agreement_history() -> None:
    """organisations.yml `sla` names the agreement in force now; the seed keeps its history.

    An organisation with `sla` has an open-ended row with that agreement; one without has no
    open-ended row other than the default agreement's. Every organisation in the seed is
    registered, and every agreement named anywhere exists.
    """
    seeds = DBT_PROJECT / "seeds"
    with (seeds / "sla_agreements.csv").open(encoding="utf-8") as f:
        agreements = {row["agreement_id"]: row for row in csv.DictReader(f)}
    default = [a for a, row in agreements.items() if row["is_default"] == "true"]
    assert len(default) == 1, "exactly one default agreement"
    with (seeds / "organisation_agreements.csv").open(encoding="utf-8") as f:
        history = list(csv.DictReader(f))
    registry = {org.code: org for org in load_registry()}

    current = {row["org_code"]: row["agreement_id"] for row in history if not row["valid_to"]}
    for code, org in registry.items():
        expected = org.sla or default[0]
        assert current.get(code, default[0]) == expected, (
            f"{code}: organisations.yml says sla={org.sla!r}, organisation_agreements says {current.get(code)!r}"
        )
        if org.sla is not None:
            assert org.sla in agreements, f"{code}: agreement {org.sla} is not in sla_agreements.csv"
    for row in history:
        assert row["org_code"] in registry, f"{row['org_code']} in organisation_agreements is not registered"
        assert row["agreement_id"] in agreements, f"{row['agreement_id']} is not in sla_agreements.csv"
