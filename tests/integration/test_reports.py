"""Director reports against a real PostgreSQL with hand-made published rows.

The published tables are created here (``create table if not exists``, the
contract columns of DESIGN §4.4 plus the lineage columns), so the test does
not depend on the monthly close. Every expected figure below was worked out
by hand from the inserted rows; the superseded version 1 of October 2026 and
a month outside the twelve-month window carry values that must never show.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from ssc_pipeline.reports import ReportError, render_all, render_report  # noqa: E402
from ssc_pipeline.reports.formatting import parse_dutch  # noqa: E402
from ssc_pipeline.warehouse import DbParams, ensure_schema  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

OCT, SEP, OLD = dt.date(2026, 10, 1), dt.date(2026, 9, 1), dt.date(2025, 10, 1)
LINEAGE = (
    "version",
    "published_at",
    "dbt_invocation_id",
    "validation_run_id",
    "source_row_count",
    "checksum",
    "completeness_override",
)

SLA_COLUMNS = {
    "month": "date not null",
    "org_code": "text not null",
    "service_code": "text not null",
    "priority": "text not null",
    "tickets_resolved": "integer",
    "resolution_met": "integer",
    "resolution_breached": "integer",
    "resolution_attainment_pct": "numeric",
    "responses": "integer",
    "response_met": "integer",
    "response_attainment_pct": "numeric",
    "target_pct": "numeric",
    "target_achieved": "boolean",
    "p50_resolution_business_minutes": "numeric",
    "p90_resolution_business_minutes": "numeric",
    "open_breached": "integer",
}
COST_COLUMNS = {
    "month": "date not null",
    "org_code": "text not null",
    "allocation_key": "text",
    "allocation_share": "numeric",
    "ssc_cost_eur": "numeric",
    "tickets": "integer",
    "cost_per_ticket_eur": "numeric",
    "baseline_cost_eur": "numeric",
    "saving_eur": "numeric",
    "saving_pct": "numeric",
    "saving_ytd_eur": "numeric",
}
CSAT_COLUMNS = {
    "month": "date not null",
    "org_code": "text not null",
    "service_code": "text",
    "source": "text not null",
    "responses": "integer",
    "avg_score": "numeric",
    "scale_max": "numeric",
    "pct_satisfied": "numeric",
}
LINEAGE_TYPES = {
    "version": "integer not null",
    "published_at": "timestamptz not null",
    "dbt_invocation_id": "text",
    "validation_run_id": "text",
    "source_row_count": "bigint",
    "checksum": "text",
    "completeness_override": "text",
}
# the close of October published satisfaction without one organisation (publishing.close_month's note)
OVERRIDES = {("csat_monthly", OCT): "published without GM0531: survey export late (by controller)"}
D = Decimal

# (month, org, service, priority, resolved, met, breached, att%, responses, resp met, resp%, target, achieved,
#  p50, p90, open)
SLA_V2_OCT = [
    (
        OCT,
        "GM0505",
        "WERKPLEK",
        "P1",
        40,
        37,
        3,
        D("92.50"),
        41,
        40,
        D("97.56"),
        D("95.00"),
        False,
        D("120.50"),
        D("230.00"),
        1,
    ),
    (
        OCT,
        "GM0505",
        "WERKPLEK",
        "P2",
        120,
        111,
        9,
        D("92.50"),
        118,
        115,
        D("97.46"),
        D("90.00"),
        True,
        D("300.00"),
        D("800.25"),
        2,
    ),
    (
        OCT,
        "GM0505",
        "APPLICATIES",
        "P2",
        30,
        25,
        5,
        D("83.33"),
        30,
        29,
        D("96.67"),
        D("90.00"),
        False,
        D("410.00"),
        D("990.00"),
        0,
    ),
    (
        OCT,
        "GM0642",
        "WERKPLEK",
        "P2",
        55,
        52,
        3,
        D("94.55"),
        55,
        55,
        D("100.00"),
        D("90.00"),
        True,
        D("280.00"),
        D("700.00"),
        0,
    ),
]
SLA_V1_OCT = [  # superseded by version 2: none of these may show
    (
        OCT,
        "GM0505",
        "WERKPLEK",
        "P1",
        40,
        20,
        20,
        D("50.00"),
        40,
        21,
        D("52.50"),
        D("95.00"),
        False,
        D("500.00"),
        D("900.00"),
        9,
    ),
    (
        OCT,
        "GM0590",
        "WERKPLEK",
        "P3",
        10,
        10,
        0,
        D("100.00"),
        10,
        10,
        D("100.00"),
        D("90.00"),
        True,
        D("60.00"),
        D("90.00"),
        0,
    ),
]
SLA_V1_SEP = [
    (
        SEP,
        "GM0505",
        "WERKPLEK",
        "P1",
        35,
        35,
        0,
        D("100.00"),
        35,
        35,
        D("100.00"),
        D("95.00"),
        True,
        D("100.00"),
        D("200.00"),
        0,
    ),
    (
        SEP,
        "GM0505",
        "WERKPLEK",
        "P2",
        100,
        88,
        12,
        D("88.00"),
        100,
        97,
        D("97.00"),
        D("90.00"),
        False,
        D("310.00"),
        D("820.00"),
        4,
    ),
]
SLA_OLD = [  # October 2025 lies outside the twelve months up to October 2026
    (
        OLD,
        "GM0505",
        "WERKPLEK",
        "P1",
        7,
        1,
        6,
        D("14.29"),
        7,
        1,
        D("14.29"),
        D("95.00"),
        False,
        D("999.00"),
        D("999.00"),
        3,
    ),
]
# (month, org, key, share, cost, tickets, cost/ticket, baseline, saving, saving%, saving ytd)
COST_ROWS = [
    (
        SEP,
        "GM0505",
        "tickets",
        D("0.6250"),
        D("41250.00"),
        150,
        D("275.00"),
        D("48000.00"),
        D("6750.00"),
        D("14.06"),
        D("6750.00"),
    ),
    (
        OCT,
        "GM0505",
        "tickets",
        D("0.6129"),
        D("43125.50"),
        190,
        D("226.98"),
        D("48000.00"),
        D("4874.50"),
        D("10.16"),
        D("11624.50"),
    ),
    (
        OCT,
        "GM0642",
        "tickets",
        D("0.3871"),
        D("21000.00"),
        55,
        D("381.82"),
        D("19500.00"),
        D("-1500.00"),
        D("-7.69"),
        D("-1500.00"),
    ),
]
# (month, org, service, source, responses, avg, scale, pct satisfied)
CSAT_ROWS = [
    (OCT, "GM0505", "WERKPLEK", "ticket_feedback", 40, D("4.20"), D("5"), D("85.00")),
    (OCT, "GM0505", "APPLICATIES", "ticket_feedback", 10, D("3.70"), D("5"), D("70.00")),
    (SEP, "GM0505", "WERKPLEK", "ticket_feedback", 35, D("4.40"), D("5"), D("91.43")),
    (OCT, "GM0642", None, "kto", 120, D("7.30"), D("10"), D("78.33")),
]


def lineage(mart: str, month: dt.date, version: int, rows: int) -> tuple[Any, ...]:
    published = dt.datetime(
        month.year, month.month + 1 if month.month < 12 else 1, 3, 8, 15, version, tzinfo=dt.timezone.utc
    )
    return (
        version,
        published,
        f"dbt-{mart}-{month:%Y%m}-v{version}",
        str(uuid.UUID(int=month.toordinal() * 10 + version)),
        rows,
        f"sha256:{mart[:4]}{month:%Y%m}v{version}",
        OVERRIDES.get((mart, month)),
    )


def create(conn: Any, mart: str, columns: dict[str, str]) -> None:
    spec = ", ".join(f"{name} {kind}" for name, kind in {**columns, **LINEAGE_TYPES}.items())
    conn.execute(f"create table if not exists published.{mart} ({spec})")


def insert(conn: Any, mart: str, columns: dict[str, str], rows: list[tuple[Any, ...]], version: int) -> None:
    names = [*columns, *LINEAGE]
    placeholders = ", ".join(["%s"] * len(names))
    for row in rows:
        conn.execute(
            f"insert into published.{mart} ({', '.join(names)}) values ({placeholders})",
            (*row, *lineage(mart, row[0], version, len(rows))),
        )


def publish_sla(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        create(conn, "sla_monthly", SLA_COLUMNS)
        insert(conn, "sla_monthly", SLA_COLUMNS, SLA_V1_OCT, 1)
        insert(conn, "sla_monthly", SLA_COLUMNS, SLA_V2_OCT, 2)
        insert(conn, "sla_monthly", SLA_COLUMNS, SLA_V1_SEP, 1)
        insert(conn, "sla_monthly", SLA_COLUMNS, SLA_OLD, 1)


@pytest.fixture(scope="module")
def published(fresh_db: str) -> str:
    publish_sla(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        create(conn, "cost_savings_monthly", COST_COLUMNS)
        create(conn, "csat_monthly", CSAT_COLUMNS)
        for month in (SEP, OCT):
            insert(conn, "cost_savings_monthly", COST_COLUMNS, [r for r in COST_ROWS if r[0] == month], 1)
            insert(conn, "csat_monthly", CSAT_COLUMNS, [r for r in CSAT_ROWS if r[0] == month], 1)
    return fresh_db


@pytest.fixture()
def sla_only_db(pg_server: DbParams) -> Iterator[str]:
    """A second database where only the SLA table is published; cost and csat do not exist."""
    name = f"ssc_test_reports_{uuid.uuid4().hex[:8]}"
    admin = pg_server.url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = pg_server.url(name)
    try:
        ensure_schema(url)
        publish_sla(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


class ReportParser(HTMLParser):
    """Collects figures, SVGs, links and every text with a digit that is not a marked figure."""

    VOID = frozenset(
        {
            "meta",
            "br",
            "img",
            "input",
            "link",
            "hr",
            "wbr",
            "source",
            "col",
            "area",
            "base",
            "embed",
            "rect",
            "circle",
            "line",
            "path",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.figures: dict[str, list[tuple[str, str]]] = {}
        self.current: list[list[Any]] = []  # open figures: [key, value, text]
        self.svgs = 0
        self.urls: list[str] = []
        self.stray_digits: list[str] = []
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.empty_notices = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.add(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href", "xlink:href", "action") and v]
        if tag == "svg":
            self.svgs += 1
        if "data-empty" in attributes:
            self.empty_notices += 1
        if tag in self.VOID:
            return
        self.stack.append((tag, attributes))
        if "data-figure" in attributes:
            self.current.append([attributes["data-figure"], attributes["data-value"], ""])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        while self.stack:
            open_tag, attributes = self.stack.pop()
            if "data-figure" in attributes:
                key, value, text = self.current.pop()
                self.figures.setdefault(key, []).append((value, text.strip()))
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for item in self.current:
            item[2] += data
        inside = {t for t, _ in self.stack}
        if inside & {"svg", "style", "title"}:
            return
        marked = any("data-figure" in a or "data-meta" in a for _, a in self.stack)
        if re.search(r"\d", data) and not marked:
            self.stray_digits.append(data)


def parse(path: Path) -> ReportParser:
    parser = ReportParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def figure(report: ReportParser, key: str) -> Decimal | None:
    values = {value for value, _ in report.figures[key]}
    assert len(values) == 1, f"{key} printed with different values {values}"
    value = values.pop()
    return None if value == "" else Decimal(value)


def assert_well_formed(report: ReportParser) -> None:
    """Every printed figure is its data-value formatted Dutch-style; no other digits; nothing external."""
    assert report.figures, "no figures found"
    for key, printed in report.figures.items():
        for value, text in printed:
            shown = parse_dutch(text)
            if value == "":
                assert shown is None, f"{key}: {text!r} printed for a null"
                continue
            raw = Decimal(value)
            assert shown is not None, f"{key}: nothing printed for {value}"
            places = -shown.as_tuple().exponent if shown.as_tuple().exponent < 0 else 0
            assert shown == raw.quantize(Decimal(1).scaleb(-places)), f"{key}: {text!r} is not {value}"
    assert report.stray_digits == [], f"digits outside figures/meta: {report.stray_digits[:5]}"
    assert report.urls == [], f"links or sources in a self-contained report: {report.urls}"
    assert not report.tags & {"script", "link", "img", "iframe", "object"}


def test_organisation_report_prints_exactly_the_latest_published_rows(published: str, tmp_path: Path) -> None:
    path = render_report(dt.date(2026, 10, 17), "GM0505", tmp_path / "dordrecht.html", url=published)
    html = path.read_text(encoding="utf-8")
    report = parse(path)
    assert_well_formed(report)
    assert not re.search(r"https?://", html)
    assert report.svgs == 5  # attainment, breaches, cost, and satisfaction as score and share
    assert report.empty_notices == 0
    text = " ".join(" ".join(report.text).split())
    assert "Gemeente Dordrecht" in text and "oktober 2026 / October 2026" in text
    assert "Realisatie oplostijd / Resolution attainment" in text
    assert "@media print" in html and "size: A4" in html

    # single rows print their own published value; P2 sums two services: 136 / 150 -> 90.67
    assert figure(report, "attainment:P1:2026-10") == D("92.50")
    assert figure(report, "target:P1:2026-10") == D("95.00")
    assert figure(report, "attainment:P2:2026-10") == D("90.67")
    assert figure(report, "attainment:P1:2026-09") == D("100.00")
    assert figure(report, "attainment:P2:2026-09") == D("88.00")
    assert "attainment:P1:2025-10" not in report.figures  # outside the twelve months
    assert "attainment:P3:2026-10" not in report.figures  # GM0590's row was only in version 1
    assert figure(report, "kpi:tickets_resolved:2026-10") == 190
    assert figure(report, "kpi:resolution_attainment:2026-10") == D("91.05")  # 173 / 190
    assert figure(report, "kpi:response_attainment:2026-10") == D("97.35")  # 184 / 189
    assert (figure(report, "kpi:targets_achieved:2026-10"), figure(report, "kpi:targets_counted:2026-10")) == (1, 3)
    assert figure(report, "kpi:open_breached:2026-10") == 3
    # breaches by service; WERKPLEK carries two norms (P1 95 %, P2 90 %)
    assert figure(report, "resolution_breached:WERKPLEK:2026-10") == 12
    assert figure(report, "open_breached:WERKPLEK:2026-10") == 3
    assert figure(report, "attainment:WERKPLEK:2026-10") == D("92.50")  # 148 / 160
    assert (figure(report, "target:WERKPLEK:2026-10"), figure(report, "target_max:WERKPLEK:2026-10")) == (
        D("90.00"),
        D("95.00"),
    )
    assert figure(report, "resolution_breached:APPLICATIES:2026-10") == 5
    assert figure(report, "attainment:APPLICATIES:2026-10") == D("83.33")
    # cost: the organisation's own rows, unchanged
    assert figure(report, "ssc_cost:2026-10") == D("43125.50")
    assert figure(report, "baseline_cost:2026-10") == D("48000.00")
    assert figure(report, "saving_pct:2026-10") == D("10.16")
    assert figure(report, "saving_ytd:2026-09") == D("6750.00")
    assert figure(report, "saving_ytd:2026-10") == D("11624.50")
    assert figure(report, "cost_per_ticket:2026-10") == D("226.98")
    assert figure(report, "allocation_share:2026-10") == D("0.6129")
    assert figure(report, "kpi:saving_ytd:2026-10") == D("11624.50")
    # satisfaction: two services weighted by responses: (4.20*40 + 3.70*10) / 50 = 4.10
    assert figure(report, "csat_avg_score:ticket_feedback:2026-10") == D("4.10")
    assert figure(report, "csat_pct_satisfied:ticket_feedback:2026-10") == D("82.00")
    assert figure(report, "csat_responses:ticket_feedback:2026-10") == 50
    assert figure(report, "csat_pct_satisfied:ticket_feedback:2026-09") == D("91.43")
    assert "csat_avg_score:kto:2026-10" not in report.figures  # Zwijndrecht's survey
    # lineage and header: version 2 of October, version 1 of September
    assert figure(report, "version:sla_monthly:2026-10") == 2
    assert figure(report, "lineage:sla_monthly:2026-10:version") == 2
    assert figure(report, "lineage:sla_monthly:2026-10:source_row_count") == 4
    assert figure(report, "lineage:sla_monthly:2026-09:version") == 1
    assert figure(report, "lineage:cost_savings_monthly:2026-10:version") == 1
    assert "sha256:sla_202610v2" in text and "sha256:sla_202610v1" not in text
    assert "dbt-sla_monthly-202610-v2" in text
    assert "2026-11-03 09:15:02 CET" in text  # published_at in Amsterdam time
    assert (
        "Let op: gepubliceerd zonder volledige gegevens / Note: published without complete data "
        "( published.csat_monthly ): published without GM0531: survey export late (by controller)"
    ) in text
    # nothing of the superseded version or the old month anywhere
    values = {v for printed in report.figures.values() for v, _ in printed}
    assert not values & {"50.00", "52.50", "14.29"}


def test_overview_sums_organisations_and_recomputes_percentages(published: str, tmp_path: Path) -> None:
    report = parse(render_report(OCT, None, tmp_path, url=published))
    assert_well_formed(report)
    assert figure(report, "attainment:P2:2026-10") == D("91.71")  # (111 + 25 + 52) / (120 + 30 + 55)
    assert figure(report, "attainment:P1:2026-10") == D("92.50")
    assert figure(report, "kpi:tickets_resolved:2026-10") == 245
    assert figure(report, "org:GM0642:resolution_attainment:2026-10") == D("94.55")
    assert figure(report, "org:GM0505:tickets_resolved:2026-10") == 190
    assert figure(report, "org:GM0642:saving_ytd:2026-10") == D("-1500.00")
    assert figure(report, "ssc_cost:2026-10") == D("64125.50")
    assert figure(report, "saving_pct:2026-10") == D("5.00")  # 3374.50 / 67500
    assert figure(report, "cost_per_ticket:2026-10") == D("261.74")  # 64125.50 / 245
    assert figure(report, "saving_ytd:2026-10") == D("10124.50")
    assert figure(report, "csat_avg_score:kto:2026-10") == D("7.30")
    assert figure(report, "csat_scale_max:kto:2026-10") == 10
    assert "allocation_share:2026-10" not in report.figures  # shares are per organisation
    assert not any(k.startswith("org:GM0590") for k in report.figures)


def test_render_all_writes_overview_and_one_file_per_published_organisation(published: str, tmp_path: Path) -> None:
    paths = render_all(OCT, tmp_path / "out", url=published)
    assert [p.name for p in paths] == [
        "ssc-report-2026-10-overview.html",
        "ssc-report-2026-10-GM0505.html",
        "ssc-report-2026-10-GM0642.html",
    ]
    zwijndrecht = parse(paths[2])
    assert_well_formed(zwijndrecht)
    assert figure(zwijndrecht, "attainment:P2:2026-10") == D("94.55")
    assert figure(zwijndrecht, "saving_pct:2026-10") == D("-7.69")
    assert "attainment:P1:2026-10" not in zwijndrecht.figures
    again = render_all(OCT, tmp_path / "again", url=published)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]  # deterministic


def test_missing_cost_and_satisfaction_tables_give_notices(sla_only_db: str, tmp_path: Path) -> None:
    path = render_report(OCT, "GM0505", tmp_path / "r.html", url=sla_only_db)
    report = parse(path)
    assert_well_formed(report)
    text = " ".join(" ".join(report.text).split())
    assert "Geen gepubliceerde cijfers / No published figures" in text
    assert "Tabel nog niet gepubliceerd / Table not published yet" in text
    assert report.empty_notices == 4  # cost and csat sections, cost and csat lineage
    assert report.svgs == 2
    assert figure(report, "attainment:P2:2026-10") == D("90.67")


def test_unpublished_month_and_unknown_organisation_are_refused(published: str, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="2026-11"):
        render_report(dt.date(2026, 11, 1), None, tmp_path / "x.html", url=published)
    with pytest.raises(ReportError, match="GM9999"):
        render_report(OCT, "GM9999", tmp_path / "x.html", url=published)
    assert not (tmp_path / "x.html").exists()
