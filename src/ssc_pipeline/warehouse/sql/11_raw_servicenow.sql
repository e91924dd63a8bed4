-- Landed ServiceNow incidents: typed key columns + the full record (personal data pseudonymised,
-- hold intervals from sys_audit embedded as "_holds"); modified_at is sys_updated_on (UTC). Idempotent.
select audit.create_raw_table('servicenow_incidents', 'incident_id text not null, modified_at timestamptz not null');
