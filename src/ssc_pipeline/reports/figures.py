"""From published rows to the figures a report prints, in exact decimal arithmetic.

A published row is per organisation, service and priority (or allocation key,
or survey source); the report shows totals per priority, per service, per
month. Totals of counts and euros are sums. A percentage over several rows is
recomputed from the summed counts (met / (met + breached) × 100, two
decimals, rounded half away from zero like the mart's ``round``), never
averaged; an average score is weighted by the responses behind it. Over a
single row the row's own published value is printed unchanged, so a report
for one organisation and one service shows exactly the certified number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ssc_pipeline import codes
from ssc_pipeline.reports.data import Row
from ssc_pipeline.reports.formatting import format_number, round_half_up, to_decimal

PRIORITIES = codes.PRIORITIES
SERVICES = codes.SERVICE_CODES


def total(rows: Sequence[Row], column: str) -> Decimal | int:
    """Sum of a column; nulls count as nothing (an unknown cost is not a zero cost, but adds none)."""
    values = [r[column] for r in rows if r[column] is not None]
    return sum(values, Decimal(0)) if any(isinstance(v, Decimal) for v in values) else sum(values, 0)


def ratio(
    rows: Sequence[Row], column: str, part: Decimal | int, whole: Decimal | int, scale: int = 100, decimals: int = 2
) -> Decimal | None:
    """``part / whole × scale``, or the single row's own published ``column``; None when whole is 0."""
    if len(rows) == 1:
        return to_decimal(rows[0][column])
    if not whole:
        return None
    return round_half_up(Decimal(part) * scale / Decimal(whole), decimals)


def weighted(rows: Sequence[Row], column: str, weight: str, decimals: int = 2) -> Decimal | None:
    """Average of ``column`` weighted by ``weight`` (an average score over its responses)."""
    if len(rows) == 1:
        return to_decimal(rows[0][column])
    usable = [r for r in rows if r[column] is not None and r[weight]]
    weights = sum((Decimal(r[weight]) for r in usable), Decimal(0))
    if not weights:
        return None
    return round_half_up(sum(Decimal(r[column]) * r[weight] for r in usable) / weights, decimals)


def group(rows: Iterable[Row], key: Callable[[Row], Any]) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


@dataclass(frozen=True)
class Attainment:
    """Resolution attainment of one group of SLA rows, with the target(s) that applied."""

    tickets_resolved: int
    met: int
    breached: int
    attainment_pct: Decimal | None
    target_min: Decimal | None
    target_max: Decimal | None
    open_breached: int


def attainment(rows: Sequence[Row]) -> Attainment:
    """Different services can carry different targets: show the lowest and the highest."""
    met, breached = int(total(rows, "resolution_met")), int(total(rows, "resolution_breached"))
    targets = [to_decimal(r["target_pct"]) for r in rows if r["target_pct"] is not None]
    return Attainment(
        tickets_resolved=int(total(rows, "tickets_resolved")),
        met=met,
        breached=breached,
        attainment_pct=ratio(rows, "resolution_attainment_pct", met, met + breached),
        target_min=min(targets) if targets else None,  # type: ignore[type-var]
        target_max=max(targets) if targets else None,  # type: ignore[type-var]
        open_breached=int(total(rows, "open_breached")),
    )


def attainment_by_priority(rows: Sequence[Row]) -> dict[tuple[str, dt.date], Attainment]:
    """(priority, month) -> attainment over all services (and organisations) in the rows."""
    return {
        key: attainment(group_rows) for key, group_rows in group(rows, lambda r: (r["priority"], r["month"])).items()
    }


def ordered(codes: Iterable[str], canonical: Sequence[str]) -> list[str]:
    """Canonical codes in their agreed order, anything unexpected after them alphabetically."""
    present = set(codes)
    return [c for c in canonical if c in present] + sorted(present - set(canonical))


@dataclass(frozen=True)
class SlaKpis:
    tickets_resolved: int
    resolution_attainment_pct: Decimal | None
    responses: int
    response_attainment_pct: Decimal | None
    targets_achieved: int
    targets_counted: int
    open_breached: int


