{{ config(**ticket_increment_config(unique_index=false)) }}

-- On-hold periods of file-drop tickets from accepted loads. A holds file lists
-- every hold of each ticket in it, so for each ticket only the rows of its
-- latest accepted load count: a later file replaces the earlier holds of that
-- ticket (a corrected or a closed hold), and never adds to them.
-- A table, incremental (docs/incremental.md): on a normal night only the rows
-- of the loads not processed yet are read, and a ticket's rows are replaced
-- only when tonight's load is later (landed_at, load_id) than the one kept.

with

{{ latest_accepted_file(
    source('files', 'ticket_holds'), partition_by=['org_code', 'ticket_id'], unprocessed_only=true
) }},

newer_load as (

    -- each ticket's latest load; on an incremental night only where it is later
    -- than the load kept, i.e. than every row kept for the ticket (the rows of
    -- one load may differ in landed_at)
    select latest_load.*
    from latest_load
    {% if is_incremental() %}
        where not exists (
            select 1 as kept_row from {{ this }} as kept
            where
                kept.org_code = latest_load.org_code
                and kept.ticket_id = latest_load.ticket_id
                and (kept.landed_at, kept.load_id) >= (latest_load.landed_at, latest_load.load_id)
        )
    {% endif %}

),

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

    from newer_load

)

select * from renamed
