-- Tickets of every source system in one canonical shape (DESIGN §4.2 codes).
-- Each source system gets one model that produces exactly these columns
-- (int_topdesk_incidents_mapped, int_servicenow_incidents_mapped,
-- int_file_tickets_mapped): add a CTE for it and a `union all` below,
-- and nothing downstream changes.

{%- set ticket_columns = [
    'org_code', 'ticket_id', 'ticket_number', 'source_system', 'service_code', 'service_mapped',
    'source_category', 'priority', 'status', 'status_mapped', 'source_status', 'opened_at',
    'first_response_at', 'resolved_at', 'closed_at', 'updated_at', 'operator_group', 'load_id',
] %}

with

topdesk as (

    select
        {{ ticket_columns | join(',\n        ') }}

    from {{ ref('int_topdesk_incidents_mapped') }}

),

files as (

    select
        {{ ticket_columns | join(',\n        ') }}

    from {{ ref('int_file_tickets_mapped') }}

),

servicenow as (

    select
        {{ ticket_columns | join(',\n        ') }}

    from {{ ref('int_servicenow_incidents_mapped') }}

),

unioned as (

    select * from topdesk
    union all
    select * from servicenow
    union all
    select * from files

)

select * from unioned
