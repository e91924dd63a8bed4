-- On-hold periods of ServiceNow incidents, one row per hold, from the "_holds"
-- the connector derived from sys_audit (state 3 periods). The latest accepted
-- version of an incident carries its complete list.

with

incidents as (

    select
        org_code,
        ticket_id,
        load_id,
        hold_intervals

    from {{ ref('stg_servicenow__incidents') }}
    where hold_intervals is not null

),

unnested as (

    select
        incidents.org_code,
        incidents.ticket_id,
        incidents.load_id,
        holds.hold_seq,
        holds.hold

    from incidents
    cross join lateral jsonb_array_elements(incidents.hold_intervals) with ordinality as holds (hold, hold_seq)

),

renamed as (

    select
        org_code,
        ticket_id,
        cast(hold_seq as integer) as hold_seq,
        cast(nullif(hold ->> 'start', '') as timestamptz) as hold_start,
        cast(nullif(hold ->> 'end', '') as timestamptz) as hold_end,
        load_id

    from unnested

)

select * from renamed
