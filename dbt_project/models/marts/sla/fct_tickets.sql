{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['org_code', 'ticket_id'],
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['org_code', 'opened_at']},
        ],
        tags=['nightly_increment'],
        post_hook="{{ record_lineage_fingerprint() }}",
    )
}}
-- depends_on: {{ ref('int_tickets_rebuilt') }}

-- One row per ticket with its SLA clocks: the contract columns of DESIGN §4.4,
-- nothing more (add columns, never rename).
-- Incremental (docs/incremental.md): on a normal night only the tickets in
-- int_tickets_rebuilt (changed, or with a clock still running) are replaced,
-- in one transaction (delete + insert), so BI never sees a half-built table.

with

tickets as (

    select * from {{ ref('int_tickets_timed') }}
    where {{ ticket_is_rebuilt() }}

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
