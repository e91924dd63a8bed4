-- How current each organisation's tickets are: the end of the latest window
-- its accepted ticket loads cover. A clock still running is judged at this
-- moment, not at now(), so a late or missing load never turns into breaches
-- that did not happen, and a rebuild on the same data gives the same answer.

with

loads as (

    select * from {{ ref('stg_audit__loads') }}

),

aggregated as (

    select
        org_code,
        source_system,
        max(window_end) as data_as_of,
        count(*) as accepted_loads

    from loads
    where
        is_accepted
        and entity in ('{{ var("ticket_entities") | join("', '") }}')  -- noqa: LT05
    group by org_code, source_system

)

select * from aggregated
