-- On-hold periods of every source system in one shape. Each source brings one
-- staging model with these columns: TOPdesk (the connector's "_holds" in the
-- payload), file drops (ticket_holds_*.csv); ServiceNow (sys_audit "_holds")
-- adds one CTE and one `union all` here.

with

topdesk as (

    select
        org_code,
        ticket_id,
        'topdesk' as source_system,
        hold_start,
        hold_end,
        load_id

    from {{ ref('stg_topdesk__incident_holds') }}

),

servicenow as (

    select
        org_code,
        ticket_id,
        'servicenow' as source_system,
        hold_start,
        hold_end,
        load_id

    from {{ ref('stg_servicenow__incident_holds') }}

),

files as (

    select
        org_code,
        ticket_id,
        'files' as source_system,
        hold_start,
        hold_end,
        load_id

    from {{ ref('stg_files__ticket_holds') }}

),

unioned as (

    select * from topdesk
    union all
    select * from servicenow
    union all
    select * from files

)

select * from unioned
