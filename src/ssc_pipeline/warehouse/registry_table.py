"""``raw.registry_organisations``: organisations.yml as a table, for dbt.

dbt cannot read ``organisations.yml``; instead of a seed that repeats it by hand,
every dbt build first copies the registry into this table (source ``registry``
of the dbt project, ``stg_registry__organisations``). All organisations go in,
active or not: an inactive one keeps its history in the marts.
"""

from __future__ import annotations

from collections.abc import Iterable

from ssc_pipeline import warehouse
from ssc_pipeline.registry import Organisation, load_registry

_INSERT = (
    "insert into raw.registry_organisations (org_code, oin, name, source_system,"
    " joined_on, active, sla_agreement_id, allocation_key, synced_at)"
    " values (%s, %s, %s, %s, %s, %s, %s, %s, now())"
)


def sync_registry(url: str | None = None, orgs: Iterable[Organisation] | None = None) -> int:
    """Replace the table's rows with the registry's organisations; return how many.

    ``orgs`` defaults to ``load_registry()`` (``SSC_REGISTRY`` or organisations.yml),
    read before the transaction starts so a malformed registry changes nothing.
    Delete and insert run in one transaction: a concurrent reader sees the old rows
    or the new ones, never an empty table.
    """
    warehouse.ensure_schema(url)  # the table may be new to this warehouse (one query when it is not)
    rows = [
        (o.code, o.oin, o.name, o.source, o.joined_on, o.active, o.sla, o.allocation_key)
        for o in (load_registry() if orgs is None else orgs)
    ]
    with warehouse.connect(url) as conn, conn.transaction():
        conn.execute("delete from raw.registry_organisations")
        with conn.cursor() as cur:
            cur.executemany(_INSERT, rows)
    return len(rows)
