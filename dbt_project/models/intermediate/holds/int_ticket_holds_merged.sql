{{
    config(**ticket_increment_config(
        incremental_strategy='append',
        unique_index=false,
        pre_hook="{{ delete_rebuilt_tickets(touched_only=true) }}",
    ))
}}

-- Hold periods per ticket with overlapping (or touching) periods merged, so no
-- minute on hold is subtracted twice. A hold without an end (still on hold)
-- runs on until the clock stops; merging treats it as endless. Holds without a
-- start, or ending before they start, cannot be placed and are left out
-- (warning tests on the staging models and int_ticket_holds_unioned say so).
-- Incremental (docs/incremental.md): on a normal night only the tickets whose
-- holds an unprocessed load changed are merged again; their old periods are
-- deleted first (pre-hook), as a ticket may have fewer periods now, or none.

with

holds as (

    select
        org_code,
        ticket_id,
        source_system,
        hold_start,
        coalesce(hold_end, cast('infinity' as timestamptz)) as hold_until

    from {{ ref('int_ticket_holds_unioned') }}
    where
        hold_start is not null
        and (hold_end is null or hold_end >= hold_start)
        and {{ ticket_is_rebuilt(touched_only=true) }}

),

ordered as (

    select
        *,
        -- the latest end among the ticket's earlier holds
        max(hold_until) over (
            partition by org_code, ticket_id
            order by hold_start, hold_until
            rows between unbounded preceding and 1 preceding
        ) as earlier_until

    from holds

),

islands as (

    select
        *,
        -- a hold that starts after every earlier one has ended starts a new period
        sum(case when earlier_until >= hold_start then 0 else 1 end) over (
            partition by org_code, ticket_id
            order by hold_start, hold_until
            rows between unbounded preceding and current row
        ) as hold_seq

    from ordered

),

merged as (

    select
        org_code,
        ticket_id,
        source_system,
        cast(hold_seq as integer) as hold_seq,
        min(hold_start) as hold_start,
        nullif(max(hold_until), cast('infinity' as timestamptz)) as hold_end,
        cast(count(*) as integer) as source_holds

    from islands
    group by org_code, ticket_id, source_system, hold_seq

)

select * from merged
