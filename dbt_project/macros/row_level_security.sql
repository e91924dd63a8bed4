{#
  Row-level security on a rebuilt mart (post-hook; see src/ssc_pipeline/security.py).
  bi_reader reads every row; an organisation role org_<code> reads only rows with its
  own org_code; nobody but the owner writes. Roles are created by the pipeline
  (security.ensure_org_roles) before dbt runs; the grants loop over those that exist.
#}
{% macro row_level_security() %}
  alter table {{ this }} enable row level security;
  drop policy if exists bi_reader_all on {{ this }};
  create policy bi_reader_all on {{ this }} for select to bi_reader using (true);
  drop policy if exists own_organisation on {{ this }};
  create policy own_organisation on {{ this }} for select to public
    using (exists (select from pg_roles r where r.rolname = 'org_' || lower(org_code)
                   and pg_has_role(r.oid, 'member')));
  grant select on {{ this }} to bi_reader;
  do $$
  declare r record;
  begin
    for r in select rolname from pg_roles where rolname like 'org\_%' loop
      execute format('grant select on {{ this }} to %I', r.rolname);
    end loop;
  end
  $$;
{% endmacro %}
