{{ config(**ticket_increment_config()) }}

-- File-drop tickets in the canonical ticket shape. Files already speak SSC
-- codes (DESIGN §4.3), so this only applies the clock rules every source
-- shares: a resolution answers the caller (first_response_at is the earlier
-- of the response and the resolution), and a cancelled ticket is not resolved.
-- A table, so int_tickets_unioned (a view) and the tests downstream read it
-- instead of mapping every ticket again; incremental (docs/incremental.md): on
-- a normal night only the tickets whose staging row came from a load not
-- processed yet are mapped again.

with

tickets as (

    select * from {{ ref('stg_files__tickets') }}
    where {{ load_is_unprocessed() }}

),

final as (

    select
        org_code,
        ticket_id,
        ticket_id as ticket_number,
        'files' as source_system,
        coalesce(service_code, 'OVERIG') as service_code,
        is_service_mapped and service_code is not null as service_mapped,
        source_category,
        priority,
        status,
        true as status_mapped,
        status as source_status,
        opened_at,
        {{ canonical_clock_events('first_response_at', 'resolved_at') }},
        closed_at,
        updated_at,
        cast(null as text) as operator_group,
        load_id

    from tickets

)

select * from final
