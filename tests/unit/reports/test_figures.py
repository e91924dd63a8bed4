"""Aggregation of published rows: sums, recomputed percentages, weighted averages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ssc_pipeline.reports.figures import (
    attainment,
    attainment_by_priority,
    cost_month,
    ordered,
    satisfaction_by_source,
    sla_kpis,
)

D = Decimal
OCT = dt.date(2026, 10, 1)


def sla(
    service: str,
    priority: str,
    met: int,
    breached: int,
    pct: str | None,
    target: str = "90.00",
    achieved: bool | None = True,
    responses: int = 0,
    response_met: int = 0,
    open_breached: int = 0,
) -> dict[str, Any]:
    return {
        "month": OCT,
        "org_code": "GM0505",
        "service_code": service,
        "priority": priority,
        "tickets_resolved": met + breached,
        "resolution_met": met,
        "resolution_breached": breached,
        "resolution_attainment_pct": D(pct) if pct else None,
        "responses": responses,
        "response_met": response_met,
        "response_attainment_pct": None,
        "target_pct": D(target),
        "target_achieved": achieved,
        "open_breached": open_breached,
    }


def test_single_row_prints_its_own_published_value() -> None:
    # 2 / 3 = 66.666..: the mart printed 66.67; the report must not recompute differently
    assert attainment([sla("WERKPLEK", "P1", 2, 1, "66.67")]).attainment_pct == D("66.67")


def test_several_rows_recompute_from_counts_not_average_percentages() -> None:
    rows = [sla("WERKPLEK", "P2", 111, 9, "92.50"), sla("APPLICATIES", "P2", 25, 5, "83.33", target="85.00")]
    result = attainment(rows)
    assert result.attainment_pct == D("90.67")  # 136 / 150; the mean of the two would be 87.92
    assert (result.tickets_resolved, result.met, result.breached) == (150, 136, 14)
    assert (result.target_min, result.target_max) == (D("85.00"), D("90.00"))


def test_nothing_to_count_is_null() -> None:
    assert attainment([sla("WERKPLEK", "P1", 0, 0, None), sla("NETWERK", "P1", 0, 0, None)]).attainment_pct is None


def test_attainment_by_priority_and_month() -> None:
    rows = [
        sla("WERKPLEK", "P1", 37, 3, "92.50"),
        sla("WERKPLEK", "P2", 111, 9, "92.50"),
        sla("APPLICATIES", "P2", 25, 5, "83.33"),
    ]
    found = attainment_by_priority(rows)
    assert set(found) == {("P1", OCT), ("P2", OCT)}
    assert found[("P2", OCT)].attainment_pct == D("90.67")


def test_kpis_count_norms_with_something_to_judge() -> None:
    rows = [
        sla("WERKPLEK", "P1", 37, 3, "92.50", achieved=False, responses=41, response_met=40, open_breached=1),
        sla("WERKPLEK", "P2", 111, 9, "92.50", achieved=True, responses=118, response_met=115, open_breached=2),
        sla("APPLICATIES", "P2", 25, 5, "83.33", achieved=False, responses=30, response_met=29),
        sla("NETWERK", "P4", 0, 0, None, achieved=None),
    ]
    kpis = sla_kpis(rows)
    assert kpis.resolution_attainment_pct == D("91.05")  # 173 / 190
    assert kpis.response_attainment_pct == D("97.35")  # 184 / 189
    assert (kpis.targets_achieved, kpis.targets_counted, kpis.open_breached) == (1, 3, 3)


def cost(org: str, cost_eur: str, tickets: int, baseline: str, saving: str, ytd: str) -> dict[str, Any]:
    return {
        "month": OCT,
        "org_code": org,
        "allocation_key": "tickets",
        "allocation_share": D("0.5"),
        "ssc_cost_eur": D(cost_eur),
        "tickets": tickets,
        "cost_per_ticket_eur": D("1.00"),
        "baseline_cost_eur": D(baseline),
        "saving_eur": D(saving),
        "saving_pct": D("1.00"),
        "saving_ytd_eur": D(ytd),
    }


def test_cost_sums_and_recomputes_ratios_over_organisations() -> None:
    month = cost_month(
        OCT,
        [
            cost("GM0505", "43125.50", 190, "48000.00", "4874.50", "11624.50"),
            cost("GM0642", "21000.00", 55, "19500.00", "-1500.00", "-1500.00"),
        ],
    )
    assert (month.ssc_cost_eur, month.baseline_cost_eur, month.saving_eur) == (
        D("64125.50"),
        D("67500.00"),
        D("3374.50"),
    )
    assert month.saving_pct == D("5.00")  # 3374.50 / 67500 = 4.99925 %
    assert month.cost_per_ticket_eur == D("261.74")  # 64125.50 / 245
    assert month.saving_ytd_eur == D("10124.50")
    assert month.allocation_key is None and month.allocation_share is None  # shares do not add up


def test_cost_of_one_organisation_keeps_its_published_values() -> None:
    month = cost_month(OCT, [cost("GM0505", "43125.50", 190, "48000.00", "4874.50", "11624.50")])
    assert (month.saving_pct, month.cost_per_ticket_eur, month.allocation_share) == (D("1.00"), D("1.00"), D("0.5"))
    assert cost_month(OCT, []).ssc_cost_eur is None


def csat(service: str, source: str, responses: int, avg: str, scale: str, pct: str) -> dict[str, Any]:
    return {
        "month": OCT,
        "org_code": "GM0505",
        "service_code": service,
        "source": source,
        "responses": responses,
        "avg_score": D(avg),
        "scale_max": D(scale),
        "pct_satisfied": D(pct),
    }


def test_satisfaction_is_weighted_by_responses_per_source() -> None:
    found = satisfaction_by_source(
        [
            csat("WERKPLEK", "ticket_feedback", 40, "4.20", "5", "85.00"),
            csat("APPLICATIES", "ticket_feedback", 10, "3.70", "5", "70.00"),
            csat("WERKPLEK", "kto", 120, "7.30", "10", "78.33"),
        ]
    )
    feedback = found[("ticket_feedback", OCT)]
    assert (feedback.responses, feedback.avg_score, feedback.pct_satisfied) == (50, D("4.10"), D("82.00"))
    assert found[("kto", OCT)].avg_score == D("7.30")


def test_a_source_that_changed_scale_is_never_averaged_across_scales() -> None:
    found = satisfaction_by_source(
        [csat("WERKPLEK", "kto", 10, "4.00", "5", "80.00"), csat("NETWERK", "kto", 10, "8.00", "10", "90.00")]
    )
    assert set(found) == {("kto /5", OCT), ("kto /10", OCT)}


def test_ordered_keeps_the_agreed_order_then_the_unexpected() -> None:
    assert ordered(["OVERIG", "ZZZ", "WERKPLEK", "AAA"], ("WERKPLEK", "APPLICATIES", "OVERIG")) == [
        "WERKPLEK",
        "OVERIG",
        "AAA",
        "ZZZ",
    ]
