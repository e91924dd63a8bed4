{{ config(**ticket_increment_config(pre_hook="{{ analyze_calendar() }}")) }}

-- Every ticket with its SLA clocks in business minutes, holds subtracted
-- (DESIGN §5). Each clock is index(event) - index(opened_at) - business minutes
-- on hold in between: one calendar lookup per timestamp, and a sum over the
-- ticket's (few) merged hold periods. No loop over days or minutes.

with

tickets as (

    -- incremental (docs/incremental.md): the tickets changed or with a clock still running
    select * from {{ ref('int_tickets_targeted') }}
    where {{ ticket_is_rebuilt() }}

),

calendar as not materialized (

    -- joined more than once below: not materialized, so every join can use the
    -- calendar's (calendar_key, utc_midnight_at) index; a materialized CTE has
    -- none, and a catch-up night's holds planned as a nested loop over it took
    -- minutes (docs/incremental.md)
    select * from {{ ref('int_business_days_indexed') }}

),

holds as (

    select * from {{ ref('int_ticket_holds_indexed') }}

),

indexed as (

    select
        tickets.*,
        {{ business_minute_index('tickets.opened_at', 'opened_day') }} as opened_index,
        {{ business_minute_index('tickets.first_response_at', 'response_day') }} as response_index,
        {{ business_minute_index('tickets.resolved_at', 'resolved_day') }} as resolved_index,
        {{ business_minute_index('tickets.data_as_of', 'as_of_day') }} as as_of_index

    from tickets
    {{ business_day_join('opened_day', 'tickets.opened_at', 'tickets.calendar_key') }}
    {{ business_day_join('response_day', 'tickets.first_response_at', 'tickets.calendar_key') }}
    {{ business_day_join('resolved_day', 'tickets.resolved_at', 'tickets.calendar_key') }}
    {{ business_day_join('as_of_day', 'tickets.data_as_of', 'tickets.calendar_key') }}

),

held as (

    -- business minutes on hold within each clock: the resolution clock runs to
    -- resolved_at (while unresolved: to data_as_of), the response clock to
    -- first_response_at (while unanswered: to data_as_of)
    select
        indexed.org_code,
        indexed.ticket_id,
        sum({{ overlap_minutes(
            'holds.hold_start_index', 'holds.hold_end_index',
            'indexed.opened_index', 'coalesce(indexed.resolved_index, indexed.as_of_index)'
        ) }}) as resolution_hold_minutes,
        sum({{ overlap_minutes(
            'holds.hold_start_index', 'holds.hold_end_index',
            'indexed.opened_index', 'coalesce(indexed.response_index, indexed.as_of_index)'
        ) }}) as response_hold_minutes,
        sum({{ overlap_minutes(
            'holds.hold_start_index', 'holds.hold_end_index',
            'indexed.opened_index', 'indexed.as_of_index'
        ) }}) as as_of_hold_minutes,
        count(*) as hold_periods

    from indexed
    inner join holds
        on
            indexed.org_code = holds.org_code
            and indexed.ticket_id = holds.ticket_id
    group by indexed.org_code, indexed.ticket_id

),

clocked as (

    select
        indexed.*,
        coalesce(held.hold_periods, 0) as hold_periods,
        cast(coalesce(held.resolution_hold_minutes, 0) as integer) as on_hold_business_minutes,
        cast(coalesce(held.response_hold_minutes, 0) as integer) as response_on_hold_business_minutes,
        -- an event before opened_at (a data error) counts as zero, never negative;
        -- no event (null) stays null (greatest() would turn it into 0)
        cast(case
            when indexed.response_index < indexed.opened_index then 0
            else indexed.response_index - indexed.opened_index - coalesce(held.response_hold_minutes, 0)
        end as integer) as response_business_minutes,
        cast(case
            when indexed.resolved_index < indexed.opened_index then 0
            else indexed.resolved_index - indexed.opened_index - coalesce(held.resolution_hold_minutes, 0)
        end as integer) as resolution_business_minutes,
        -- how long a clock that still runs has run when the data was last complete
        cast(case
            when indexed.as_of_index < indexed.opened_index then 0
            else indexed.as_of_index - indexed.opened_index - coalesce(held.as_of_hold_minutes, 0)
        end as integer) as elapsed_business_minutes_as_of

    from indexed
    left join held
        on
            indexed.org_code = held.org_code
            and indexed.ticket_id = held.ticket_id

),

met as (

    select
        *,
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
                then resolution_business_minutes <= resolution_target_minutes
            when elapsed_business_minutes_as_of > resolution_target_minutes then false
        end as resolution_met

    from clocked

),

final as (

    select
        {{ canonical_ticket_columns() }},
        agreement_id,
        target_agreement_id,
        calendar_id,
        calendar_key,
        response_target_minutes,
        resolution_target_minutes,
        target_pct,
        data_as_of,
        opened_index as opened_business_minute_index,
        hold_periods,
        elapsed_business_minutes_as_of,
        on_hold_business_minutes,
        response_on_hold_business_minutes,
        response_business_minutes,
        resolution_business_minutes,
        response_met,
        resolution_met

    from met

)

select * from final
