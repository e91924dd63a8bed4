"""Director reports: one self-contained, printable HTML file per organisation and month.

Why HTML and not PDF: one file a browser opens and prints to A4 without any
viewer or font installed, that a mail filter does not strip, and that a test
can parse. It loads nothing from outside (no scripts, fonts, images or style
sheets from a URL): it must look the same offline and years later, and a
report that phones home leaks who read which figures.

The output is deterministic: the same published rows give the same bytes
(there is no "generated at" clock in it), so re-running a report for a
closed month is a no-op that a checksum can confirm.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from html import escape
from pathlib import Path

from ssc_pipeline.periods import first_of_month
from ssc_pipeline.registry import load_registry
from ssc_pipeline.reports.data import COST, CSAT, SLA, ReportData, ReportError, load_report_data
from ssc_pipeline.reports.formatting import format_count, month_key, month_label
from ssc_pipeline.reports.markup import STYLE, bi, fig, meta
from ssc_pipeline.reports.other_sections import (
    cost_section,
    cost_tiles,
    csat_tiles,
    lineage_section,
    local_time,
    organisations_section,
    satisfaction_section,
)
from ssc_pipeline.reports.sla_sections import attainment_section, breaches_section, month_version, sla_tiles

OVERVIEW_NAME = ("Shared Service Center — alle organisaties", "Shared Service Center — all organisations")


def organisation_names() -> dict[str, str]:
    """Names from the registry (the one place they are kept); a broken registry fails loudly."""
    return {org.code: org.name for org in load_registry()}


def report_filename(month: dt.date, org_code: str | None) -> str:
    """``ssc-report-2026-10-GM0505.html``; the SSC overview is ``ssc-report-2026-10-overview.html``."""
    return f"ssc-report-{month_key(month)}-{org_code or 'overview'}.html"


def _header(data: ReportData, names: Mapping[str, str]) -> str:
    mk = month_key(data.month)
    if data.org_code is None:
        who = bi(*OVERVIEW_NAME)
    else:
        who = f"{meta(names.get(data.org_code, data.org_code))} ({meta(data.org_code)})"
    lines = []
    for mart, labels in ((SLA, ("SLA", "SLA")), (COST, ("kosten", "cost")), (CSAT, ("tevredenheid", "satisfaction"))):
        version, published_at = month_version(data, mart, data.month)
        if version is None:
            continue
        lines.append(
            f"<li>{bi(*labels)}: {bi('versie', 'version')} "
            + fig(f"version:{mart}:{mk}", version, format_count, "span", "n")
            + f", {bi('gepubliceerd', 'published')} {meta(local_time(published_at))}</li>"
        )
    overrides = [
        item
        for mart in (SLA, COST, CSAT)
        for item in data.table(mart).lineage()
        if item.month == data.month and item.completeness_override
    ]
    note = bi("Let op: gepubliceerd zonder volledige gegevens", "Note: published without complete data")
    warning = "".join(
        f'<p class="override">{note} ({meta(f"published.{item.mart}")}): {meta(item.completeness_override or "")}</p>'
        for item in overrides
    )
    return (
        f"<header><h1>{bi('Maandrapportage', 'Monthly report')} — {who}</h1>"
        f'<div class="meta">{bi("Rapportagemaand", "Report month")}: '
        f"{meta(month_label(data.month), 'strong')}</div>"
        f'<ul class="meta">{"".join(lines)}</ul>'
        f'<div class="certified">{bi("Gecertificeerde cijfers uit published.*", "Certified figures from published.*")}'
        f"</div>{warning}</header>"
    )


def render_html(data: ReportData, names: Mapping[str, str]) -> str:
    """The whole document for ``data`` (already narrowed to one organisation, or the overview)."""
    who = names.get(data.org_code, data.org_code) if data.org_code else OVERVIEW_NAME[0]
    tiles = sla_tiles(data) + cost_tiles(data) + csat_tiles(data)
    sections = [
        _header(data, names),
        f'<section><h2>{bi("Kerncijfers", "Key figures")}</h2><div class="tiles">{"".join(tiles)}</div></section>',
        organisations_section(data, names) if data.org_code is None else "",
        attainment_section(data),
        breaches_section(data),
        cost_section(data),
        satisfaction_section(data),
        lineage_section(data),
        (
            "<footer>"
            + bi(
                "Bron: gecertificeerde maandcijfers van het SSC (published.*).",
                "Source: certified monthly figures of the SSC (published.*).",
            )
            + "</footer>"
        ),
    ]
    title = f"{who} — {month_key(data.month)}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="nl"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body data-month="{month_key(data.month)}" data-org="{escape(data.org_code or "")}">'
        + "".join(sections)
        + "</body></html>\n"
    )


def _write(path: Path, text: str) -> Path:
    """Write atomically: a reader (or a mail job) never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def _target(out: Path, month: dt.date, org_code: str | None) -> Path:
    return out / report_filename(month, org_code) if out.is_dir() else out


def render_report(month: dt.date, org_code: str | None, out: Path, *, url: str | None = None) -> Path:
    """Write the report of ``month`` for ``org_code`` (None: the SSC overview) to ``out``.

    ``out`` is the file to write, or an existing folder to write the standard
    file name into. Raises ``ReportError`` when the month has no published
    SLA figures or the organisation is unknown to both registry and data.
    """
    month = first_of_month(month)
    data = load_report_data(month, url)
    names = organisation_names()
    if org_code is not None:
        known = org_code in names or any(r["org_code"] == org_code for r in data.table(SLA).rows)
        if not known:
            raise ReportError(f"organisation {org_code!r} is not in the registry and has no published figures")
        data = data.for_org(org_code)
    return _write(_target(Path(out), month, org_code), render_html(data, names))


def render_all(month: dt.date, out_dir: Path, url: str | None = None) -> list[Path]:
    """The SSC overview plus one report per organisation with published figures in ``month``.

    The published rows are read once and narrowed per organisation, so every
    file of the set shows the same versions.
    """
    month = first_of_month(month)
    data = load_report_data(month, url)
    names = organisation_names()
    out_dir = Path(out_dir)
    written = [_write(out_dir / report_filename(month, None), render_html(data, names))]
    for code in data.org_codes():
        written.append(_write(out_dir / report_filename(month, code), render_html(data.for_org(code), names)))
    return written
