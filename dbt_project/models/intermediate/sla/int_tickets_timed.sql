{{ config(materialized='table') }}

-- Every ticket with its SLA agreement, targets and clocks in business minutes
-- (DESIGN §5). Each clock is two lookups in the business calendar: one for
-- opened_at and one for the event, each on its own local date (no loops).

with

tickets as (

    select * from {{ ref('int_tickets_unioned') }}

),

targets as (

    select * from {{ ref('sla_targets') }}

),

agreements as (

    select * from {{ ref('sla_agreements') }}

),

calendar as (

    select * from {{ ref('int_business_days_indexed') }}

),

freshness as (

    select * from {{ ref('int_ticket_loads_aggregated') }}

),

default_agreement as (

    select calendar_id from agreements
    where is_default
    order by agreement_id
    limit 1

),

target_candidates as (

    -- the agreement in force at opened_at (local date); the most specific row
    -- wins: the organisation's own over any, a service's own over any, then the
    -- most recent period
    select
        tickets.org_code,
        tickets.ticket_id,
        targets.agreement_id,
        coalesce(targets.calendar_id, agreements.calendar_id) as calendar_id,
        targets.response_target_minutes,
        targets.resolution_target_minutes,
        targets.target_pct,
        row_number() over (
            partition by tickets.org_code, tickets.ticket_id
            order by
                (targets.org_code is not null) desc,
                (targets.service_code is not null) desc,
                targets.valid_from desc
        ) as precedence

    from tickets
    inner join targets
        on
            tickets.priority = targets.priority
            and (targets.org_code is null or tickets.org_code = targets.org_code)
            and (targets.service_code is null or tickets.service_code = targets.service_code)
            and {{ to_local_date('tickets.opened_at') }} >= targets.valid_from
            and (targets.valid_to is null or {{ to_local_date('tickets.opened_at') }} <= targets.valid_to)
    inner join agreements
        on targets.agreement_id = agreements.agreement_id

),

tickets_with_targets as (

    select
        tickets.*,
        target_candidates.agreement_id,
        -- a ticket without a target (no priority) still gets its clocks on the default calendar
        coalesce(target_candidates.calendar_id, default_agreement.calendar_id) as calendar_id,
        target_candidates.response_target_minutes,
        target_candidates.resolution_target_minutes,
        target_candidates.target_pct,
        freshness.data_as_of

    from tickets
    left join default_agreement on true
    left join target_candidates
        on
            tickets.org_code = target_candidates.org_code
            and tickets.ticket_id = target_candidates.ticket_id
            and target_candidates.precedence = 1
    left join freshness
        on
            tickets.org_code = freshness.org_code
            and tickets.source_system = freshness.source_system

),

indexed as (

    select
        tickets_with_targets.*,
        {{ business_minute_index('tickets_with_targets.opened_at', 'opened_day') }} as opened_index,
        {{ business_minute_index('tickets_with_targets.first_response_at', 'response_day') }} as response_index,
        {{ business_minute_index('tickets_with_targets.resolved_at', 'resolved_day') }} as resolved_index,
        {{ business_minute_index('tickets_with_targets.data_as_of', 'as_of_day') }} as as_of_index

    from tickets_with_targets
    left join calendar as opened_day
        on
            tickets_with_targets.calendar_id = opened_day.calendar_id
            and {{ to_local_date('tickets_with_targets.opened_at') }} = opened_day.calendar_date
    left join calendar as response_day
        on
            tickets_with_targets.calendar_id = response_day.calendar_id
            and {{ to_local_date('tickets_with_targets.first_response_at') }} = response_day.calendar_date
    left join calendar as resolved_day
        on
            tickets_with_targets.calendar_id = resolved_day.calendar_id
            and {{ to_local_date('tickets_with_targets.resolved_at') }} = resolved_day.calendar_date
    left join calendar as as_of_day
        on
            tickets_with_targets.calendar_id = as_of_day.calendar_id
            and {{ to_local_date('tickets_with_targets.data_as_of') }} = as_of_day.calendar_date

),

clocked as (

    select
        *,
        -- simple business-hours rule: holds are not yet subtracted (hold intervals come later)
        0 as on_hold_business_minutes,
        -- an event before opened_at (a data error) counts as zero, never negative;
        -- no event (null) stays null (greatest() would turn it into 0)
        cast(case
            when response_index < opened_index then 0 else response_index - opened_index
        end as integer) as response_business_minutes,
        cast(case
            when resolved_index < opened_index then 0 else resolved_index - opened_index
        end as integer) as resolution_gross_business_minutes,
        -- how long a clock that still runs has run when the data was last complete
        cast(case
            when as_of_index < opened_index then 0 else as_of_index - opened_index
        end as integer) as elapsed_business_minutes_as_of

    from indexed

),

met as (

    select
        *,
        resolution_gross_business_minutes - on_hold_business_minutes as resolution_business_minutes,
        case
            when status = 'cancelled' then null
            when first_response_at is not null
                then response_business_minutes <= response_target_minutes
            -- still running: breached once the target has passed, else unknown
            when elapsed_business_minutes_as_of > response_target_minutes then false
        end as response_met,
        case
            when status = 'cancelled' then null
            when resolved_at is not null
                then resolution_gross_business_minutes - on_hold_business_minutes <= resolution_target_minutes
            when elapsed_business_minutes_as_of - on_hold_business_minutes > resolution_target_minutes then false
        end as resolution_met

    from clocked

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
        first_response_at,
        resolved_at,
        closed_at,
        updated_at,
        operator_group,
        load_id,
        agreement_id,
        calendar_id,
        response_target_minutes,
        resolution_target_minutes,
        target_pct,
        data_as_of,
        opened_index as opened_business_minute_index,
        elapsed_business_minutes_as_of,
        on_hold_business_minutes,
        response_business_minutes,
        resolution_business_minutes,
        response_met,
        resolution_met

    from met

)

select * from final
