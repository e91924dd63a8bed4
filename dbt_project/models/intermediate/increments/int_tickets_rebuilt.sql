{{
    config(
        materialized='table',
        indexes=[{'columns': ['org_code', 'ticket_id'], 'unique': True}],
        tags=['nightly_increment'],
        post_hook='analyze {{ this }}',
    )
}}
-- (analyzed at once: every model after it in the same build plans a join with it)
-- depends_on: {{ ref('int_loads_registered') }}
-- depends_on: {{ ref('stg_topdesk__incidents') }}
-- depends_on: {{ ref('stg_servicenow__incidents') }}
-- depends_on: {{ ref('stg_files__tickets') }}
-- depends_on: {{ ref('stg_files__ticket_holds') }}

-- The tickets whose rows the incremental SLA models rebuild in this build
-- (docs/incremental.md), each once:
-- * is_touched: a load the chain has not processed yet changed the ticket or
--   its holds (its staging row or file holds came from such a load);
-- * is_running: a clock of the ticket ran at the last build -- no first
--   response or no resolution (cancelled tickets too: their hold time counts
--   up to data_as_of), or one after the organisation's data_as_of as of the
--   last build (the window_end of its processed ticket loads) -- and that
--   data_as_of has moved since. Such a ticket is judged at data_as_of, so its
--   clocks, met flags and open-at-month-end ages are computed again; the night
--   its last clock falls inside data_as_of it is computed once more, then no
--   more. An organisation without a new ticket load keeps its running tickets.
-- Every other ticket keeps the rows it has: nothing they depend on has changed.

with

touched as (

    {{ tickets_touched() | indent(4) }}

),

processed_freshness as (

    -- data_as_of (int_ticket_loads_aggregated) as the last build saw it
    select
        org_code,
        source_system,
        max(window_end) as data_as_of

    from {{ ref('int_loads_registered') }}
    where
        processed_at is not null
        and entity in ('{{ var("ticket_entities") | join("', '") }}')  -- noqa: LT05
    group by org_code, source_system

),

freshness as (

    select * from {{ ref('int_ticket_loads_aggregated') }}

),

running as (

    select
        tickets.org_code,
        tickets.ticket_id

    from {{ ref('int_tickets_unioned') }} as tickets
    left join processed_freshness
        on
            tickets.org_code = processed_freshness.org_code
            and tickets.source_system = processed_freshness.source_system
    left join freshness
        on
            tickets.org_code = freshness.org_code
            and tickets.source_system = freshness.source_system
    where
        processed_freshness.data_as_of is null
        or (
            freshness.data_as_of is distinct from processed_freshness.data_as_of
            and (
                tickets.first_response_at is null
                or tickets.resolved_at is null
                or tickets.first_response_at > processed_freshness.data_as_of
                or tickets.resolved_at > processed_freshness.data_as_of
            )
        )

),

final as (

    select
        coalesce(touched.org_code, running.org_code) as org_code,
        coalesce(touched.ticket_id, running.ticket_id) as ticket_id,
        touched.ticket_id is not null as is_touched,
        running.ticket_id is not null as is_running

    from touched
    full outer join running
        on
            touched.org_code = running.org_code
            and touched.ticket_id = running.ticket_id

)

select * from final
