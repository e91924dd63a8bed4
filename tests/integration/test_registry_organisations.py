"""An organisation added to the registry reaches the cost mart, with no other file touched.

dbt knows the organisations from the registry itself: ``transform.run_dbt``
first copies it into ``raw.registry_organisations`` (``warehouse.registry_table``), which
the dbt source ``registry`` reads. Here the registry (``SSC_REGISTRY``, a file in
tmp) is organisations.yml's five organisations plus a sixth, GM0482
(Alblasserdam: file drops, joined 2022-01-01, allocation_key ticket_share).
The SSC's service data goes in as in test_finance_marts.py (whose helpers this
module reuses): files through the inbox, loads accepted.

July 2022, by hand:

* ledger: personnel 1 000.00 (100 000 cents);
* 2022 allocation keys: GM0482 and GM0610 (joined 2022-07-01), both
  ticket_share; the other four have joined but are not in the 2022 keys, so
  they are left out (the warn test names them);
* tickets opened in July: GM0482 3, GM0610 1 -> key shares 3/4 and 1/4, no
  fixed_pct -> allocation shares 0.75 and 0.25 -> 750.00 and 250.00, cost per
  ticket 250.00 each;
* GM0482's baseline 12 000.00 (2022, no indexation) -> 1 000.00 a month ->
  saving 250.00 (25.00 %); GM0610 has no baseline -> null saving.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from ssc_pipeline import transform, warehouse
from ssc_pipeline.registry import load_registry
from ssc_pipeline.warehouse.registry_table import sync_registry

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
NEW = "GM0482"
D = Decimal


def _finance_helpers() -> Any:
    """test_finance_marts.py as a module: its inbox helpers (_write, _drop, _ticket, ...)."""
    spec = importlib.util.spec_from_file_location(
        "finance_marts_helpers", Path(__file__).with_name("test_finance_marts.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


finance = _finance_helpers()


def _registry_with_a_sixth_organisation(path: Path) -> Path:
    data = yaml.safe_load((ROOT / "organisations.yml").read_text(encoding="utf-8"))
    assert len(data["organisations"]) == 5
    data["organisations"].append(
        {
            "code": NEW,
            "oin": "00000001001482002000",
            "name": "Gemeente Alblasserdam",
            "source": "files",
            "connection": "files_gm0482",
            "schedule": "15 3 * * *",
            "joined_on": dt.date(2022, 1, 1),
            "active": True,
            "allocation_key": "ticket_share",
        }
    )
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(fresh_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("registry")
    inbox = tmp / "inbox"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SSC_PSEUDONYMISATION_KEY", finance.KEY)
        mp.setenv("SSC_REGISTRY", str(_registry_with_a_sixth_organisation(tmp / "organisations.yml")))
        finance._write(inbox / "SSC", "costs_SSC_2022_07.csv", finance.LEDGER_HEADER + "2022-07,personnel,1000.00,\n")
        finance._write(
            inbox / "SSC",
            "allocation_keys_SSC_2022.csv",
            f"year,org_code,key,value\n2022,{NEW},ticket_share,\n2022,GM0610,ticket_share,\n",
        )
        finance._write(
            inbox / "SSC",
            "baselines_SSC_2022.csv",
            f"org_code,baseline_year,yearly_cost_eur,indexation_pct\n{NEW},2022,12000.00,\n",
        )
        assert len(finance._drop(inbox, "SSC")) == 3
        finance._write(
            inbox / NEW,
            f"tickets_{NEW}_2022_07.csv",
            finance.TICKET_HEADER
            + finance._ticket("N1", "2022-07-04T09:00:00+02:00")
            + finance._ticket("N2", "2022-07-05T09:00:00+02:00")
            + finance._ticket("N3", "2022-07-29T09:00:00+02:00"),
        )
        finance._drop(inbox, NEW)
        finance._write(
            inbox / "GM0610",
            "tickets_GM0610_2022_07.csv",
            finance.TICKET_HEADER + finance._ticket("S1", "2022-07-06T09:00:00+02:00"),
        )
        finance._drop(inbox, "GM0610")
        transform.run_dbt(finance.SELECT, target_path=tmp / "dbt")
        yield fresh_db


def query(sql: str, *args: object) -> list[tuple]:
    with warehouse.connect() as conn:
        return conn.execute(sql, args or None).fetchall()


def test_the_build_copied_the_registry_into_raw(built: str) -> None:
    rows = query(
        "select org_code, source_system, joined_on, active, allocation_key"
        " from raw.registry_organisations order by org_code"
    )
    assert [r[0] for r in rows] == ["GM0482", "GM0505", "GM0531", "GM0590", "GM0610", "GM0642"]
    assert rows[0] == (NEW, "files", dt.date(2022, 1, 1), True, "ticket_share")
    assert ("GM0531", "servicenow") == rows[2][:2]
    assert query("select count(*) from staging.stg_registry__organisations") == [(6,)]


def test_the_sixth_organisation_shares_the_cost_by_its_tickets(built: str) -> None:
    rows = query(
        "select org_code, allocation_key, allocation_share, ssc_cost_eur, tickets, cost_per_ticket_eur,"
        " baseline_cost_eur, saving_eur, saving_pct from marts.cost_savings_monthly"
        " where month = date '2022-07-01' order by org_code"
    )
    assert rows == [
        (NEW, "ticket_share", D("0.75000000"), D("750.00"), 3, D("250.00"), D("1000.00"), D("250.00"), D("25.00")),
        ("GM0610", "ticket_share", D("0.25000000"), D("250.00"), 1, D("250.00"), None, None, None),
    ]


def test_nothing_but_the_registry_names_the_sixth_organisation(built: str) -> None:
    # organisations.yml and the dbt project do not know GM0482: the temporary registry alone brought it in
    assert NEW not in (ROOT / "organisations.yml").read_text(encoding="utf-8")
    assert not [p for p in (ROOT / "dbt_project" / "seeds").glob("*.csv") if NEW in p.read_text(encoding="utf-8")]
    assert NEW not in {o.code for o in load_registry(ROOT / "organisations.yml")}


def test_sync_replaces_every_row(built: str) -> None:
    orgs = load_registry(ROOT / "organisations.yml")
    assert sync_registry(orgs=orgs[:2]) == 2
    assert query("select org_code from raw.registry_organisations order by org_code") == [("GM0505",), ("GM0642",)]
    assert sync_registry(orgs=orgs) == 5
    assert query("select count(*), count(distinct synced_at) from raw.registry_organisations") == [(5, 1)]
