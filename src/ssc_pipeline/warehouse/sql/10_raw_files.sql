-- File drops (DESIGN §4.3): raw tables per file kind and the checksum registry audit.files.
-- Idempotent; applied after 00_core.sql by warehouse.ensure_schema().
--
-- Every raw.file_* table: load_id (one load per file), org_code (the inbox folder that sent
-- the file; 'SSC' for SSC-wide files), source_file and source_row (1-based data row, header
-- excluded: the row number a reason file would name), typed key columns, and the row as
-- parsed in payload (strings normalised, money as decimal strings, personal data
-- pseudonymised). subject_org_code is the organisation a row is about, where a file names one
-- (SSC-wide files carry rows for several organisations).

create table if not exists raw.file_tickets (
  load_id      uuid not null,  -- audit.loads (no per-row foreign key: 00_core.sql)
  org_code     text not null,
  source_file  text not null,
  source_row   integer not null,
  ticket_id    text not null,
  updated_at   timestamptz not null,
  payload      jsonb not null,
  landed_at    timestamptz not null default now()
);
create index if not exists file_tickets_load on raw.file_tickets (load_id);

create table if not exists raw.file_ticket_holds (
  load_id      uuid not null,  -- audit.loads (no per-row foreign key: 00_core.sql)
  org_code     text not null,
  source_file  text not null,
  source_row   integer not null,
  ticket_id    text not null,
  hold_start   timestamptz not null,
  hold_end     timestamptz,  -- null: still on hold when the file was written
  payload      jsonb not null,
  landed_at    timestamptz not null default now()
);
create index if not exists file_ticket_holds_load on raw.file_ticket_holds (load_id);

create table if not exists raw.file_costs (
  load_id        uuid not null,  -- audit.loads (no per-row foreign key: 00_core.sql)
  org_code       text not null,
  source_file    text not null,
  source_row     integer not null,
  month          date not null,  -- first day of the month
  cost_category  text not null,
  amount_eur     numeric(14, 2) not null,
  payload        jsonb not null,
  landed_at      timestamptz not null default now()
);
create index if not exists file_costs_load on raw.file_costs (load_id);
create index if not exists file_costs_month on raw.file_costs (month);

create table if not exists raw.file_allocation_keys (
  load_id           uuid not null,  -- audit.loads (no per-row foreign key: 00_core.sql)
  org_code          text not null,
  source_file       text not null,
  source_row        integer not null,
  year              integer not null,
  subject_org_code  text not null,
  allocation_key    text not null,
  value             numeric,  -- null for ticket_share (the share follows from the tickets)
  payload           jsonb not null,
  landed_at         timestamptz not null default now()
);
create index if not exists file_allocation_keys_load on raw.file_allocation_keys (load_id);

create table if not exists raw.file_baselines (
  load_id           uuid not null,  -- audit.loads (no per-row foreign key: 00_core.sql)
  org_code          text not null,
  source_file       text not null,
  source_row        integer not null,
  subject_org_code  text not null,
  baseline_year     integer not null,
  yearly_cost_eur   numeric(14, 2) not null,
  indexation_pct    numeric(7, 3),
  payload           jsonb not null,
  landed_at         timestamptz not null default now()
);
create index if not exists file_baselines_load on raw.file_baselines (load_id);

create table if not exists raw.file_survey_responses (
  load_id           uuid not null,  -- audit.loads (no per-row foreign key: 00_core.sql)
  org_code          text not null,
  source_file       text not null,
  source_row        integer not null,
  survey_id         text not null,
  subject_org_code  text not null,
  responded_on      date not null,
  service_code      text not null,  -- SSC code after the service catalogue (OVERIG if unmapped)
  score             integer not null,
  scale_max         integer not null,
  payload           jsonb not null,
  landed_at         timestamptz not null default now()
);
create index if not exists file_survey_responses_load on raw.file_survey_responses (load_id);

-- Warehouses created before: the per-row foreign keys to audit.loads and the key indexes go
-- (integrity and indexes of raw tables: see 00_core.sql).
alter table raw.file_tickets drop constraint if exists file_tickets_load_id_fkey;
alter table raw.file_ticket_holds drop constraint if exists file_ticket_holds_load_id_fkey;
alter table raw.file_costs drop constraint if exists file_costs_load_id_fkey;
alter table raw.file_allocation_keys drop constraint if exists file_allocation_keys_load_id_fkey;
alter table raw.file_baselines drop constraint if exists file_baselines_load_id_fkey;
alter table raw.file_survey_responses drop constraint if exists file_survey_responses_load_id_fkey;
drop index if exists raw.file_tickets_key;
drop index if exists raw.file_ticket_holds_key;

-- The checksum registry: one row per file the inbox handled. A file's content
-- (org_code, sha256) is processed at most once; re-dropping it is recorded as 'duplicate'.
create table if not exists audit.files (
  file_id      uuid primary key,
  org_code     text not null,
  file_name    text not null,
  kind         text not null,
  sha256       text not null,
  size_bytes   bigint not null,
  status       text not null check (status in ('processed', 'rejected', 'duplicate')),
  load_id      uuid references audit.loads (load_id),
  reason       text,
  received_at  timestamptz not null default now()
);
create unique index if not exists files_processed_once on audit.files (org_code, sha256)
  where status = 'processed';
create index if not exists files_org_received on audit.files (org_code, received_at desc);

grant select, insert on raw.file_tickets, raw.file_ticket_holds, raw.file_costs,
  raw.file_allocation_keys, raw.file_baselines, raw.file_survey_responses to ssc_loader;
grant select, insert on audit.files to ssc_loader;
grant select on raw.file_tickets, raw.file_ticket_holds, raw.file_costs,
  raw.file_allocation_keys, raw.file_baselines, raw.file_survey_responses to ssc_transformer;
grant select on audit.files to ssc_transformer;
