{{ config(**ticket_increment_config()) }}

-- TOPdesk incidents in the canonical ticket shape: TOPdesk category and
-- processing-status names mapped to SSC codes through seeds, so a new category
-- or an organisation's own naming is a seed row, not a code change.
-- A table, so int_tickets_unioned (a view) and the tests downstream read it
-- instead of mapping every ticket again; incremental (docs/incremental.md): on
-- a normal night only the tickets whose staging row came from a load not
-- processed yet are mapped again.

with

incidents as (

    select * from {{ ref('stg_topdesk__incidents') }}
    where {{ load_is_unprocessed() }}

),

category_map as (

    select * from {{ ref('topdesk_category_map') }}

),

status_map as (

    select * from {{ ref('topdesk_status_map') }}

),

mapped as (

    select
        incidents.org_code,
        incidents.ticket_id,
        incidents.ticket_number,
        'topdesk' as source_system,

        -- an organisation's own mapping row wins over the SSC-wide one (macro code_mapping_joins)
        coalesce({{ mapped_code('category', 'service_code') }}, 'OVERIG') as service_code,
        {{ mapped_code('category', 'service_code') }} is not null as service_mapped,
        incidents.category_name as source_category,
        incidents.priority,
        coalesce(
            {{ mapped_code('status', 'status') }},
            -- an unknown status name: fall back on TOPdesk's own flags
            case
                when incidents.is_closed then 'closed'
                when incidents.is_completed then 'resolved'
                when incidents.is_on_hold then 'on_hold'
                when incidents.is_responded then 'in_progress'
                else 'open'
            end
        ) as status,
        {{ mapped_code('status', 'status') }} is not null as status_mapped,
        incidents.processing_status_name as source_status,

        -- SLA clock events (DESIGN §5)
        coalesce(incidents.called_at, incidents.created_at) as opened_at,
        case
            when coalesce(incidents.is_closed, incidents.closed_at is not null)
                then coalesce(incidents.completed_at, incidents.closed_at)
            when coalesce(incidents.is_completed, incidents.completed_at is not null)
                then incidents.completed_at
        end as resolved_at,
        case
            when coalesce(incidents.is_closed, incidents.closed_at is not null)
                then incidents.closed_at
        end as closed_at,
        case
            when coalesce(incidents.is_responded, incidents.responded_at is not null)
                then incidents.responded_at
        end as responded_at,
        incidents.modified_at as updated_at,
        incidents.operator_group_name as operator_group,
        incidents.load_id

    from incidents
    {{ code_mapping_joins('category_map', 'category', 'incidents', 'category_name', 'topdesk_category') }}
    {{ code_mapping_joins('status_map', 'status', 'incidents', 'processing_status_name', 'topdesk_status') }}

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
        status,
        status_mapped,
        source_status,
        opened_at,
        -- a resolution answers the caller; a cancelled ticket is not resolved
        {{ canonical_clock_events('responded_at', 'resolved_at') }},
        closed_at,
        updated_at,
        operator_group,
        load_id

    from mapped

)

select * from final
