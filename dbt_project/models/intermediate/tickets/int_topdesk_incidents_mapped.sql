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

        -- an organisation's own mapping row wins over the SSC-wide one (org_code null)
        coalesce(category_own.service_code, category_any.service_code, 'OVERIG') as service_code,
        coalesce(category_own.service_code, category_any.service_code) is not null as service_mapped,
        incidents.category_name as source_category,
        incidents.priority,
        coalesce(
            status_own.status,
            status_any.status,
            -- an unknown status name: fall back on TOPdesk's own flags
            case
                when incidents.is_closed then 'closed'
                when incidents.is_completed then 'resolved'
                when incidents.is_on_hold then 'on_hold'
                when incidents.is_responded then 'in_progress'
                else 'open'
            end
        ) as status,
        coalesce(status_own.status, status_any.status) is not null as status_mapped,
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
    left join category_map as category_own
        on
            incidents.org_code = category_own.org_code
            and incidents.category_name = category_own.topdesk_category
    left join category_map as category_any
        on
            category_any.org_code is null
            and incidents.category_name = category_any.topdesk_category
    left join status_map as status_own
        on
            incidents.org_code = status_own.org_code
            and incidents.processing_status_name = status_own.topdesk_status
    left join status_map as status_any
        on
            status_any.org_code is null
            and incidents.processing_status_name = status_any.topdesk_status

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
        -- resolving a ticket answers the caller too: a ticket resolved without
        -- an explicit response was first answered by its resolution. A
        -- cancelled ticket was not resolved: TOPdesk completes it when it is
        -- cancelled, but that moment is no resolution and no response.
        case
            when status = 'cancelled' then responded_at
            else least(responded_at, resolved_at)
        end as first_response_at,
        case when status != 'cancelled' then resolved_at end as resolved_at,
        closed_at,
        updated_at,
        operator_group,
        load_id

    from mapped

)

select * from final
