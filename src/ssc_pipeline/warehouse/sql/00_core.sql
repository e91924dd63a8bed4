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

-- raw.* tables: typed key columns + the full payload + the load that landed the row.
--
-- Every raw row belongs to an audit.loads row, but not through a foreign key: a foreign
-- key is a row-level trigger that looks the load up once per landed row, about a fifth
-- of the database's time on a COPY of ~1.3 kB payloads (bench/RESULTS.md, benchmark 1),
-- to re-check one value per load. The same integrity, set-based:
--  * inserting: only ssc_loader (the pipeline) may insert into raw, and
--    landing.land_records locks its load row (for key share, as the foreign key did)
--    and checks it is 'running', once, in the COPY's own transaction;
--  * deleting or re-keying a load that still has raw rows, or truncating audit.loads
--    while raw holds rows, is refused by the triggers below.
-- Indexes on raw: one, on load_id (the raw gate reads one load; the triggers probe it).
-- No key index: staging reads every accepted row and sorts (EXPLAIN: seq scan + sort,
-- the index unused), while each landed row paid a random-position insert into it.
create or replace function audit.loads_keep_raw_rows() returns trigger
language plpgsql as $$
declare
  raw_table regclass;
  referenced boolean;
begin
  if tg_op = 'UPDATE' and new.load_id = old.load_id then
    return new;
  end if;
  for raw_table in
    select c.oid::regclass
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'load_id' and not a.attisdropped
    where n.nspname = 'raw' and c.relkind in ('r', 'p')
  loop
    if tg_op = 'TRUNCATE' then
      execute format('select exists (select 1 from %s)', raw_table) into referenced;
    else
      execute format('select exists (select 1 from %s where load_id = $1)', raw_table)
        into referenced using old.load_id;
    end if;
    if referenced then
      raise foreign_key_violation using
        message = format('audit.loads: %s would orphan rows in %s (raw is append-only; every raw row keeps its load)',
                         case when tg_op = 'TRUNCATE' then 'truncate' else 'load ' || old.load_id end, raw_table);
    end if;
  end loop;
  return case when tg_op = 'DELETE' then old else new end;
end
$$;
create or replace trigger loads_keep_raw_rows before delete or update of load_id on audit.loads
  for each row execute function audit.loads_keep_raw_rows();
create or replace trigger loads_keep_raw_rows_truncate before truncate on audit.loads
  for each statement execute function audit.loads_keep_raw_rows();

-- The one shape of a raw table: the load that landed the row, the organisation, the
-- source's typed key columns, the full payload and when it landed; one index, on load_id.
-- Idempotent (also drops the per-row foreign key and key index older warehouses had).
create or replace function audit.create_raw_table(name text, key_columns text) returns void
language plpgsql as $$
begin
  execute format('create table if not exists raw.%I (load_id uuid not null, org_code text not null, %s,'
                 ' payload jsonb not null, landed_at timestamptz not null default now())', name, key_columns);
  execute format('create index if not exists %I on raw.%I (load_id)', name || '_load', name);
  execute format('alter table raw.%I drop constraint if exists %I', name, name || '_load_id_fkey');
  execute format('drop index if exists raw.%I', name || '_key');
  execute format('grant select, insert on raw.%I to ssc_loader', name);
  execute format('grant select on raw.%I to ssc_transformer', name);
end
$$;

-- Landed TOPdesk incidents (personal data pseudonymised, holds embedded as "_holds").
select audit.create_raw_table('topdesk_incidents', 'incident_id text not null, modified_at timestamptz not null');

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
