-- Tickets of every source system in one canonical shape (DESIGN §4.2 codes).
-- Each source gets its own *_mapped model producing exactly these columns;
-- add it to `sources` below and nothing downstream changes.

{%- set ticket_sources = [
    ref('int_topdesk_incidents_mapped'),
] %}
{#- Later:
    ref('int_servicenow_incidents_mapped'),
    ref('stg_files__tickets'),
-#}

{%- set columns = [
    'org_code', 'ticket_id', 'ticket_number', 'source_system',
    'service_code', 'service_mapped', 'source_category',
    'priority', 'status', 'status_mapped', 'source_status',
    'opened_at', 'first_response_at', 'resolved_at', 'closed_at', 'updated_at',
    'operator_group', 'load_id',
] %}

with

{% for relation in ticket_sources %}
source_{{ loop.index }} as (

    select
        {%- for column in columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}

),
{% endfor %}

unioned as (

    {%- for relation in ticket_sources %}
    select * from source_{{ loop.index }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from unioned
