-- Tickets of every source system in one canonical shape (DESIGN §4.2 codes).
-- Each source system gets one model that produces exactly these columns
-- (int_topdesk_incidents_mapped; later int_servicenow_incidents_mapped and
-- stg_files__tickets): add a CTE for it and a `union all` below, and nothing
-- downstream changes.

with

topdesk as (

    select
        org_code,
        ticket_id,
        ticket_number,
        source_system,
        service_code,
        service_mapped,
        source_category,
        priority,
        status,
        status_mapped,
        source_status,
        opened_at,
        first_response_at,
        resolved_at,
        closed_at,
        updated_at,
        operator_group,
        load_id

    from {{ ref('int_topdesk_incidents_mapped') }}

),

-- servicenow as ( same columns from ref('int_servicenow_incidents_mapped') ),
-- files as ( same columns from ref('stg_files__tickets') ),

unioned as (

    select * from topdesk
    -- union all
    -- select * from servicenow
    -- union all
    -- select * from files

)

select * from unioned
