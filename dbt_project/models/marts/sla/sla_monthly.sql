-- SLA attainment per local month, organisation, service and priority
-- (DESIGN §4.4, §5). A resolution counts in the local month of resolved_at, a
-- response in the local month of first_response_at; the grain is every key
-- with a resolution, a response or an open breach in that month.

with

tickets as (

    -- cancelled tickets are excluded; without a priority there is no SLA
    select * from {{ ref('int_tickets_timed') }}
    where status != 'cancelled' and priority is not null

),

open_tickets as (

    select * from {{ ref('int_open_tickets_aged') }}
    where priority is not null

),

targets as (

    select * from {{ ref('sla_targets') }}

),

organisation_agreements as (

    select * from {{ ref('organisation_agreements') }}

),

default_agreement as (

    select agreement_id from {{ ref('sla_agreements') }}
    where is_default
    order by agreement_id
    limit 1

),

events as (

    -- one row per event that counts in a month: a resolution (local month of
    -- resolved_at), a response (local month of first_response_at), a ticket
    -- still open and past its target at the month's end
    select
        {{ to_local_month('resolved_at') }} as month,
        org_code,
        service_code,
        priority,
        'resolution' as event_kind,
        resolution_met as is_met,
        resolution_business_minutes

    from tickets
    where resolved_at is not null

    union all

    select
        {{ to_local_month('first_response_at') }} as month,
        org_code,
        service_code,
        priority,
        'response' as event_kind,
        response_met as is_met,
        null as resolution_business_minutes

    from tickets
    where first_response_at is not null

    union all

    select
        month,
        org_code,
        service_code,
        priority,
        'open_breach' as event_kind,
        null as is_met,
        null as resolution_business_minutes

    from open_tickets
    where is_breached

),

grain as (

    -- every key with an event in the month, and its counts
    select
        month,
        org_code,
        service_code,
        priority,
        count(*) filter (where event_kind = 'resolution') as tickets_resolved,
        count(*) filter (where event_kind = 'resolution' and is_met) as resolution_met,
        count(*) filter (where event_kind = 'resolution' and not is_met) as resolution_breached,
        count(*) filter (where event_kind = 'response') as responses,
        count(*) filter (where event_kind = 'response' and is_met) as response_met,
        count(*) filter (where event_kind = 'response' and not is_met) as response_breached,
        percentile_cont(0.5) within group (
            order by resolution_business_minutes
        ) filter (where event_kind = 'resolution') as p50_resolution,
        percentile_cont(0.9) within group (
            order by resolution_business_minutes
        ) filter (where event_kind = 'resolution') as p90_resolution,
        count(*) filter (where event_kind = 'open_breach') as open_breached

    from events
    group by month, org_code, service_code, priority

),

grain_agreed as (

    -- the organisation's agreement in force on the month's first day (none: the default)
    {{ agreement_in_force('grain', 'month') }}

),

target_candidates as (

    -- the target percentage in force on the month's first day, by the same rule
    -- as a ticket's targets (int_tickets_targeted): the agreement's own row over
    -- the default's fallback, a service's own row over any, then the latest period
    select
        grain_agreed.month,
        grain_agreed.org_code,
        grain_agreed.service_code,
        grain_agreed.priority,
        targets.target_pct,
        {{ target_precedence('grain_agreed', ['month', 'org_code', 'service_code', 'priority']) }} as precedence

    from grain_agreed
    inner join targets
        on {{ target_applies('grain_agreed', 'grain_agreed.month') }}

),

joined as (

    select
        grain.month,
        grain.org_code,
        grain.service_code,
        grain.priority,
        cast(grain.tickets_resolved as integer) as tickets_resolved,
        cast(grain.resolution_met as integer) as resolution_met,
        cast(grain.resolution_breached as integer) as resolution_breached,
        cast(grain.responses as integer) as responses,
        cast(grain.response_met as integer) as response_met,
        cast(grain.response_breached as integer) as response_breached,
        target_candidates.target_pct,
        grain.p50_resolution,
        grain.p90_resolution,
        cast(grain.open_breached as integer) as open_breached

    from grain
    left join target_candidates
        on
            grain.month = target_candidates.month
            and grain.org_code = target_candidates.org_code
            and grain.service_code = target_candidates.service_code
            and grain.priority = target_candidates.priority
            and target_candidates.precedence = 1

),

attainment as (

    select
        *,
        round(
            100.0 * resolution_met / nullif(resolution_met + resolution_breached, 0), 2
        ) as resolution_attainment_pct,
        round(
            100.0 * response_met / nullif(response_met + response_breached, 0), 2
        ) as response_attainment_pct

    from joined

),

final as (

    select
        month,
        org_code,
        service_code,
        priority,
        tickets_resolved,
        resolution_met,
        resolution_breached,
        resolution_attainment_pct,
        responses,
        response_met,
        response_attainment_pct,
        target_pct,
        -- achieved when every attainment there is to count reaches target_pct
        case
            when resolution_attainment_pct is null and response_attainment_pct is null then null
            when target_pct is null then null
            else
                coalesce(resolution_attainment_pct >= target_pct, true)
                and coalesce(response_attainment_pct >= target_pct, true)
        end as target_achieved,
        round(cast(p50_resolution as numeric), 2) as p50_resolution_business_minutes,
        round(cast(p90_resolution as numeric), 2) as p90_resolution_business_minutes,
        open_breached

    from attainment

)

select * from final
