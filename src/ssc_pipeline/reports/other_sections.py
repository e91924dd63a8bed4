"""Report sections for cost, satisfaction, the organisations overview and lineage.

Cost and satisfaction are published after the SLA figures (their sources
arrive later in the month), so each section stands on its own and prints a
"no published figures" notice instead of an empty chart when its table is
absent or has no rows for this organisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from ssc_pipeline.periods import AMS
from ssc_pipeline.reports import svg
from ssc_pipeline.reports.data import COST, CSAT, MARTS, SLA, Lineage, ReportData
from ssc_pipeline.reports.figures import cost_month, group, satisfaction_by_source, sla_kpis
from ssc_pipeline.reports.formatting import (
    format_count,
    format_eur,
    format_number,
    format_pct,
    month_key,
    month_short,
)
from ssc_pipeline.reports.markup import bi, bi_text, decimal_places, empty, fig, meta, table
from ssc_pipeline.reports.sla_sections import HUNDRED, axis_places, pct_axis, tile

MART_TITLES = {
    SLA: ("Dienstverlening (SLA)", "Service levels (SLA)"),
    COST: ("Kosten en besparing", "Cost and savings"),
    CSAT: ("Klanttevredenheid", "Customer satisfaction"),
}


def local_time(value: dt.datetime | None) -> str:
    """Publication times in Dutch local time: that is when the director saw the close happen."""
    if value is None:
        return "–"
    if value.tzinfo is not None:
        value = value.astimezone(AMS)
    return f"{value:%Y-%m-%d %H:%M:%S} {value.tzname() or ''}".strip()


def cost_tiles(data: ReportData) -> list[str]:
    mk = month_key(data.month)
    current = cost_month(data.month, data.table(COST).month_rows(data.month))
    if current.ssc_cost_eur is None:
        return []
    return [
        tile(
            bi("Kosten SSC", "SSC cost"),
            fig(f"kpi:ssc_cost:{mk}", current.ssc_cost_eur, format_eur, "span", "n"),
            bi("deze maand", "this month"),
        ),
        tile(
            bi("Besparing dit jaar", "Saving year to date"),
            fig(f"kpi:saving_ytd:{mk}", current.saving_ytd_eur, format_eur, "span", "n"),
            bi("t.o.v. de uitgangssituatie", "against the baseline"),
            bad=current.saving_ytd_eur is not None and current.saving_ytd_eur < 0,
        ),
    ]


def csat_tiles(data: ReportData) -> list[str]:
    mk = month_key(data.month)
    found = satisfaction_by_source(data.table(CSAT).month_rows(data.month))
    tiles = []
    for (source, _month), item in sorted(found.items()):
        score = (
            fig(f"kpi:avg_score:{source}:{mk}", item.avg_score, lambda v: format_number(v, 2), "span", "n")
            + " / "
            + fig(f"kpi:scale_max:{source}:{mk}", item.scale_max, format_count, "span", "n")
        )
        tiles.append(
            tile(
                bi("Tevreden", "Satisfied") + f" ({meta(source)})",
                fig(f"kpi:pct_satisfied:{source}:{mk}", item.pct_satisfied, format_pct, "span", "n"),
                bi("gemiddelde score", "average score") + " " + score,
            )
        )
    return tiles


def cost_section(data: ReportData) -> str:
    """Chart (3): cost against baseline per month of the year, cumulative saving as a line."""
    heading = f"<h2>{bi('Kosten en besparing', 'Cost and savings')}</h2>"
    rows = data.table(COST).rows
    months = [m for m in data.year_months if any(r["month"] == m for r in rows)]
    if not months:
        return f'<section class="page">{heading}{empty()}</section>'
    per_month = {m: cost_month(m, data.table(COST).month_rows(m)) for m in data.year_months}
    labels = [month_key(m) for m in data.year_months]
    chart = svg.chart(
        labels,
        [
            svg.Series(
                bi_text("Kosten SSC", "SSC cost"),
                [per_month[m].ssc_cost_eur for m in data.year_months],
                svg.PALETTE[0],
                "bar",
            ),
            svg.Series(
                bi_text("Uitgangssituatie", "Baseline"),
                [per_month[m].baseline_cost_eur for m in data.year_months],
                svg.PALETTE[7],
                "bar",
            ),
            svg.Series(
                bi_text("Cumulatieve besparing", "Saving year to date"),
                [per_month[m].saving_ytd_eur for m in data.year_months],
                svg.PALETTE[2],
            ),
        ],
        title=bi_text("Kosten tegen uitgangssituatie", "Cost against baseline"),
        y_format=lambda v: format_eur(v, 0),
    )
    head = [
        bi("Maand", "Month"),
        bi("Kosten SSC", "SSC cost"),
        bi("Uitgangssituatie", "Baseline"),
        bi("Besparing", "Saving"),
        bi("Besparing %", "Saving %"),
        bi("Besparing dit jaar", "Saving YTD"),
        bi("Tickets", "Tickets"),
        bi("Kosten per ticket", "Cost per ticket"),
    ]
    body = []
    for month in months:
        item, mk = per_month[month], month_key(month)
        body.append(
            [
                meta(month_short(month), "th"),
                fig(f"ssc_cost:{mk}", item.ssc_cost_eur, format_eur),
                fig(f"baseline_cost:{mk}", item.baseline_cost_eur, format_eur),
                fig(f"saving:{mk}", item.saving_eur, format_eur),
                fig(f"saving_pct:{mk}", item.saving_pct, format_pct),
                fig(f"saving_ytd:{mk}", item.saving_ytd_eur, format_eur),
                fig(f"tickets:{mk}", item.tickets, format_count),
                fig(f"cost_per_ticket:{mk}", item.cost_per_ticket_eur, format_eur),
            ]
        )
    allocation = ""
    current = per_month[data.month]
    if data.org_code and current.allocation_key is not None:
        places = decimal_places(current.allocation_share)
        allocation = (
            f"<p>{bi('Verdeelsleutel', 'Allocation key')}: {meta(current.allocation_key, 'strong')}, "
            f"{bi('aandeel', 'share')} "
            + fig(
                f"allocation_share:{month_key(data.month)}",
                current.allocation_share,
                lambda v: format_number(v, places),
                "strong",
                "n",
            )
            + "</p>"
        )
    caption = bi(
        "Staven: kosten van het SSC en de kosten vóór aansluiting; lijn: besparing vanaf januari.",
        "Bars: SSC cost and the cost before joining; line: saving since January.",
    )
    return (
        f'<section class="page">{heading}<figure>{chart}<figcaption>{caption}</figcaption></figure>'
        f"{allocation}{table(head, body)}</section>"
    )


def satisfaction_section(data: ReportData) -> str:
    """Chart (4): average score and share satisfied per month, one line per source."""
    heading = f"<h2>{bi('Klanttevredenheid', 'Customer satisfaction')}</h2>"
    rows = data.table(CSAT).rows
    if not rows:
        return f"<section>{heading}{empty()}</section>"
    found = satisfaction_by_source(rows)
    sources = sorted({source for source, _ in found})
    labels = [month_key(m) for m in data.history]
    colours = {s: svg.PALETTE[i % len(svg.PALETTE)] for i, s in enumerate(sources)}
    top = max((item.scale_max for item in found.values() if item.scale_max is not None), default=Decimal(10))
    score_chart = svg.line_chart(
        labels,
        [
            svg.Series(s, [found[(s, m)].avg_score if (s, m) in found else None for m in data.history], colours[s])
            for s in sources
        ],
        title=bi_text("Gemiddelde score", "Average score"),
        y_format=lambda v: format_number(v, axis_places(v)),
        fixed_range=(Decimal(0), top),
        zero_based=False,
        frame=svg.Frame(width=320, height=200, left=40, right=24),
    )
    pct_chart = svg.line_chart(
        labels,
        [
            svg.Series(s, [found[(s, m)].pct_satisfied if (s, m) in found else None for m in data.history], colours[s])
            for s in sources
        ],
        title=bi_text("Percentage tevreden", "Share satisfied"),
        y_format=pct_axis,
        fixed_range=HUNDRED,
        zero_based=False,
        frame=svg.Frame(width=320, height=200, left=48, right=24),
    )
    head = [
        bi("Maand", "Month"),
        bi("Bron", "Source"),
        bi("Reacties", "Responses"),
        bi("Gemiddelde score", "Average score"),
        bi("Schaal", "Scale"),
        bi("Tevreden", "Satisfied"),
    ]
    body = []
    for (source, month), item in sorted(found.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        mk = month_key(month)
        body.append(
            [
                meta(month_short(month), "th"),
                meta(source, "td"),
                fig(f"csat_responses:{source}:{mk}", item.responses, format_count),
                fig(f"csat_avg_score:{source}:{mk}", item.avg_score, lambda v: format_number(v, 2)),
                fig(f"csat_scale_max:{source}:{mk}", item.scale_max, format_count),
                fig(f"csat_pct_satisfied:{source}:{mk}", item.pct_satisfied, format_pct),
            ]
        )
    captions = (
        f"<figcaption>{bi('Gemiddelde score per bron', 'Average score by source')}</figcaption>",
        f"<figcaption>{bi('Percentage tevreden per bron', 'Share satisfied by source')}</figcaption>",
    )
    return (
        f'<section>{heading}<figure class="pair"><div>{score_chart}{captions[0]}</div>'
        f"<div>{pct_chart}{captions[1]}</div></figure>{table(head, body)}</section>"
    )


def organisations_section(data: ReportData, names: Mapping[str, str]) -> str:
    """The SSC overview: one line per organisation, so directors compare like with like."""
    mk = month_key(data.month)
    sla = group(data.table(SLA).month_rows(data.month), lambda r: r["org_code"])
    costs = group(data.table(COST).month_rows(data.month), lambda r: r["org_code"])
    head = [
        bi("Code", "Code"),
        bi("Organisatie", "Organisation"),
        bi("Opgelost", "Resolved"),
        bi("Realisatie", "Attainment"),
        bi("Normen gehaald", "Targets achieved"),
        bi("Open, over norm", "Open, breached"),
        bi("Kosten SSC", "SSC cost"),
        bi("Besparing dit jaar", "Saving YTD"),
    ]
    body = []
    for code in data.org_codes():
        kpis = sla_kpis(sla.get(code, []))
        cost = cost_month(data.month, costs.get(code, []))
        achieved = (
            '<td class="num">'
            + fig(f"org:{code}:targets_achieved:{mk}", kpis.targets_achieved, format_count, "span", "n")
            + " / "
            + fig(f"org:{code}:targets_counted:{mk}", kpis.targets_counted, format_count, "span", "n")
            + "</td>"
        )
        body.append(
            [
                meta(code, "th"),
                meta(names.get(code, code), "td"),
                fig(f"org:{code}:tickets_resolved:{mk}", kpis.tickets_resolved, format_count),
                fig(f"org:{code}:resolution_attainment:{mk}", kpis.resolution_attainment_pct, format_pct),
                achieved,
                fig(f"org:{code}:open_breached:{mk}", kpis.open_breached, format_count),
                fig(f"org:{code}:ssc_cost:{mk}", cost.ssc_cost_eur, format_eur),
                fig(f"org:{code}:saving_ytd:{mk}", cost.saving_ytd_eur, format_eur),
            ]
        )
    return f"<section><h2>{bi('Organisaties', 'Organisations')}</h2>{table(head, body)}</section>"


def _lineage_row(item: Lineage) -> list[str]:
    mk = month_key(item.month)
    return [
        meta(month_short(item.month), "th"),
        fig(f"lineage:{item.mart}:{mk}:version", item.version, format_count),
        meta(local_time(item.published_at), "td"),
        meta(str(item.dbt_invocation_id or "–"), "td"),
        meta(str(item.validation_run_id or "–"), "td"),
        fig(f"lineage:{item.mart}:{mk}:source_row_count", item.source_row_count, format_count),
        meta(str(item.checksum or "–"), "td"),
        meta(item.completeness_override or "–", "td"),
    ]


def lineage_section(data: ReportData) -> str:
    """Which publication each figure comes from: an auditor can match it to audit.publications."""
    used = {SLA: set(data.history), COST: set(data.year_months), CSAT: set(data.history)}
    head = [
        bi("Maand", "Month"),
        bi("Versie", "Version"),
        bi("Gepubliceerd", "Published at"),
        "dbt invocation id",
        bi("Validatierun", "Validation run"),
        bi("Bronrijen", "Source rows"),
        bi("Controlegetal", "Checksum"),
        bi("Uitzondering bij afsluiting", "Close override"),
    ]
    parts = [
        f'<section class="page"><h2>{bi("Herkomst van de cijfers", "Lineage of the figures")}</h2>',
        "<p>"
        + bi(
            "Alle cijfers in dit rapport komen uit de gecertificeerde tabellen hieronder, "
            "steeds de laatste versie per maand.",
            "Every figure in this report comes from the certified tables below, the latest version of each month.",
        )
        + "</p>",
    ]
    for mart in MARTS:
        published = data.table(mart)
        title = bi(*MART_TITLES[mart])
        parts.append(f"<h3>{title} — {meta(f'published.{mart}', 'code')}</h3>")
        entries = [item for item in published.lineage() if item.month in used[mart]]
        if not entries:
            parts.append(
                empty() if published.exists else empty("Tabel nog niet gepubliceerd", "Table not published yet")
            )
            continue
        parts.append(table(head, [_lineage_row(item) for item in entries], cls="figures lineage"))
    parts.append("</section>")
    return "".join(parts)
