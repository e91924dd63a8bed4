"""Director reports: certified monthly figures as self-contained, printable HTML.

Public API::

    render_report(month, org_code, out, *, url=None) -> Path   # one organisation, or None: the SSC overview
    render_all(month, out_dir, url=None) -> list[Path]         # overview + one file per organisation

Data comes only from ``published.*`` (the latest version of each month), never
from the marts: a director signs what passed the monthly close.
"""

from __future__ import annotations

from ssc_pipeline.reports.data import ReportError
from ssc_pipeline.reports.render import render_all, render_report, report_filename

__all__ = ["ReportError", "render_all", "render_report", "report_filename"]
