{#
  Records each dbt invocation in audit.dbt_runs (created by the pipeline's DDL), so that
  a published month can name the dbt build its figures came from (DESIGN §4.4 lineage),
  however dbt was started (Airflow/Cosmos, `ssc`, or by hand).
#}
{% macro record_dbt_run(results) %}
  {% if execute and flags.WHICH in ('build', 'run') %}
    {% set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list | length %}
    insert into audit.dbt_runs (invocation_id, command, success, nodes, finished_at)
    values ('{{ invocation_id }}', '{{ flags.WHICH }}', {{ 'true' if failed == 0 else 'false' }},
            {{ results | length }}, now())
    on conflict (invocation_id) do nothing
  {% else %}
    select 1
  {% endif %}
{% endmacro %}
