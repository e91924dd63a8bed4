-- Login roles and databases of the compose stack; run once by init-roles.sh as the superuser.
-- psql variables: airflow_password, metabase_password, metabase_app_password.
--
--   metabase      LOGIN, member of bi_reader: Metabase's connection to the warehouse
--                 (read-only on marts and published; see src/ssc_pipeline/sql/00_core.sql)
--   airflow       LOGIN, owns the `airflow` database (Airflow metadata)
--   metabase_app  LOGIN, owns the `metabase_app` database (Metabase's own settings)
--
-- bi_reader is created here too when it does not exist yet: the pipeline's
-- 00_core.sql creates it only if missing, so the two never disagree.

-- Session settings carry the passwords into the DO block (psql does not interpolate inside $$);
-- the output is discarded so that no password reaches the container log.
\o /dev/null
select set_config('ssc.airflow_password', :'airflow_password', false),
       set_config('ssc.metabase_password', :'metabase_password', false),
       set_config('ssc.metabase_app_password', :'metabase_app_password', false);
\o

do $$
begin
  if not exists (select from pg_roles where rolname = 'bi_reader') then
    create role bi_reader nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'metabase') then
    execute format('create role metabase login password %L in role bi_reader',
                   current_setting('ssc.metabase_password'));
  end if;
  if not exists (select from pg_roles where rolname = 'airflow') then
    execute format('create role airflow login password %L', current_setting('ssc.airflow_password'));
  end if;
  if not exists (select from pg_roles where rolname = 'metabase_app') then
    execute format('create role metabase_app login password %L',
                   current_setting('ssc.metabase_app_password'));
  end if;
end
$$;

-- A BI tool never writes, even where a grant is given by mistake.
alter role metabase set default_transaction_read_only = on;
alter role metabase connection limit 20;

select 'create database airflow owner airflow'
where not exists (select from pg_database where datname = 'airflow') \gexec
select 'create database metabase_app owner metabase_app'
where not exists (select from pg_database where datname = 'metabase_app') \gexec

-- The Airflow and Metabase databases are reachable only by their owners.
revoke connect on database airflow, metabase_app from public;
grant connect on database airflow to airflow;
grant connect on database metabase_app to metabase_app;
