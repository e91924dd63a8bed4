"""dbt docs are reachable: one static HTML site with the marts, their columns and the BI exposures."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssc_pipeline import transform


def test_dbt_docs_site_is_generated(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSC_HOME", str(tmp_path))
    site = transform.generate_docs()
    assert site == tmp_path / "dbt-docs" / "static_index.html"
    html = site.read_text(encoding="utf-8")
    for name in ("fct_tickets", "sla_monthly", "cost_savings_monthly", "csat_monthly", "resolution_attainment_pct"):
        assert name in html
    assert "exposure" in html
