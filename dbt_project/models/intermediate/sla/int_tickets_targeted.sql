{{ config(**ticket_increment_config()) }}

-- Every ticket with the SLA agreement in force at opened_at, its targets and
-- the calendar its clocks count on (DESIGN §5):
--   1. the organisation's agreement on the local date of opened_at (seed
--      organisation_agreements, a history with validity periods); none -> the
--      default agreement;
--   2. that agreement's target row for the priority in force on that date, the
--      service's own row over an any-service row; an agreement that has no row
--      for the priority falls back on the default agreement's row (per priority);
--   3. the calendar of the target row, else of the agreement it belongs to.
-- Also the moment running clocks are judged at: the organisation's data_as_of.
-- Incremental (docs/incremental.md): on a normal night only the tickets in
-- int_tickets_rebuilt (changed, or with a clock still running) are targeted
-- again. A ticket whose clocks have both stopped keeps the data_as_of of the
-- build that last rebuilt it; no clock or figure of such a ticket reads it.

with

tickets as (

    select * from {{ ref('int_tickets_unioned') }}
    where {{ ticket_is_rebuilt() }}

),

organisation_agreements as (

    select * from {{ ref('organisation_agreements') }}

),

agreements as (

    select * from {{ ref('sla_agreements') }}

),

targets as (

    select * from {{ ref('sla_targets') }}

),

freshness as (

    select * from {{ ref('int_ticket_loads_aggregated') }}

),

calendars as (

    select * from {{ ref('business_calendars') }}

),

default_agreement as (

    select
        agreement_id,
        calendar_id
    from agreements
    where is_default
    order by agreement_id
    limit 1

),

tickets_dated as (

    select
        tickets.*,
        {{ to_local_date('tickets.opened_at') }} as opened_on

    from tickets

),

tickets_agreed as (

    -- the organisation's agreement in force on the local date of opened_at
    {{ agreement_in_force('tickets_dated', 'opened_on') }}

),

target_candidates as (

    -- the agreement's own row beats the default's (fallback), a service's own
    -- row beats an any-service row, then the latest valid_from (macros/sla_agreement_rules.sql)
    select
        tickets_agreed.org_code,
        tickets_agreed.ticket_id,
        targets.agreement_id as target_agreement_id,
        coalesce(targets.calendar_id, agreements.calendar_id) as calendar_id,
        targets.response_target_minutes,
        targets.resolution_target_minutes,
        targets.target_pct,
        {{ target_precedence('tickets_agreed', ['org_code', 'ticket_id']) }} as precedence

    from tickets_agreed
    inner join targets
        on {{ target_applies('tickets_agreed', 'tickets_agreed.opened_on') }}
    inner join agreements
        on targets.agreement_id = agreements.agreement_id

),

final as (

    select
        {{ canonical_ticket_columns('tickets_agreed') }},
        tickets_agreed.agreement_id,
        target_candidates.target_agreement_id,
        -- a ticket without a target (no priority) still gets its clocks on the
        -- calendar of its agreement
        coalesce(target_candidates.calendar_id, organisation_agreement.calendar_id) as calendar_id,
        -- the calendar's smallint key: what the clocks join the calendar on (cheaper than the text id)
        calendars.calendar_key,
        target_candidates.response_target_minutes,
        target_candidates.resolution_target_minutes,
        target_candidates.target_pct,
        freshness.data_as_of

    from tickets_agreed
    left join agreements as organisation_agreement
        on tickets_agreed.agreement_id = organisation_agreement.agreement_id
    left join target_candidates
        on
            tickets_agreed.org_code = target_candidates.org_code
            and tickets_agreed.ticket_id = target_candidates.ticket_id
            and target_candidates.precedence = 1
    left join freshness
        on
            tickets_agreed.org_code = freshness.org_code
            and tickets_agreed.source_system = freshness.source_system
    left join calendars
        on coalesce(target_candidates.calendar_id, organisation_agreement.calendar_id) = calendars.calendar_id

)

select * from final
