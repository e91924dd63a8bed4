-- File drops (DESIGN §4.3): raw tables per file kind and the checksum registry audit.files.
-- Idempotent; applied after 00_core.sql by warehouse.ensure_schema().
--
-- Every raw.file_* table: load_id (one load per file), org_code (the inbox folder that sent
-- the file; 'SSC' for SSC-wide files), source_file and source_row (1-based data row, header
-- excluded: the row number a reason file would name), typed key columns, and the row as
-- parsed in payload (strings normalised, money as decimal strings, personal data
-- pseudonymised). subject_org_code is the organisation a row is about, where a file names one
-- (SSC-wide files carry rows for several organisations).

select audit.create_raw_table('file_tickets', 'source_file text not null, source_row integer not null,'
  ' ticket_id text not null, updated_at timestamptz not null');
-- hold_end null: still on hold when the file was written
select audit.create_raw_table('file_ticket_holds', 'source_file text not null, source_row integer not null,'
  ' ticket_id text not null, hold_start timestamptz not null, hold_end timestamptz');
-- month: the first day of the month
select audit.create_raw_table('file_costs', 'source_file text not null, source_row integer not null,'
  ' month date not null, cost_category text not null, amount_eur numeric(14, 2) not null');
create index if not exists file_costs_month on raw.file_costs (month);
-- value null for ticket_share (the share follows from the tickets)
select audit.create_raw_table('file_allocation_keys', 'source_file text not null, source_row integer not null,'
  ' year integer not null, subject_org_code text not null, allocation_key text not null, value numeric');
select audit.create_raw_table('file_baselines', 'source_file text not null, source_row integer not null,'
  ' subject_org_code text not null, baseline_year integer not null, yearly_cost_eur numeric(14, 2) not null,'
  ' indexation_pct numeric(7, 3)');
-- service_code: the SSC code after the service catalogue (OVERIG if unmapped)
select audit.create_raw_table('file_survey_responses', 'source_file text not null, source_row integer not null,'
  ' survey_id text not null, subject_org_code text not null, responded_on date not null,'
  ' service_code text not null, score integer not null, scale_max integer not null');

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

grant select, insert on audit.files to ssc_loader;
grant select on audit.files to ssc_transformer;
