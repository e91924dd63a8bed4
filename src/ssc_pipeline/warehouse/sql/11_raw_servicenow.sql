-- Landed ServiceNow incidents: typed key columns + the full record (personal data pseudonymised,
-- hold intervals from sys_audit embedded as "_holds"). Idempotent.
create table if not exists raw.servicenow_incidents (
  load_id      uuid not null,        -- audit.loads (see 00_core.sql: no per-row foreign key)
  org_code     text not null,
  incident_id  text not null,          -- sys_id
  modified_at  timestamptz not null,   -- sys_updated_on (UTC)
  payload      jsonb not null,
  landed_at    timestamptz not null default now()
);
create index if not exists servicenow_incidents_load on raw.servicenow_incidents (load_id);
alter table raw.servicenow_incidents drop constraint if exists servicenow_incidents_load_id_fkey;
drop index if exists raw.servicenow_incidents_key;  -- unused by readers (see 00_core.sql)
grant select, insert on raw.servicenow_incidents to ssc_loader;
grant select on raw.servicenow_incidents to ssc_transformer;
