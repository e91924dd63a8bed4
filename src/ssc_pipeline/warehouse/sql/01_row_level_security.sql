-- Row-level security on one table with an org_code column: the one definition, called by
-- the marts' dbt post-hook (dbt_project/macros/row_level_security.sql) and for the
-- published tables (ssc_pipeline.warehouse.roles.protect_table). Idempotent.
-- bi_reader reads every row; an organisation role org_<code> reads only rows with its own
-- org_code; nobody but the owner writes. Organisation roles are created by the pipeline
-- (warehouse.roles.ensure_org_roles) before dbt runs; the grants loop over those that exist.
create or replace function audit.protect_table(target regclass) returns void
language plpgsql as $$
declare
  reader record;
begin
  execute format('alter table %s enable row level security', target);
  execute format('drop policy if exists bi_reader_all on %s', target);
  execute format('create policy bi_reader_all on %s for select to bi_reader using (true)', target);
  execute format('drop policy if exists own_organisation on %s', target);
  execute format('create policy own_organisation on %s for select to public'
                 ' using (exists (select from pg_roles r where r.rolname = ''org_'' || lower(org_code)'
                 ' and pg_has_role(r.oid, ''member'')))', target);
  execute format('grant select on %s to bi_reader', target);
  for reader in select rolname from pg_roles where rolname like 'org\_%' loop
    execute format('grant select on %s to %I', target, reader.rolname);
  end loop;
end
$$;
