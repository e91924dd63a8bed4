"""Roles and row-level security: each organisation sees only its own rows, nobody but the pipeline writes.

* ``bi_reader`` (DESIGN §4.4) reads every row of ``marts`` and ``published``;
  the SSC's own BI runs as a login role granted ``bi_reader``.
* ``org_<code>`` (e.g. ``org_gm0505``), one per organisation in the registry,
  reads only rows whose ``org_code`` is its own. A municipality's BI account is
  a login role granted ``org_<code>``.
* Neither has any write privilege. The tables are owned by the pipeline's
  role; PostgreSQL applies row-level security to every other role.

dbt rebuilds mart tables, which drops their policies; a dbt post-hook
(``macros/row_level_security.sql``) re-applies them on every rebuild through the
warehouse function ``audit.protect_table`` (``sql/01_row_level_security.sql``),
the one definition; ``protect_table`` here calls it for the ``published`` tables.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql

from ssc_pipeline import warehouse
from ssc_pipeline.registry import Organisation, load_registry


def org_role(org_code: str) -> str:
    return f"org_{org_code.lower()}"


def ensure_org_roles(orgs: Iterable[Organisation] | None = None, url: str | None = None) -> list[str]:
    """Create the NOLOGIN role of every organisation in the registry (idempotent)."""
    roles = []
    with warehouse.connect(url, autocommit=True) as conn:
        conn.execute("grant usage on schema marts, published to bi_reader")
        for org in orgs if orgs is not None else load_registry():
            role = org_role(org.code)
            conn.execute(
                sql.SQL(
                    "do $$ begin if not exists (select from pg_roles where rolname = {r}) then "
                    "create role {i} nologin; end if; end $$"
                ).format(r=sql.Literal(role), i=sql.Identifier(role))
            )
            conn.execute(sql.SQL("grant usage on schema marts, published to {}").format(sql.Identifier(role)))
            roles.append(role)
    return roles


def protect_table(conn: psycopg.Connection, schema: str, table: str) -> None:
    """Row-level security on one table with an ``org_code`` column (``audit.protect_table``,
    the definition the marts' dbt post-hook uses too); read for the readers only."""
    conn.execute("select audit.protect_table(%s::regclass)", (sql.Identifier(schema, table).as_string(conn),))
