{{ config(**ticket_increment_config(unique_index=false)) }}
{%- set incremental = is_incremental() %}

-- On-hold periods of file-drop tickets from accepted loads. A holds file lists
-- every hold of each ticket in it, so for each ticket only the rows of its
-- latest accepted load count: a later file replaces the earlier holds of that
-- ticket (a corrected or a closed hold), and never adds to them.
-- A table, incremental (docs/incremental.md): on a normal night only the rows
-- of the loads not processed yet are read, and a ticket's rows are replaced
-- only when tonight's load is later (landed_at, load_id) than the one kept.

with

{{ latest_accepted_file(source('files', 'ticket_holds'), partition_by=['org_code', 'ticket_id'], unprocessed_only=true) }},

{% if incremental %}
newer_load as (

    -- tonight's latest load of a ticket, where it is later than the load kept
    -- (compared by their latest rows: the rows of one load may differ in landed_at)
    select latest_load.*
    from latest_load
    left join (
        -- the kept load's latest row, by the order that picked it
        select distinct on (org_code, ticket_id)
            org_code,
            ticket_id,
            landed_at,
            load_id
        from {{ this }}
        order by org_code asc, ticket_id asc, landed_at desc, load_id desc
    ) as kept
        on
            latest_load.org_code = kept.org_code
            and latest_load.ticket_id = kept.ticket_id
    where
        kept.ticket_id is null
        or (latest_load.landed_at, latest_load.load_id) > (kept.landed_at, kept.load_id)

),
{% endif %}

renamed as (

    select
        org_code,
        ticket_id,
        hold_start,
        hold_end,
        load_id,
        source_file,
        source_row,
        landed_at

    from {{ 'newer_load' if incremental else 'latest_load' }}

)

select * from renamed
