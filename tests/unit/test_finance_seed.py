"""dbt_project/seeds/finance_organisations.csv mirrors organisations.yml (docs/finance.md).

The cost allocation counts an organisation from its ``joined_on``; dbt cannot
read organisations.yml, so the seed repeats code and joined_on. These tests fail
as soon as the two disagree (an organisation added, removed or re-dated in one
place only), naming the organisation.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from ssc_pipeline.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "dbt_project" / "seeds" / "finance_organisations.csv"
KEYS = {"inhabitants", "workplaces", "fixed_pct", "ticket_share"}


def _seed() -> dict[str, dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    codes = [row["org_code"] for row in rows]
    assert len(codes) == len(set(codes)), f"an org_code appears twice in {SEED.name}: {codes}"
    return {row["org_code"]: row for row in rows}


def test_seed_has_exactly_the_registry_columns() -> None:
    with SEED.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == ["org_code", "joined_on", "allocation_key"]


def test_seed_lists_every_organisation_of_the_registry_and_no_other() -> None:
    registry = {org.code for org in load_registry(ROOT / "organisations.yml")}
    seed = set(_seed())
    assert not registry - seed, f"in organisations.yml but not in {SEED.name}: {sorted(registry - seed)}"
    assert not seed - registry, f"in {SEED.name} but not in organisations.yml: {sorted(seed - registry)}"


def test_seed_joined_on_agrees_with_the_registry() -> None:
    seed = _seed()
    differ = {
        org.code: (str(org.joined_on), seed[org.code]["joined_on"])
        for org in load_registry(ROOT / "organisations.yml")
        if org.code in seed and dt.date.fromisoformat(seed[org.code]["joined_on"]) != org.joined_on
    }
    assert differ == {}, f"joined_on (organisations.yml, seed) differs: {differ}"


def test_every_organisation_has_a_known_allocation_key() -> None:
    unknown = {code: row["allocation_key"] for code, row in _seed().items() if row["allocation_key"] not in KEYS}
    assert unknown == {}, f"allocation_key not one of {sorted(KEYS)}: {unknown}"
