"""Report sections built from ``published.sla_monthly``: header, KPI tiles, attainment, breaches.

Attainment is shown per priority because the agreement sets its targets per
priority (a P1 outage weighs differently from a P4 request); breaches are
shown per service because that is where a director can act (the SSC's
workplace team, the application managers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from ssc_pipeline.reports import svg
from ssc_pipeline.reports.data import SLA, ReportData, Row
from ssc_pipeline.reports.figures import (
    PRIORITIES,
    SERVICES,
    Attainment,
    attainment,
    attainment_by_priority,
    group,
    ordered,
    sla_kpis,
)
from ssc_pipeline.reports.formatting import (
    format_count,
    format_number,
    format_pct,
    month_key,
    month_short,
)
from ssc_pipeline.reports.markup import bi, bi_text, empty, fig, meta, table

PRIORITY_NAMES = {
    "P1": ("kritiek", "critical"),
    "P2": ("hoog", "high"),
    "P3": ("normaal", "normal"),
    "P4": ("laag", "low"),
}
PRIORITY_COLOURS = {"P1": svg.PALETTE[1], "P2": svg.PALETTE[0], "P3": svg.PALETTE[2], "P4": svg.PALETTE[3]}
HUNDRED = (Decimal(0), Decimal(100))


def axis_places(value: Decimal) -> int:
    """Decimals an axis tick needs: 87.5 keeps one, 90 none (ticks are never rounded into a lie)."""
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def pct_axis(value: Decimal) -> str:
    return format_pct(value, axis_places(value))


def tile(label: str, value: str, sub: str = "", bad: bool = False) -> str:
    return (
        f'<div class="tile{" bad" if bad else ""}"><div class="label">{label}</div>'
        f'<div class="value">{value}</div><div class="sub">{sub}</div></div>'
    )


def sla_tiles(data: ReportData) -> list[str]:
    """Headline figures of the month; a tile turns red when a norm or attainment was missed."""
    mk = month_key(data.month)
    kpis = sla_kpis(data.table(SLA).month_rows(data.month))
    achieved = (
        fig(f"kpi:targets_achieved:{mk}", kpis.targets_achieved, format_count, "span", "n")
        + ' <span class="of">'
        + bi("van", "of")
        + "</span> "
        + fig(f"kpi:targets_counted:{mk}", kpis.targets_counted, format_count, "span", "n")
    )
    return [
        tile(
            bi("Opgeloste tickets", "Tickets resolved"),
            fig(f"kpi:tickets_resolved:{mk}", kpis.tickets_resolved, format_count, "span", "n"),
        ),
        tile(
            bi("Realisatie oplostijd", "Resolution attainment"),
            fig(f"kpi:resolution_attainment:{mk}", kpis.resolution_attainment_pct, format_pct, "span", "n"),
        ),
        tile(
            bi("Realisatie reactietijd", "Response attainment"),
            fig(f"kpi:response_attainment:{mk}", kpis.response_attainment_pct, format_pct, "span", "n"),
        ),
        tile(
            bi("SLA-normen gehaald", "SLA targets achieved"),
            achieved,
            bi("per dienst en prioriteit", "per service and priority"),
            bad=kpis.targets_achieved < kpis.targets_counted,
        ),
        tile(
            bi("Open, norm overschreden", "Open, target exceeded"),
            fig(f"kpi:open_breached:{mk}", kpis.open_breached, format_count, "span", "n"),
            bi("aan het eind van de maand", "at the end of the month"),
            bad=kpis.open_breached > 0,
        ),
    ]


def _priority_label(priority: str) -> str:
    nl, en = PRIORITY_NAMES.get(priority, ("", ""))
    return meta(priority) + (f" ({bi(nl, en)})" if nl else "")


def _target_cell(key: str, result: Attainment | None) -> str:
    """The norm; where services carry different norms, the lowest and the highest."""
    if result is None or result.target_min == result.target_max:
        value = result.target_min if result else None
        return fig(key, value, format_pct)
    return (
        '<td class="num">'
        + fig(key, result.target_min, format_pct, "span", "n")
        + " – "
        + fig(key.replace("target:", "target_max:", 1), result.target_max, format_pct, "span", "n")
        + "</td>"
    )


def attainment_section(data: ReportData) -> str:
    """Chart (1): resolution attainment per priority over twelve months, norm dashed."""
    rows = data.table(SLA).rows
    heading = f"<h2>{bi('Realisatie oplostijd per prioriteit', 'Resolution attainment by priority')}</h2>"
    if not rows:
        return f"<section>{heading}{empty()}</section>"
    by_key = attainment_by_priority(rows)
    priorities = ordered((r["priority"] for r in rows), PRIORITIES)
    months = [m for m in data.history if any(r["month"] == m for r in rows)]
    labels = [month_key(m) for m in data.history]
    series: list[svg.Series] = []
    for priority in priorities:
        colour = PRIORITY_COLOURS.get(priority, svg.PALETTE[4])
        found = [by_key.get((priority, m)) for m in data.history]
        series.append(
            svg.Series(
                f"{priority} {bi_text('realisatie', 'attainment')}",
                [a.attainment_pct if a else None for a in found],
                colour,
            )
        )
        series.append(
            svg.Series(
                f"{priority} {bi_text('norm', 'target')}",
                [a.target_min if a else None for a in found],
                colour,
                dashed=True,
            )
        )
    chart = svg.line_chart(
        labels,
        series,
        title=bi_text("Realisatie oplostijd per prioriteit", "Resolution attainment by priority"),
        y_format=pct_axis,
        fixed_range=HUNDRED,
        zero_based=False,
    )
    head = [bi("Maand", "Month")]
    for priority in priorities:
        head += [f"{meta(priority)} {bi('realisatie', 'attainment')}", f"{meta(priority)} {bi('norm', 'target')}"]
    body = []
    for month in months:
        mk = month_key(month)
        cells = [meta(month_short(month), "th")]
        for priority in priorities:
            result = by_key.get((priority, month))
            cells.append(fig(f"attainment:{priority}:{mk}", result.attainment_pct if result else None, format_pct))
            cells.append(_target_cell(f"target:{priority}:{mk}", result))
        body.append(cells)
    legend = "".join(f"<li>{_priority_label(p)}</li>" for p in priorities)
    caption = bi(
        "Doorgetrokken: gerealiseerd percentage binnen de oplostijd; gestippeld: de norm uit de DVO.",
        "Solid: share resolved within the agreed time; dashed: the agreed target.",
    )
    return (
        f"<section>{heading}<figure>{chart}<figcaption>"
        f"{caption}"
        f'</figcaption></figure><ul class="priorities">{legend}</ul>'
        f"{table(head, body)}</section>"
    )


def _service_row(mk: str, service: str, rows: Sequence[Row]) -> list[str]:
    result = attainment(rows)
    return [
        f"<th>{service}</th>",
        fig(f"tickets_resolved:{service}:{mk}", result.tickets_resolved, format_count),
        fig(f"resolution_breached:{service}:{mk}", result.breached, format_count),
        fig(f"open_breached:{service}:{mk}", result.open_breached, format_count),
        fig(f"attainment:{service}:{mk}", result.attainment_pct, format_pct),
        _target_cell(f"target:{service}:{mk}", result),
    ]


def breaches_section(data: ReportData) -> str:
    """Chart (2): breaches in the month by service, resolved late and still open, stacked."""
    rows = data.table(SLA).month_rows(data.month)
    heading = f"<h2>{bi('Normoverschrijdingen per dienst', 'Breaches by service')}</h2>"
    if not rows:
        return f"<section>{heading}{empty()}</section>"
    mk = month_key(data.month)
    by_service = group(rows, lambda r: r["service_code"])
    services = ordered(by_service, SERVICES)
    results = [attainment(by_service[s]) for s in services]
    chart = svg.bar_chart(
        services,
        [
            svg.Series(bi_text("Opgelost buiten norm", "Resolved late"), [r.breached for r in results], svg.PALETTE[1]),
            svg.Series(
                bi_text("Open, norm overschreden", "Open, target exceeded"),
                [r.open_breached for r in results],
                svg.PALETTE[4],
            ),
        ],
        stacked=True,
        title=bi_text("Normoverschrijdingen per dienst", "Breaches by service"),
        y_format=lambda v: format_number(v, 0) if v == v.to_integral_value() else "",
    )
    head = [
        bi("Dienst", "Service"),
        bi("Opgelost", "Resolved"),
        bi("Buiten norm", "Resolved late"),
        bi("Open, over norm", "Open, breached"),
        bi("Realisatie", "Attainment"),
        bi("Norm", "Target"),
    ]
    body = [_service_row(mk, s, by_service[s]) for s in services]
    caption = bi(
        "Per dienst, in de rapportagemaand, over alle prioriteiten",
        "By service, in the report month, over all priorities",
    )
    return f"<section>{heading}<figure>{chart}<figcaption>{caption}</figcaption></figure>{table(head, body)}</section>"


def month_version(data: ReportData, mart: str, month: dt.date) -> tuple[int | None, dt.datetime | None]:
    """The version and publication time of the report month's figures in one table."""
    entries = [item for item in data.table(mart).lineage() if item.month == month]
    if not entries:
        return None, None
    latest = max(entries, key=lambda item: item.version)
    return latest.version, latest.published_at
