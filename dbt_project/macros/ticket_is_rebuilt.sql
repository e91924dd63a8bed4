{#-
    A condition on a row's (org_code, ticket_id): on an incremental night
    (docs/incremental.md) true for the tickets this build rebuilds (listed in
    int_tickets_rebuilt; touched_only: only those an unprocessed load changed);
    on a full build true for every ticket (every ticket is rebuilt).
-#}
{% macro ticket_is_rebuilt(touched_only=false) -%}
    {#- the list is a parent even where a full build does not read it: ref'd at parse time too -#}
    {%- set rebuilt_tickets = ref('int_tickets_rebuilt') -%}
    {%- if is_incremental() -%}
        (org_code, ticket_id) in (
            select rebuilt.org_code, rebuilt.ticket_id from {{ rebuilt_tickets }} as rebuilt
            {%- if touched_only %}
            where rebuilt.is_touched
            {%- endif %}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
