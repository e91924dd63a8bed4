{{ config(**ticket_increment_config()) }}

-- ServiceNow incidents in the canonical ticket shape: category values mapped to
-- SSC service codes through a seed; state codes to canonical statuses.
-- A table, so int_tickets_unioned (a view) and the tests downstream read it
-- instead of mapping every ticket again; incremental (docs/incremental.md): on
-- a normal night only the tickets whose staging row came from a load not
-- processed yet are mapped again.

with

incidents as (

    select * from {{ ref('stg_servicenow__incidents') }}
    where {{ load_is_unprocessed() }}

),

category_map as (

    select * from {{ ref('servicenow_category_map') }}

),

mapped as (

    select
        incidents.org_code,
        incidents.ticket_id,
        incidents.ticket_number,
        'servicenow' as source_system,
        coalesce({{ mapped_code('category', 'service_code') }}, 'OVERIG') as service_code,
        {{ mapped_code('category', 'service_code') }} is not null as service_mapped,
        incidents.category as source_category,
        incidents.priority,
        case incidents.state_code
            when '1' then 'open'
            when '2' then 'in_progress'
            when '3' then 'on_hold'
            when '6' then 'resolved'
            when '7' then 'closed'
            when '8' then 'cancelled'
        end as status,
        incidents.state_code in ('1', '2', '3', '6', '7', '8') as status_mapped,
        incidents.state_code as source_status,
        incidents.opened_at,
        incidents.responded_at,
        incidents.resolved_at,
        incidents.closed_at,
        incidents.modified_at as updated_at,
        incidents.assignment_group_id as operator_group,
        incidents.load_id

    from incidents
    {{ code_mapping_joins('category_map', 'category', 'incidents', 'category', 'servicenow_category') }}

),

final as (

    select
        org_code,
        ticket_id,
        ticket_number,
        source_system,
        service_code,
        service_mapped,
        source_category,
        priority,
        coalesce(status, 'open') as status,
        status_mapped,
        source_status,
        opened_at,
        -- as for TOPdesk: a resolution answers the caller; a cancel does not
        -- (the mapped status: an unmapped state code is no resolution)
        {{ canonical_clock_events('responded_at', 'resolved_at') }},
        case when status in ('closed', 'cancelled') then closed_at end as closed_at,
        updated_at,
        operator_group,
        load_id

    from mapped

)

select * from final
