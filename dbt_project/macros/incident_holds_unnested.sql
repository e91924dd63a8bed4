{#-
    The query of a staging model of incident holds (stg_topdesk__incident_holds,
    stg_servicenow__incident_holds): one row per hold of each incident in
    `incidents` (a staging table of incidents, one row per latest version) from
    its hold_intervals, the "_holds" list the connector derived
    ([{"start": ..., "end": ... | null}]), numbered in list order (hold_seq).
-#}
{% macro incident_holds_unnested(incidents) %}
with

incidents as (

    select
        org_code,
        ticket_id,
        load_id,
        hold_intervals

    from {{ incidents }}
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
{%- endmacro %}
