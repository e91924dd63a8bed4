{{
    config(
        indexes=[
            {'columns': ['org_code', 'opened_at']},
        ]
    )
}}

-- One row per ticket with its SLA clocks: the contract columns of DESIGN §4.4,
-- nothing more (add columns, never rename).

with

tickets as (

    select * from {{ ref('int_tickets_timed') }}

),

final as (

    select
        org_code,
        ticket_id,
        source_system,
        service_code,
        priority,
        status,
        opened_at,
        first_response_at,
        resolved_at,
        closed_at,
        on_hold_business_minutes,
        response_business_minutes,
        resolution_business_minutes,
        response_target_minutes,
        resolution_target_minutes,
        response_met,
        resolution_met

    from tickets

)

select * from final
