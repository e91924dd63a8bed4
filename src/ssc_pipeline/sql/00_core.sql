-- Schemas, roles, raw and audit tables. Idempotent: run on every start.
-- dbt owns staging, intermediate and marts; the pipeline owns raw, audit and published.

create schema if not exists raw;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;
create schema if not exists published;
create schema if not exists audit;

do $$
begin
  if not exists (select from pg_roles where rolname = 'ssc_loader') then
    create role ssc_loader nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'ssc_transformer') then
    create role ssc_transformer nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'bi_reader') then
    create role bi_reader nologin;
  end if;
end
$$;

-- One row per attempt to land one entity of one organisation for one window.
-- status: running -> landed -> accepted | quarantined ; or failed (nothing downstream sees it).
create table if not exists audit.loads (
  load_id        uuid primary key,
  org_code       text not null,
  source_system  text not null,
  entity         text not null,
  window_start   timestamptz not null,
  window_end     timestamptz not null,
  status         text not null check (status in ('running', 'landed', 'accepted', 'quarantined', 'failed')),
  rows_landed    bigint,
  started_at     timestamptz not null default now(),
  finished_at    timestamptz,
  message        text,
  run_id         text
);
create index if not exists loads_org_entity_window on audit.loads (org_code, entity, window_start);
create index if not exists loads_status on audit.loads (status);

create table if not exists audit.validations (
  validation_id  uuid primary key,
  suite          text not null,
  target         text not null,
  load_id        uuid references audit.loads (load_id),
  month          date,
  success        boolean not null,
  expectations   integer not null,
  failed         integer not null,
  results        jsonb not null,
  validated_at   timestamptz not null default now()
);
create index if not exists validations_load on audit.validations (load_id);

create table if not exists audit.publications (
  publication_id uuid primary key,
  month          date not null,
  mart           text not null,
  version        integer not null,
  row_count      bigint not null,
  checksum       text not null,
  published_at   timestamptz not null default now(),
  note           text,
  unique (month, mart, version)
);

-- Landed TOPdesk incidents: typed key columns + the full payload (personal data pseudonymised).
create table if not exists raw.topdesk_incidents (
  load_id      uuid not null references audit.loads (load_id),
  org_code     text not null,
  incident_id  text not null,
  modified_at  timestamptz not null,
  payload      jsonb not null,
  landed_at    timestamptz not null default now()
);
create index if not exists topdesk_incidents_load on raw.topdesk_incidents (load_id);
create index if not exists topdesk_incidents_key on raw.topdesk_incidents (org_code, incident_id, modified_at desc);

grant usage on schema raw, audit to ssc_loader;
grant select, insert on all tables in schema raw to ssc_loader;
grant select, insert, update on audit.loads, audit.validations to ssc_loader;
grant usage on schema raw, audit to ssc_transformer;
grant select on all tables in schema raw, audit to ssc_transformer;
grant usage, create on schema staging, intermediate, marts to ssc_transformer;
grant usage on schema marts, published to bi_reader;
grant select on all tables in schema marts, published to bi_reader;
alter default privileges in schema marts grant select on tables to bi_reader;
alter default privileges in schema published grant select on tables to bi_reader;

-- Each dbt build (written by the dbt on-run-end hook): lineage for published figures.
create table if not exists audit.dbt_runs (
  invocation_id  text primary key,
  command        text not null,
  success        boolean not null,
  nodes          integer not null,
  finished_at    timestamptz not null default now()
);

-- A person accepted a quarantined load: who, why, when.
create table if not exists audit.releases (
  load_id      uuid not null references audit.loads (load_id),
  released_by  text not null,
  reason       text not null,
  released_at  timestamptz not null default now()
);
