{#-
    The rows of the raw table `relation` that accepted loads landed: rows of
    quarantined, failed or still running loads never get past staging.
    unprocessed_only: on an incremental night, only the rows of the loads the
    chain has not processed yet (macro load_is_unprocessed); a full build reads
    every accepted load. Produces one select, for a staging model's source CTE.
-#}
{% macro accepted_load_rows(relation, unprocessed_only=false) -%}
    select * from {{ relation }}
    where
        load_id in (
            select loads.load_id from {{ source('audit', 'loads') }} as loads
            where loads.status = 'accepted'
        )
        {%- if unprocessed_only %}
        and {{ load_is_unprocessed() }}
        {%- endif %}
{%- endmacro %}