def sla_kpis(rows: Sequence[Row]) -> SlaKpis:
    """The month's headline: attainment over everything, and how many agreed norms were met."""
    met, breached = int(total(rows, "resolution_met")), int(total(rows, "resolution_breached"))
    responses, response_met = int(total(rows, "responses")), int(total(rows, "response_met"))
    counted = [r for r in rows if r["target_achieved"] is not None]
    return SlaKpis(
        tickets_resolved=int(total(rows, "tickets_resolved")),
        resolution_attainment_pct=ratio(rows, "resolution_attainment_pct", met, met + breached),
        responses=responses,
        response_attainment_pct=ratio(rows, "response_attainment_pct", response_met, responses),
        targets_achieved=sum(1 for r in counted if r["target_achieved"]),
        targets_counted=len(counted),
        open_breached=int(total(rows, "open_breached")),
    )


@dataclass(frozen=True)
class CostMonth:
    """Cost against baseline for one month (summed over organisations in the overview)."""

    month: dt.date
    ssc_cost_eur: Decimal | None
    baseline_cost_eur: Decimal | None
    saving_eur: Decimal | None
    saving_pct: Decimal | None
    saving_ytd_eur: Decimal | None
    tickets: int | None
    cost_per_ticket_eur: Decimal | None
    allocation_key: str | None
    allocation_share: Decimal | None


def cost_month(month: dt.date, rows: Sequence[Row]) -> CostMonth:
    if not rows:
        return CostMonth(month, None, None, None, None, None, None, None, None, None)
    cost, baseline = Decimal(total(rows, "ssc_cost_eur")), Decimal(total(rows, "baseline_cost_eur"))
    saving, tickets = Decimal(total(rows, "saving_eur")), int(total(rows, "tickets"))
    single = rows[0] if len(rows) == 1 else None
    return CostMonth(
        month=month,
        ssc_cost_eur=cost,
        baseline_cost_eur=baseline,
        saving_eur=saving,
        saving_pct=ratio(rows, "saving_pct", saving, baseline),
        saving_ytd_eur=Decimal(total(rows, "saving_ytd_eur")),
        tickets=tickets,
        cost_per_ticket_eur=ratio(rows, "cost_per_ticket_eur", cost, tickets, scale=1),
        allocation_key=single["allocation_key"] if single else None,
        allocation_share=to_decimal(single["allocation_share"]) if single else None,
    )


@dataclass(frozen=True)
class Satisfaction:
    """Satisfaction from one source (ticket feedback, yearly survey) in one month."""

    month: dt.date
    source: str
    responses: int
    avg_score: Decimal | None
    scale_max: Decimal | None
    pct_satisfied: Decimal | None


def satisfaction_by_source(rows: Sequence[Row]) -> dict[tuple[str, dt.date], Satisfaction]:
    """(source, month) -> satisfaction, weighted over services and organisations.

    Scores on different scales are never averaged together: should a source
    change its scale (1-5 to 1-10), each scale becomes its own series,
    named ``source /scale``.
    """
    scales_per_source = group(rows, lambda r: r["source"])
    mixed = {
        source for source, items in scales_per_source.items() if len({to_decimal(r["scale_max"]) for r in items}) > 1
    }

    def name(row: Row) -> str:
        if row["source"] in mixed:
            return f"{row['source']} /{format_number(row['scale_max'], 0)}"
        return str(row["source"])

    result = {}
    for (source, month), group_rows in group(rows, lambda r: (name(r), r["month"])).items():
        result[(source, month)] = Satisfaction(
            month=month,
            source=source,
            responses=int(total(group_rows, "responses")),
            avg_score=weighted(group_rows, "avg_score", "responses"),
            scale_max=to_decimal(group_rows[0]["scale_max"]),
            pct_satisfied=weighted(group_rows, "pct_satisfied", "responses"),
        )
    return result
