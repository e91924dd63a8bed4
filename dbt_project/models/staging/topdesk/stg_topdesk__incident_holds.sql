-- On-hold periods of TOPdesk incidents, one row per hold: the connector embeds
-- them in the payload as "_holds" (derived from the progress trail), so the
-- latest accepted version of an incident carries its complete list and
-- replaces the holds of earlier versions. An incident without "_holds" has no
-- known holds. Built on stg_topdesk__incidents (same accepted-loads rule and
-- the same latest version), unnesting only.

with

incidents as (

    select
        org_code,
        ticket_id,
        load_id,
        hold_intervals

    from {{ ref('stg_topdesk__incidents') }}
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
        -- JSON null (still on hold) and a missing key both give null
        cast(nullif(hold ->> 'end', '') as timestamptz) as hold_end,
        load_id

    from unnested

)

select * from renamed
