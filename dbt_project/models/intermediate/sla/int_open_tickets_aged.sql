{{
    config(**ticket_increment_config(
        incremental_strategy='append',
        unique_index=false,
        meta={'fingerprint_macro': 'open_tickets_aged_months'},
        pre_hook=[
            "{{ analyze_calendar() }}",
            "{{ delete_rebuilt_tickets(running_rows_where='kept.evaluated_at < kept.month_end_at') }}",
        ],
    ))
}}

-- One row per (month, ticket) for every ticket still open at the end of a
-- local month: how many business minutes its resolution clock had run by
-- then, and whether that already exceeds the target (DESIGN §5 open_breached).
-- A month whose end lies after the organisation's latest complete data is
-- judged at that moment instead (data_as_of), never at a future instant.
-- Incremental (docs/incremental.md): on a normal night only these rows are
-- computed again (the pre-hook deletes them first): every row of a ticket an
-- unprocessed load changed, and the rows of a running ticket that were judged
-- at data_as_of rather than at the month's end (data_as_of has moved since).
-- A row judged at its month's end stays as it is while the ticket does not
-- change. A change in the set of months with activity (a new month, usually)
-- rebuilds the whole table: the months are part of its lineage fingerprint
-- (macro open_tickets_aged_months).

with

tickets as (

    -- the tickets this build rebuilds (the months below still come from every ticket)
    select * from {{ ref('int_tickets_timed') }}
    where {{ ticket_is_rebuilt() }}

),

calendar as (

    select * from {{ ref('int_business_days_indexed') }}

),

holds as (

    select * from {{ ref('int_ticket_holds_indexed') }}

),

activity_months as (

    -- the local months in which any ticket was opened, answered or resolved
    {{ ticket_activity_months(ref('int_tickets_timed')) | indent(4) }}

),

month_ends as (

    select
        month,
        {{ local_month_end('month') }} as month_end_at

    from activity_months

),

open_at_month_end as (

    select
        month_ends.month,
        month_ends.month_end_at,
        tickets.org_code,
        tickets.ticket_id,
        tickets.service_code,
        tickets.priority,
        tickets.calendar_id,
        tickets.calendar_key,
        tickets.resolution_target_minutes,
        tickets.opened_business_minute_index,
        -- least() ignores a null data_as_of: then the month's end itself
        least(month_ends.month_end_at, tickets.data_as_of) as evaluated_at

    from tickets
    inner join month_ends
        on
            tickets.opened_at < month_ends.month_end_at
            and (tickets.resolved_at is null or tickets.resolved_at >= month_ends.month_end_at)
    where
        tickets.status != 'cancelled'
        {% if is_incremental() %}
            -- of the rebuilt tickets, the rows the pre-hook deleted
            and not exists (
                select 1 as kept_row from {{ this }} as kept
                where
                    kept.org_code = tickets.org_code
                    and kept.ticket_id = tickets.ticket_id
                    and kept.month = month_ends.month
            )
        {% endif %}

),

evaluated as (

    select
        open_at_month_end.*,
        {{ business_minute_index('open_at_month_end.evaluated_at', 'evaluated_day') }} as evaluated_index

    from open_at_month_end
    {{ business_day_join('evaluated_day', 'open_at_month_end.evaluated_at', 'open_at_month_end.calendar_key') }}

),

held as (

    -- business minutes on hold between opening and evaluated_at (not the
    -- ticket's total hold time), per month and ticket with holds
    select
        evaluated.month,
        evaluated.org_code,
        evaluated.ticket_id,
        sum({{ overlap_minutes(
            'holds.hold_start_index', 'holds.hold_end_index',
            'evaluated.opened_business_minute_index', 'evaluated.evaluated_index'
        ) }}) as held_minutes

    from evaluated
    inner join holds
        on
            evaluated.org_code = holds.org_code
            and evaluated.ticket_id = holds.ticket_id
    group by evaluated.month, evaluated.org_code, evaluated.ticket_id

),

aged as (

    -- the resolution clock at evaluated_at: business minutes since opening, less
    -- those on hold up to then
    select
        evaluated.month,
        evaluated.org_code,
        evaluated.ticket_id,
        evaluated.service_code,
        evaluated.priority,
        evaluated.month_end_at,
        evaluated.evaluated_at,
        evaluated.resolution_target_minutes,
        cast(
            evaluated.evaluated_index - evaluated.opened_business_minute_index - coalesce(held.held_minutes, 0)
            as integer
        ) as raw_elapsed_business_minutes

    from evaluated
    left join held
        on
            evaluated.month = held.month
            and evaluated.org_code = held.org_code
            and evaluated.ticket_id = held.ticket_id

),

final as (

    select
        month,
        org_code,
        ticket_id,
        service_code,
        priority,
        month_end_at,
        evaluated_at,
        resolution_target_minutes,
        -- never negative (data_as_of before opened_at would be a data error)
        case
            when raw_elapsed_business_minutes < 0 then 0 else raw_elapsed_business_minutes
        end as elapsed_business_minutes,
        coalesce(raw_elapsed_business_minutes > resolution_target_minutes, false) as is_breached

    from aged

)

select * from final
