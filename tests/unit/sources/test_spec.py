"""One spec per source system: keys from the streams, suites that exist, pools, the ticket entity."""

from __future__ import annotations

from pathlib import Path

from ssc_pipeline import registry
from ssc_pipeline.sources import spec
from ssc_pipeline.sources.servicenow.streams import INCIDENTS as SN_INCIDENTS
from ssc_pipeline.sources.topdesk.streams import INCIDENTS as TD_INCIDENTS

ROOT = Path(__file__).resolve().parents[3]


def test_every_registry_source_has_a_spec() -> None:
    assert set(spec.SPECS) == set(registry.SOURCES)


def test_api_keys_come_from_the_streams() -> None:
    assert TD_INCIDENTS.primary_key == "id" and SN_INCIDENTS.cursor_field == "sys_updated_on"
    record = {"id": "abc", "modificationDate": "2026-11-20T09:15:00.000+0000"}
    assert spec.TOPDESK.tickets.keys(record) == ("abc", "2026-11-20T09:15:00.000+0000")
    assert spec.SERVICENOW.tickets.keys({"sys_id": "x1", "sys_updated_on": "2026-11-20 09:15:00"}) == (
        "x1",
        "2026-11-20 09:15:00+00",
    )  # ServiceNow's UTC, made explicit for PostgreSQL


def test_every_raw_entity_has_its_suite_and_table() -> None:
    sql = "".join(p.read_text() for p in (ROOT / "src" / "ssc_pipeline" / "warehouse" / "sql").glob("*.sql"))
    for source in spec.SPECS.values():
        assert source.tickets.entity == source.ticket_entity
        assert source.pool == f"source_{source.name}"
        for entity in source.entities:
            assert (ROOT / "expectations" / f"{entity.suite}.json").exists(), entity
            schema, table = entity.table.split(".")
            assert schema == "raw" and f"audit.create_raw_table('{table}'," in sql, entity.table


def test_records_are_read_only_through_an_api_spec() -> None:
    assert spec.FILES.records_function is None
    assert spec.TOPDESK.records_function and spec.SERVICENOW.records_function
