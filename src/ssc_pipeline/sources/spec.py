"""One declarative spec per source system: every caller reads what it needs from here.

A spec names the source's raw entities (where each kind of record lands, its
typed key columns taken from the stream that delivers it, and its raw-gate
suite in ``expectations/``), which entity carries the tickets (the monthly
close judges completeness by its accepted windows), the Airflow pool that caps
calls to the remote system, and, for an API source, the function that yields
one window's records. Adding a source system is one spec here, one
sub-package beside this module, a raw table and a staging model.

Heavy connector modules are imported only when a window is fetched: the DAG
processor reads the specs (pools) on every parse.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ssc_pipeline import registry
from ssc_pipeline.connections import ConnectionInfo
from ssc_pipeline.sources.files.formats import KINDS, FileKind
from ssc_pipeline.sources.servicenow import streams as servicenow_streams
from ssc_pipeline.sources.stream import Stream
from ssc_pipeline.sources.topdesk import streams as topdesk_streams

__all__ = ["FILES", "SERVICENOW", "SPECS", "TOPDESK", "RawEntity", "SourceSpec", "file_entity", "spec_for"]


@dataclass(frozen=True)
class RawEntity:
    """Where one kind of source record lands and how its typed key columns are read.

    ``suite`` is the raw-gate suite (``expectations/<suite>.json``) every load
    of the entity is judged by.
    """

    source_system: str
    entity: str
    table: str
    key_columns: tuple[str, ...]
    keys: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    suite: str


def stream_entity(
    source_system: str, stream: Stream, table: str, suite: str, cursor_text: Callable[[str], str] = str
) -> RawEntity:
    """An API stream's raw entity: typed keys are the stream's primary key and cursor field."""
    key, cursor = stream.primary_key, stream.cursor_field
    return RawEntity(
        source_system=source_system,
        entity=stream.name,
        table=table,
        key_columns=("incident_id", "modified_at"),
        keys=lambda record: (record[key], cursor_text(record[cursor])),
        suite=suite,
    )


def file_entity(kind: FileKind) -> RawEntity:
    """Where a file kind lands: ``raw.file_<kind>``, typed keys after source file and row.

    The file source yields payloads that carry their key values (``key_values``,
    see ``sources.files.drops``): a file row's keys are parsed values, not payload fields.
    """
    return RawEntity(
        source_system="files",
        entity=kind.name,
        table=kind.table,
        key_columns=("source_file", "source_row", *(column for column, _ in kind.raw_keys)),
        keys=lambda record: record.key_values,  # type: ignore[attr-defined]
        suite=f"raw_file_{kind.name}",
    )


RecordsFunction = Callable[[ConnectionInfo, dt.datetime, dt.datetime, bytes], Iterator[dict[str, Any]]]


@dataclass(frozen=True)
class SourceSpec:
    """A source system as the pipeline sees it (``organisations.yml``'s ``source`` value)."""

    name: str
    label: str
    entities: tuple[RawEntity, ...]
    ticket_entity: str
    pool_slots: int
    pool_description: str
    records_function: str | None = None  # "module:function" of an API source

    @property
    def pool(self) -> str:
        """The Airflow pool its extract tasks run in: no remote system is hit harder than this."""
        return f"source_{self.name}"

    def entity(self, name: str) -> RawEntity:
        for entity in self.entities:
            if entity.entity == name:
                return entity
        raise KeyError(f"source {self.name} has no raw entity {name!r}")

    @property
    def tickets(self) -> RawEntity:
        return self.entity(self.ticket_entity)

    def records(
        self, info: ConnectionInfo, start: dt.datetime, end: dt.datetime, key: bytes
    ) -> Iterator[dict[str, Any]]:
        """The window's records, scrubbed, as they land (API sources only)."""
        if self.records_function is None:
            raise TypeError(f"source {self.name} is not read through an API")
        module, _, function = self.records_function.partition(":")
        return getattr(importlib.import_module(module), function)(info, start, end, key)


def api_spec(name: str, label: str, incidents: Stream, cursor_text: Callable[[str], str] = str) -> SourceSpec:
    """An API source by the project's conventions: incidents land in ``raw.<name>_incidents``, are judged
    by the suite ``raw_<name>_incidents`` and read by ``sources.<name>.records.<name>_records``."""
    return SourceSpec(
        name=name,
        label=label,
        entities=(stream_entity(name, incidents, f"raw.{name}_incidents", f"raw_{name}_incidents", cursor_text),),
        ticket_entity=incidents.name,
        pool_slots=4,
        pool_description=f"{label} API calls at once",
        records_function=f"ssc_pipeline.sources.{name}.records:{name}_records",
    )


def _utc_text(value: str) -> str:
    return f"{value}+00"  # sys_updated_on is UTC without an offset (sysparm_display_value=false)


TOPDESK = api_spec("topdesk", "TOPdesk", topdesk_streams.INCIDENTS)
SERVICENOW = api_spec("servicenow", "ServiceNow", servicenow_streams.INCIDENTS, _utc_text)
FILES = SourceSpec(
    name="files",
    label="file drop",
    entities=tuple(file_entity(kind) for kind in KINDS),
    ticket_entity="tickets",
    pool_slots=2,
    pool_description="file-drop loads at once",
)
SPECS: dict[str, SourceSpec] = {spec.name: spec for spec in (TOPDESK, SERVICENOW, FILES)}
assert set(SPECS) == set(registry.SOURCES), "every registry source needs a spec, and no more"


def spec_for(source: str) -> SourceSpec:
    try:
        return SPECS[source]
    except KeyError:
        raise KeyError(f"no source system {source!r} (known: {', '.join(SPECS)})") from None
