-- The organisation registry (organisations.yml) as a table, so that dbt knows the organisations
-- from the registry itself (source `registry`). Not a landed load: no load_id, not append-only.
-- ssc_pipeline.warehouse.registry_table.sync_registry() replaces all its rows in one transaction before
-- every dbt build (readers never see it empty). Idempotent; applied after 11_raw_servicenow.sql.
create table if not exists raw.registry_organisations (
  org_code          text primary key,        -- organisations.yml `code`
  oin               text not null,
  name              text not null,
  source_system     text not null,           -- topdesk | servicenow | files
  joined_on         date not null,
  active            boolean not null,
  sla_agreement_id  text,                    -- null: the SSC's default agreement
  allocation_key    text not null,           -- inhabitants | workplaces | fixed_pct | ticket_share
  synced_at         timestamptz not null
);
alter table raw.registry_organisations drop column if exists ticket_entity;
grant select, insert, delete on raw.registry_organisations to ssc_loader;
grant select on raw.registry_organisations to ssc_transformer;
