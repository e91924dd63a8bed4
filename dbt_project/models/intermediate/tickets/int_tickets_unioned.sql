-- Tickets of every source system in one canonical shape (DESIGN §4.2 codes).
-- Each source system gets one model that produces exactly these columns
-- (int_topdesk_incidents_mapped, int_servicenow_incidents_mapped,
-- int_file_tickets_mapped): add a CTE for it and a `union all` below,
-- and nothing downstream changes. The columns: macro canonical_ticket_columns.

with

topdesk as (

    select
        {{ canonical_ticket_columns() }}

    from {{ ref('int_topdesk_incidents_mapped') }}

),

files as (

    select
        {{ canonical_ticket_columns() }}

    from {{ ref('int_file_tickets_mapped') }}

),

servicenow as (

    select
        {{ canonical_ticket_columns() }}

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
