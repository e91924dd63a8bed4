{{
    config(**ticket_increment_config(
        incremental_strategy='append',
        unique_index=false,
        pre_hook=["{{ analyze_calendar() }}", "{{ delete_rebuilt_tickets(touched_only=true) }}"],
    ))
}}

-- Each merged hold period on the business-minute index of its ticket's
-- calendar (the agreement's calendar, int_tickets_targeted). Because the index
-- never decreases, clipping a hold to a clock's span is clipping its indexes
-- (macro overlap_minutes): business minutes on hold within any clock are a sum
-- over the ticket's few holds, without a loop over days.
-- Incremental (docs/incremental.md): on a normal night only the holds of the
-- tickets an unprocessed load changed are indexed again (a ticket's calendar
-- and holds change only with the ticket); their old rows are deleted first.

with

holds as (

    select * from {{ ref('int_ticket_holds_merged') }}
    where {{ ticket_is_rebuilt(touched_only=true) }}

),

tickets as (

    select * from {{ ref('int_tickets_targeted') }}

),

calendar as not materialized (

    -- joined more than once below: not materialized, so every join can use the
    -- calendar's (calendar_key, utc_midnight_at) index; a materialized CTE has
    -- none, and a catch-up night's holds planned as a nested loop over it took
    -- minutes (docs/incremental.md)
    select * from {{ ref('int_business_days_indexed') }}

),

indexed as (

    select
        holds.org_code,
        holds.ticket_id,
        holds.hold_seq,
        holds.hold_start,
        holds.hold_end,
        holds.source_holds,
        tickets.calendar_id,
        {{ business_minute_index('holds.hold_start', 'start_day') }} as hold_start_index,
        {{ business_minute_index('holds.hold_end', 'end_day') }} as hold_end_index

    from holds
    inner join tickets
        on
            holds.org_code = tickets.org_code
            and holds.ticket_id = tickets.ticket_id
    {{ business_day_join('start_day', 'holds.hold_start', 'tickets.calendar_key') }}
    {{ business_day_join('end_day', 'holds.hold_end', 'tickets.calendar_key') }}

)

select * from indexed
